import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemberList, USERS_LIST_MAX_AGE_MS } from '../../src/actors/member-list.js';
import type { ChannelUser } from '../../src/protocol/responses.js';
import type { UserNames } from '../../src/store/user-directory.js';
import { textOf } from '../helpers/text-pieces.js';

/** A MemberList over a fake directory that counts its lookups, and a clock the test moves. */
function fixture(known: Record<string, string>) {
  const lookups: string[][] = [];
  let fail = false;
  const names: UserNames = {
    async names(userUUIDs: readonly string[]): Promise<ChannelUser[]> {
      lookups.push([...userUUIDs]);
      if (fail) throw new Error('redis down');
      return userUUIDs.flatMap((UUID) => (known[UUID] === undefined ? [] : [{ UUID, username: known[UUID]! }]));
    },
  };
  let now = 1000;
  const list = new MemberList(names, () => now);
  return {
    list,
    lookups,
    /** The list's JSON as a join by `joiner` gets it, parsed to UUIDs. */
    uuids: async (joiner: string) => JSON.parse(textOf(await list.json(joiner))).map((user: ChannelUser) => user.UUID),
    later: (ms: number) => (now += ms),
    failLookups: (failing: boolean) => (fail = failing),
  };
}

const NAMES = { a: 'alice', b: 'bob', c: 'carol', d: 'dave' };

describe('MemberList', () => {
  it('writes each member exactly as JSON.stringify of the names did, in the order they became members', async () => {
    const known = { a: 'qu"ote', b: 'back\\slash', c: 'ünï😀code\u2028', d: 'ctl\u0001\n' };
    const f = fixture(known);
    for (const userUUID of ['c', 'a', 'd', 'b']) f.list.added(userUUID);
    const expected = JSON.stringify(['c', 'a', 'd', 'b'].map((UUID) => ({ UUID, username: known[UUID as 'a'] })));
    assert.equal(textOf(await f.list.json('a')), expected);
  });

  it('builds one list for a burst of joins within the interval, and each joiner is in its own answer', async () => {
    const f = fixture(NAMES);
    f.list.added('a');
    assert.deepEqual(await f.uuids('a'), ['a']);
    f.list.added('b');
    assert.deepEqual(await f.uuids('b'), ['a', 'b'], 'b joined after the list was built: added to it');
    f.list.added('c');
    assert.deepEqual(await f.uuids('c'), ['a', 'c'], 'the shared list does not show b yet, but shows c itself');
    assert.deepEqual(await f.uuids('a'), ['a']);
    assert.deepEqual(f.lookups, [['a'], ['b'], ['c']], 'one build, names looked up only for the joiners after it');
    f.later(USERS_LIST_MAX_AGE_MS);
    assert.deepEqual(await f.uuids('a'), ['a', 'b', 'c'], 'past the interval: rebuilt with every member');
    assert.equal(f.lookups.length, 3, 'names already known are not looked up again');
  });

  it('does not rebuild an unchanged list, however old', async () => {
    const f = fixture(NAMES);
    f.list.added('a');
    const [first] = await f.list.json('a');
    f.later(10 * USERS_LIST_MAX_AGE_MS);
    const [again] = await f.list.json('a');
    assert.equal(again, first, 'the same bytes');
    assert.deepEqual(f.lookups, [['a']]);
  });

  it('drops a member who left from the next list after the interval', async () => {
    const f = fixture(NAMES);
    for (const userUUID of ['a', 'b', 'c']) f.list.added(userUUID);
    assert.deepEqual(await f.uuids('a'), ['a', 'b', 'c']);
    f.list.removed('b');
    f.list.removed('c'); // as a node-gone entry removes every user joined only there
    assert.deepEqual(await f.uuids('a'), ['a', 'b', 'c'], 'within the interval the list may be behind');
    f.later(USERS_LIST_MAX_AGE_MS);
    assert.deepEqual(await f.uuids('a'), ['a']);
  });

  it('lists a member who left and came back once, at the end', async () => {
    const f = fixture(NAMES);
    for (const userUUID of ['a', 'b', 'c']) f.list.added(userUUID);
    assert.deepEqual(await f.uuids('a'), ['a', 'b', 'c']);
    f.list.removed('a');
    f.list.added('a');
    assert.deepEqual(await f.uuids('a'), ['a', 'b', 'c'], 'still in the shared list: not added twice');
    f.later(USERS_LIST_MAX_AGE_MS);
    assert.deepEqual(await f.uuids('a'), ['b', 'c', 'a']);
  });

  it('leaves out members the directory has no name for, as before', async () => {
    const f = fixture(NAMES);
    f.list.added('a');
    f.list.added('ghost');
    assert.deepEqual(await f.uuids('ghost'), ['a']);
  });

  it('keeps the order and known names of a snapshot it is replaced with, and builds anew', async () => {
    const f = fixture(NAMES);
    f.list.added('a');
    await f.list.json('a');
    f.list.replace(['c', 'a']);
    assert.deepEqual(await f.uuids('a'), ['c', 'a'], 'no list from before the snapshot is used');
    assert.deepEqual(f.lookups, [['a'], ['c']]);
  });

  it('does not keep a list whose names could not be read', async () => {
    const f = fixture(NAMES);
    f.list.added('a');
    f.failLookups(true);
    await assert.rejects(f.list.json('a'), /redis down/);
    f.failLookups(false);
    assert.deepEqual(await f.uuids('a'), ['a']);
  });
});
