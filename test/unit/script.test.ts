/**
 * Script.run's answer when a reply is lost: a write that Redis may have run
 * is run again (every write script is safe to run twice) until Redis
 * answers, and that answer is what the caller gets — never a guess. Against
 * a fake Redis that runs the script and then drops the reply.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RedisClient } from '../../src/store/redis-client.js';
import { Script } from '../../src/store/script.js';

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
});
