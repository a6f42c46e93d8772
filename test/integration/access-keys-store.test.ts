/**
 * The access-key store against a real redis-server, below the protocol:
 * what the user actor remembers of a key holds nothing else read with it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { digestSecret, newAccessKey } from '../../src/actors/access-key.js';
import { RedisAccessKeys } from '../../src/store/access-keys.js';
import { Keys } from '../../src/store/keys.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const keys = new Keys('chat:');
const USER = '00000000-0000-4000-8000-000000000000';

describe('the access-key store (RedisAccessKeys)', () => {
  let server: TestRedis;
  let redis: Redis;
  before(async () => {
    server = await startTestRedis();
    redis = new Redis(server.url);
  });
  after(async () => {
    redis?.disconnect();
    await server?.cleanup();
  });

  it('touch gives the stored digest in memory of its own, not in the chunk its reply came in', async () => {
    const accessKeys = new RedisAccessKeys(redis, keys, 60_000);
    const key = newAccessKey();
    const digest = digestSecret(key.secret);
    await accessKeys.save(USER, key.keyId, digest);
    const filler = 'f'.repeat(4096);
    await redis.set('filler', filler);
    // Sent in one write, answered in one read: both replies arrive in the same chunk.
    const [touched, read] = await Promise.all([accessKeys.touch(USER, key.keyId), redis.getBuffer('filler')]);
    assert.deepEqual(touched, digest);
    assert.equal(read!.toString(), filler);
    assert.equal(touched!.buffer.byteLength, 32, 'its memory holds the digest and nothing else');
    assert.equal(await accessKeys.touch(USER, 'unknown-key-id00'), null);
  });
});
