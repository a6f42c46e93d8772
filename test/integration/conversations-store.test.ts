/**
 * The conversation index against a real redis-server, below the protocol:
 * ties in the newest message's time go by the other participant's uuid,
 * ascending, and a late index update for an older message never moves a
 * conversation back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisConversations } from '../../src/store/conversations.js';
import { Keys } from '../../src/store/keys.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const keys = new Keys('chat:');
const USER = '00000000-0000-4000-8000-000000000000';
const A = '10000000-0000-4000-8000-000000000000';
const B = '20000000-0000-4000-8000-000000000000';
const C = '30000000-0000-4000-8000-000000000000';

describe('the conversation index (RedisConversations)', () => {
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

  /** The other participants of the user's private conversations, in list order. */
  async function order(conversations: RedisConversations): Promise<string[]> {
    const page = await conversations.page(USER, 1, 100);
    return page.channels.map((entry) => entry.recipientUUID);
  }

  it('orders conversations whose newest messages share a millisecond by recipientUUID, ascending', async () => {
    const conversations = new RedisConversations(redis, keys);
    await conversations.indexed(USER, C, { seq: 1, createdAt: 5_000 }, undefined);
    await conversations.indexed(USER, A, { seq: 1, createdAt: 5_000 }, undefined);
    await conversations.indexed(USER, B, { seq: 1, createdAt: 4_000 }, undefined);
    assert.deepEqual(await order(conversations), [A, C, B]);
    await conversations.indexed(USER, B, { seq: 2, createdAt: 5_000 }, undefined);
    assert.deepEqual(await order(conversations), [A, B, C]);
  });

  it('keeps a conversation where its newest message put it when an older one is indexed late', async () => {
    const conversations = new RedisConversations(redis, keys);
    await conversations.indexed(USER, C, { seq: 3, createdAt: 9_000 }, undefined);
    assert.deepEqual(await order(conversations), [C, A, B]);
    await conversations.indexed(USER, C, { seq: 2, createdAt: 1_000 }, undefined);
    assert.deepEqual(await order(conversations), [C, A, B]);
    assert.equal(await redis.zscore(keys.userConversations(USER), C), '-9000');
  });
});
