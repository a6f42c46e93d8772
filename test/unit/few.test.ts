import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FewMap, FewSet } from '../../src/actors/few.js';

/** The keys the property tests use: '' among them, a key like any other. */
const KEYS = ['a', 'b', 'c', ''];
/** Sequences of sets (adds, for a FewSet), deletes and clears, for the property tests against Map and Set. */
const operations = fc.array(
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...KEYS), value: fc.nat(9) }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('delete' as const),
        key: fc.constantFrom(...KEYS),
        value: fc.constant(0),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('clear' as const), key: fc.constant(''), value: fc.constant(0) }),
    },
  ),
  { maxLength: 40 },
);

describe('FewSet', () => {
  it('starts empty', () => {
    const set = new FewSet();
    assert.equal(set.size, 0);
    assert.equal(set.has('a'), false);
    assert.deepEqual([...set], []);
    assert.equal(set.delete('a'), false);
  });

  it('holds one value, then two, then one again, in the order they were added', () => {
    const set = new FewSet();
    assert.equal(set.add('a'), set);
    assert.equal(set.size, 1);
    assert.deepEqual([...set], ['a']);
    set.add('a');
    assert.equal(set.size, 1, 'adding it again changes nothing');
    set.add('b').add('c');
    assert.deepEqual([...set], ['a', 'b', 'c']);
    assert.equal(set.delete('a'), true);
    assert.equal(set.delete('a'), false);
    assert.equal(set.delete('c'), true);
    assert.deepEqual([...set], ['b']);
    assert.equal(set.has('b'), true);
    assert.equal(set.has('c'), false);
    set.add('d');
    assert.deepEqual([...set], ['b', 'd']);
  });

  it('clear empties it, from one value and from many', () => {
    const one = new FewSet().add('a');
    one.clear();
    assert.deepEqual([...one], []);
    const many = new FewSet().add('a').add('b');
    many.clear();
    assert.equal(many.size, 0);
    assert.equal(many.has('a'), false);
    many.add('c');
    assert.deepEqual([...many], ['c']);
  });

  it('an empty string is a value like any other', () => {
    const set = new FewSet().add('');
    assert.equal(set.size, 1);
    assert.equal(set.has(''), true);
    assert.deepEqual([...set], ['']);
  });

  it('behaves as a Set under any sequence of adds, deletes and clears', () => {
    fc.assert(
      fc.property(operations, (ops) => {
        const model = new Set<string>();
        const set = new FewSet();
        for (const { op, key } of ops) {
          if (op === 'set') {
            set.add(key);
            model.add(key);
          } else if (op === 'delete') {
            assert.equal(set.delete(key), model.delete(key));
          } else {
            set.clear();
            model.clear();
          }
          assert.equal(set.size, model.size);
          for (const each of KEYS) assert.equal(set.has(each), model.has(each));
          assert.deepEqual([...set], [...model], 'in the order a Set gives');
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('FewMap', () => {
  it('holds one entry, then two, then one again', () => {
    const map = new FewMap<number>();
    assert.equal(map.size, 0);
    assert.equal(map.get('a'), undefined);
    assert.equal(map.set('a', 1), map);
    assert.equal(map.get('a'), 1);
    map.set('a', 2);
    assert.equal(map.size, 1, 'setting it again replaces its value');
    assert.equal(map.get('a'), 2);
    map.set('b', 3).set('c', 4);
    assert.equal(map.size, 3);
    assert.equal(map.delete('a'), true);
    assert.equal(map.delete('a'), false);
    assert.equal(map.delete('c'), true);
    assert.equal(map.size, 1);
    assert.equal(map.get('b'), 3);
    assert.equal(map.get('c'), undefined);
    map.set('b', 5);
    assert.equal(map.get('b'), 5, 'the one left is replaced in place');
    assert.equal(map.size, 1);
  });

  it('clear empties it, from one entry and from many', () => {
    const one = new FewMap<number>().set('a', 1);
    one.clear();
    assert.equal(one.size, 0);
    assert.equal(one.get('a'), undefined);
    const many = new FewMap<number>().set('a', 1).set('b', 2);
    many.clear();
    assert.equal(many.size, 0);
    assert.equal(many.get('b'), undefined);
  });

  it('behaves as a Map under any sequence of sets, deletes and clears', () => {
    fc.assert(
      fc.property(operations, (ops) => {
        const model = new Map<string, number>();
        const map = new FewMap<number>();
        for (const { op, key, value } of ops) {
          if (op === 'set') {
            map.set(key, value);
            model.set(key, value);
          } else if (op === 'delete') {
            assert.equal(map.delete(key), model.delete(key));
          } else {
            map.clear();
            model.clear();
          }
          assert.equal(map.size, model.size);
          for (const each of KEYS) assert.equal(map.get(each), model.get(each));
          assert.deepEqual([...map.keys()], [...model.keys()], 'in the order a Map gives');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
