import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JoinView, type LatestPage } from '../../src/actors/join-view.js';

/** A JoinView over counted fake reads whose results the test sets and can hold back. */
function fixture() {
  const reads = { latest: 0, users: 0, counts: [] as number[] };
  let history = 0;
  let users = '[]';
  let failNext = false;
  const held: (() => void)[] = [];
  let holding = false;
  const settle = <T>(value: () => T): Promise<T> =>
    new Promise((resolve, reject) => {
      const finish = () => {
        if (failNext) {
          failNext = false;
          reject(new Error('redis down'));
        } else resolve(value());
      };
      if (holding) held.push(finish);
      else finish();
    });
  const view = new JoinView({
    readLatest: (count) => {
      reads.latest++;
      reads.counts.push(count);
      const total = history;
      return settle((): LatestPage => ({ total, items: [String(total)] }));
    },
    readUsersJson: () => {
      reads.users++;
      const snapshot = users;
      return settle(() => snapshot);
    },
  });
  return {
    view,
    reads,
    /** A message is stored in history (and, separately, may be applied by the test). */
    store: () => ++history,
    setUsers: (json: string) => (users = json),
    failNext: () => (failNext = true),
    hold: () => (holding = true),
    release: () => {
      holding = false;
      for (const finish of held.splice(0)) finish();
    },
  };
}

describe('JoinView: latest messages', () => {
  it('reads as many as a join asks for, and shares a larger page with smaller asks, not the other way', async () => {
    const f = fixture();
    f.view.messageApplied(f.store());
    await f.view.latest(10);
    await f.view.latest(100);
    await f.view.latest(10);
    await f.view.latest(100);
    assert.deepEqual(f.reads.counts, [10, 100], 'a page of 10 is not enough for 100; one of 100 serves both after');
    f.view.messageApplied(f.store());
    await f.view.latest(10);
    assert.deepEqual(f.reads.counts, [10, 100, 100], 'a newer message: read again, as many as the last page held');
  });

  it('reads the page once and shares it while no newer message is applied', async () => {
    const f = fixture();
    f.view.messageApplied(f.store());
    const first = await f.view.latest(10);
    const second = await f.view.latest(10);
    assert.equal(f.reads.latest, 1);
    assert.equal(second, first);
    assert.deepEqual(first, { total: 1, items: ['1'] });
  });

  it('reads again once a message newer than the page is applied', async () => {
    const f = fixture();
    await f.view.latest(10);
    f.view.messageApplied(f.store());
    assert.deepEqual(await f.view.latest(10), { total: 1, items: ['1'] });
    assert.equal(f.reads.latest, 2);
  });

  it('keeps a page that already holds a message applied after it was read', async () => {
    const f = fixture();
    const position = f.store(); // stored, its push not applied yet
    await f.view.latest(10);
    f.view.messageApplied(position);
    await f.view.latest(10);
    assert.equal(f.reads.latest, 1);
  });

  const invalidations: [string, (f: ReturnType<typeof fixture>) => void][] = [
    ['a message is applied', (f) => f.view.messageApplied(f.store())],
    [
      'the view is reset',
      (f) => {
        f.store();
        f.view.reset();
      },
    ],
  ];
  for (const [what, invalidate] of invalidations) {
    it(`a read in flight is not given to joins after ${what}`, async () => {
      const f = fixture();
      f.hold();
      const early = f.view.latest(10); // reads history 0
      invalidate(f);
      const late = f.view.latest(10);
      f.release();
      assert.equal((await early).total, 0);
      assert.equal((await late).total, 1);
      assert.equal(f.reads.latest, 2);
    });
  }

  it('shares one read among joins that arrive while it is in flight', async () => {
    const f = fixture();
    f.hold();
    const pages = [f.view.latest(10), f.view.latest(10), f.view.latest(10)];
    f.release();
    await Promise.all(pages);
    assert.equal(f.reads.latest, 1);
  });

  it('a failed read is not kept: the next join reads again', async () => {
    const f = fixture();
    f.failNext();
    await assert.rejects(f.view.latest(10), /redis down/);
    assert.deepEqual(await f.view.latest(10), { total: 0, items: ['0'] });
    assert.equal(f.reads.latest, 2);
  });

  it('reset forgets the page: messages skipped by a snapshot load are read, not assumed', async () => {
    const f = fixture();
    await f.view.latest(10);
    f.store(); // applied elsewhere, behind the snapshot this node loads
    f.view.reset();
    assert.equal((await f.view.latest(10)).total, 1);
  });
});

describe('JoinView: users', () => {
  it('reads the users once and shares them until a reset', async () => {
    const f = fixture();
    f.setUsers('[{"UUID":"a","username":"alice"}]');
    assert.equal(await f.view.usersJson(), '[{"UUID":"a","username":"alice"}]');
    await f.view.usersJson();
    assert.equal(f.reads.users, 1);
    f.setUsers('[]');
    f.view.reset();
    assert.equal(await f.view.usersJson(), '[]');
    assert.equal(f.reads.users, 2);
  });

  it('a read in flight at a reset is not given to later joins', async () => {
    const f = fixture();
    f.hold();
    const early = f.view.usersJson();
    f.setUsers('["changed"]');
    f.view.reset();
    const late = f.view.usersJson();
    f.release();
    assert.equal(await early, '[]');
    assert.equal(await late, '["changed"]');
  });

  it('a failed read is not kept', async () => {
    const f = fixture();
    f.failNext();
    await assert.rejects(f.view.usersJson(), /redis down/);
    assert.equal(await f.view.usersJson(), '[]');
    assert.equal(f.reads.users, 2);
  });
});
