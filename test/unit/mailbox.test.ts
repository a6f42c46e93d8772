import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Mailbox } from '../../src/actors/mailbox.js';
import { deferred } from '../helpers/async.js';

/** Waits (a bounded number of 1 ms timers) until the clock is past `t`. */
async function clockPast(t: number): Promise<void> {
  for (let i = 0; i < 1000 && Date.now() <= t; i++) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Lets queued promise callbacks run (bounded: a fixed number of turns). */
async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

describe('Mailbox', () => {
  it('resolves each letter with its own result', async () => {
    const mailbox = new Mailbox();
    const results = await Promise.all([
      mailbox.post(() => 1),
      mailbox.post(async () => 'two'),
      mailbox.post(() => Promise.resolve({ three: 3 })),
    ]);
    assert.deepEqual(results, [1, 'two', { three: 3 }]);
  });

  it('runs letters in the order posted', async () => {
    const mailbox = new Mailbox();
    const order: number[] = [];
    const posts: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      posts.push(
        mailbox.post(async () => {
          // Later letters finish faster if run concurrently; order must still hold.
          for (let t = 0; t < 50 - i; t++) await Promise.resolve();
          order.push(i);
        }),
      );
    }
    await Promise.all(posts);
    assert.deepEqual(
      order,
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it('runs one letter at a time', async () => {
    const mailbox = new Mailbox();
    let running = 0;
    let most = 0;
    const posts = Array.from({ length: 20 }, () =>
      mailbox.post(async () => {
        running++;
        most = Math.max(most, running);
        await settle(5);
        running--;
      }),
    );
    await Promise.all(posts);
    assert.equal(most, 1);
  });

  it('does not start a letter until the one before has settled', async () => {
    const mailbox = new Mailbox();
    const gate = deferred();
    const events: string[] = [];
    const first = mailbox.post(async () => {
      events.push('first start');
      await gate.promise;
      events.push('first end');
    });
    const second = mailbox.post(() => {
      events.push('second');
    });
    await settle();
    assert.deepEqual(events, ['first start']);
    gate.resolve();
    await Promise.all([first, second]);
    assert.deepEqual(events, ['first start', 'first end', 'second']);
  });

  it('a throwing letter rejects only its own promise and the next one runs', async () => {
    const mailbox = new Mailbox();
    const boom = new Error('boom');
    const before = mailbox.post(() => 'before');
    const thrown = mailbox.post(() => {
      throw boom;
    });
    const after = mailbox.post(() => 'after');
    assert.equal(await before, 'before');
    await assert.rejects(thrown, (error) => error === boom);
    assert.equal(await after, 'after');
  });

  it('a rejecting letter rejects only its own promise and the next one runs', async () => {
    const mailbox = new Mailbox();
    const rejected = mailbox.post(async () => {
      await Promise.resolve();
      throw new TypeError('async boom');
    });
    const rejectedValue = mailbox.post(() => Promise.reject(42));
    const after = mailbox.post(async () => 'after');
    await assert.rejects(rejected, { name: 'TypeError', message: 'async boom' });
    await assert.rejects(rejectedValue, (error) => error === 42);
    assert.equal(await after, 'after');
  });

  it('keeps working after many failures', async () => {
    const mailbox = new Mailbox();
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        mailbox.post(() => {
          if (i % 2 === 0) throw new Error(`e${i}`);
          return i;
        }),
      ),
    );
    results.forEach((result, i) => {
      if (i % 2 === 0) assert.equal(result.status, 'rejected');
      else assert.deepEqual(result, { status: 'fulfilled', value: i });
    });
    assert.equal(await mailbox.post(() => 'still alive'), 'still alive');
    assert.equal(mailbox.idle, true);
  });

  it('runs a letter posted from inside a running letter after it', async () => {
    const mailbox = new Mailbox();
    const order: string[] = [];
    let inner: Promise<void> | undefined;
    await mailbox.post(() => {
      inner = mailbox.post(() => {
        order.push('inner');
      });
      order.push('outer');
    });
    await inner;
    assert.deepEqual(order, ['outer', 'inner']);
  });

  it('keeps order across more letters than the compaction threshold', async () => {
    const mailbox = new Mailbox();
    const gate = deferred();
    const seen: number[] = [];
    const blocker = mailbox.post(() => gate.promise);
    const posts = Array.from({ length: 3000 }, (_, i) => mailbox.post(() => void seen.push(i)));
    assert.equal(mailbox.pending, 3001);
    gate.resolve();
    await blocker;
    await Promise.all(posts);
    assert.equal(seen.length, 3000);
    assert.ok(seen.every((value, i) => value === i));
    assert.equal(mailbox.pending, 0);
    assert.equal(mailbox.idle, true);
  });

  it('counts pending letters, the running one included, and is idle only when empty', async () => {
    const mailbox = new Mailbox();
    assert.equal(mailbox.pending, 0);
    assert.equal(mailbox.idle, true);
    const gate = deferred();
    const first = mailbox.post(() => gate.promise);
    assert.equal(mailbox.pending, 1);
    assert.equal(mailbox.idle, false);
    const second = mailbox.post(() => 2);
    const third = mailbox.post(() => 3);
    assert.equal(mailbox.pending, 3);
    gate.resolve();
    await first;
    await Promise.all([second, third]);
    await settle();
    assert.equal(mailbox.pending, 0);
    assert.equal(mailbox.idle, true);
  });

  it('lastActiveAt starts at creation and moves on when the queue empties', async () => {
    const made = Date.now();
    const mailbox = new Mailbox();
    const start = mailbox.lastActiveAt;
    assert.ok(start >= made && start <= Date.now());
    const gate = deferred();
    const letter = mailbox.post(() => gate.promise);
    // While running it is not idle; lastActiveAt still says the last finish.
    assert.equal(mailbox.lastActiveAt, start);
    await clockPast(start);
    gate.resolve();
    await letter;
    await settle();
    assert.ok(mailbox.lastActiveAt > start, `${mailbox.lastActiveAt} > ${start}`);
    assert.ok(mailbox.lastActiveAt <= Date.now());
  });

  it('a failing letter also counts as activity', async () => {
    const mailbox = new Mailbox();
    const start = mailbox.lastActiveAt;
    await clockPast(start);
    await assert.rejects(
      mailbox.post(() => {
        throw new Error('x');
      }),
    );
    await settle();
    assert.ok(mailbox.lastActiveAt > start);
    assert.equal(mailbox.idle, true);
  });
});
