/**
 * Script.run's answer when a reply is lost: a write that Redis may have run
 * is run again (every write script is safe to run twice) until Redis
 * answers, and that answer is what the caller gets — never a guess. Against
 * a fake Redis that runs the script and then drops the reply.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RedisClient } from '../../src/store/redis-client.js';
import { Script, type WriteOrder } from '../../src/store/script.js';
import { deferred, isSettled } from '../helpers/async.js';

// Real scripts, so the declared shapes are real: presence-add is a write (rerunnable), users-page a read.
const write = new Script<number>('presence-add', { keys: 2, args: 1 });
const read = new Script<number>('users-page', { keys: 3, args: 2, rerunnable: false });

type Step = 'answer' | 'lose' | 'refuse' | 'reply-error' | 'noscript';

/**
 * A Redis whose EVALSHA follows `steps`, one per call: 'answer' runs and
 * answers; 'lose' runs, then times out (the reply is lost); 'refuse' does not
 * run (no connection, offline queue off); 'reply-error' answers with an
 * error; 'noscript' does not know the script. EVAL runs and answers.
 */
class FakeRedis {
  readonly #steps: Step[];
  /** How many times the script ran. */
  runs = 0;
  calls: string[] = [];

  constructor(...steps: Step[]) {
    this.#steps = steps;
  }

  async evalsha(): Promise<number> {
    const step = this.#steps.shift() ?? 'answer';
    this.calls.push(`evalsha:${step}`);
    switch (step) {
      case 'answer':
        return ++this.runs;
      case 'lose':
        this.runs++;
        throw new Error('Command timed out');
      case 'refuse':
        throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
      case 'reply-error':
        throw Object.assign(new Error('ERR something'), { name: 'ReplyError' });
      case 'noscript':
        throw new Error('NOSCRIPT No matching script.');
    }
  }

  async eval(): Promise<number> {
    this.calls.push('eval');
    return ++this.runs;
  }
}

const run = (script: Script<number>, redis: FakeRedis, keys: string[], args: string[]) =>
  script.run(redis as unknown as RedisClient, keys, args);

describe('Script.run', () => {
  it('runs a write again after its reply was lost, and answers with the second run’s reply', async () => {
    const redis = new FakeRedis('lose', 'answer');
    assert.equal(await run(write, redis, ['a', 'b'], ['u']), 2);
    assert.equal(redis.runs, 2, 'ran twice: once unseen, once answered (the script is safe to run twice)');
  });

  it('keeps trying while Redis is away after a lost reply, then answers', async () => {
    const redis = new FakeRedis('lose', 'refuse', 'lose', 'refuse', 'answer');
    assert.equal(await run(write, redis, ['a', 'b'], ['u']), 3);
    assert.deepEqual(redis.calls, [
      'evalsha:lose',
      'evalsha:refuse',
      'evalsha:lose',
      'evalsha:refuse',
      'evalsha:answer',
    ]);
  });

  it('gives a refusal before sending straight to the caller: nothing ran', async () => {
    const redis = new FakeRedis('refuse');
    await assert.rejects(run(write, redis, ['a', 'b'], ['u']), /enableOfflineQueue/);
    assert.equal(redis.runs, 0);
    assert.equal(redis.calls.length, 1);
  });

  it('gives an error reply straight to the caller: Redis answered', async () => {
    const redis = new FakeRedis('reply-error');
    await assert.rejects(run(write, redis, ['a', 'b'], ['u']), /ERR something/);
    assert.equal(redis.calls.length, 1);
  });

  it('does not run a read again: its lost reply goes to the caller', async () => {
    const redis = new FakeRedis('lose');
    await assert.rejects(run(read, redis, ['a', 'b', 'c'], ['0', '1']), /timed out/);
    assert.equal(redis.calls.length, 1);
  });

  it('loads a script Redis does not know (first use, or after a restart) with EVAL once', async () => {
    const redis = new FakeRedis('noscript');
    assert.equal(await run(write, redis, ['a', 'b'], ['u']), 1);
    assert.deepEqual(redis.calls, ['evalsha:noscript', 'eval']);
  });

  describe('with a WriteOrder (overlapping writes)', () => {
    /** An order whose earlier writes settle when `settleEarlier` is called; it records what it is told. */
    function order(held = false) {
      const earlier = deferred();
      const told: string[] = [];
      const writeOrder: WriteOrder = {
        held,
        earlierSettled: () => {
          told.push('wait');
          return earlier.promise;
        },
        sent: () => told.push('sent'),
        resend: () => told.push('resend'),
      };
      return { writeOrder, told, settleEarlier: () => earlier.resolve() };
    }
    const ordered = (script: Script<number>, redis: FakeRedis, o: WriteOrder) =>
      script.run(redis as unknown as RedisClient, ['a', 'b'], ['u'], undefined, o);

    it('says the write is sent as soon as EVALSHA is handed over, before the answer', async () => {
      await run(write, new FakeRedis('answer'), ['a', 'b'], ['u']); // the script is known to have run
      const o = order();
      const redis = new FakeRedis('answer');
      const result = ordered(write, redis, o.writeOrder);
      assert.deepEqual(o.told, ['sent']);
      assert.equal(await result, 1);
    });

    it('sends a write again (lost reply) only once every earlier write has settled', async () => {
      await run(write, new FakeRedis('answer'), ['a', 'b'], ['u']);
      const o = order();
      const redis = new FakeRedis('lose', 'answer');
      const result = ordered(write, redis, o.writeOrder);
      assert.equal(await isSettled(result), false);
      assert.deepEqual(o.told, ['sent', 'resend', 'wait']);
      assert.deepEqual(redis.calls, ['evalsha:lose']);
      o.settleEarlier();
      assert.equal(await result, 2);
      assert.deepEqual(redis.calls, ['evalsha:lose', 'evalsha:answer']);
    });

    it('sends EVAL after NOSCRIPT only once every earlier write has settled; no write overlaps until the script ran', async () => {
      await run(write, new FakeRedis('answer'), ['a', 'b'], ['u']);
      const first = order();
      const redis = new FakeRedis('noscript');
      const result = ordered(write, redis, first.writeOrder);
      assert.equal(await isSettled(result), false);
      assert.deepEqual(first.told, ['sent', 'resend', 'wait']);
      assert.deepEqual(redis.calls, ['evalsha:noscript']);
      // Redis lost the script: a write now (another client's EVAL could land before it) waits for the earlier ones.
      const second = order();
      const secondRedis = new FakeRedis('answer');
      const secondResult = ordered(write, secondRedis, second.writeOrder);
      assert.equal(await isSettled(secondResult), false);
      assert.deepEqual(second.told, ['wait']);
      first.settleEarlier();
      assert.equal(await result, 1);
      assert.deepEqual(redis.calls, ['evalsha:noscript', 'eval']);
      second.settleEarlier();
      assert.equal(await secondResult, 1);
      assert.deepEqual(second.told, ['wait', 'sent']);
    });

    it('holds a new write while an earlier one is being sent again', async () => {
      await run(write, new FakeRedis('answer'), ['a', 'b'], ['u']);
      const o = order(true);
      const redis = new FakeRedis('answer');
      const result = ordered(write, redis, o.writeOrder);
      assert.equal(await isSettled(result), false);
      assert.deepEqual(redis.calls, []);
      o.settleEarlier();
      assert.equal(await result, 1);
      assert.deepEqual(o.told, ['wait', 'sent']);
    });
  });
});
