/**
 * The write scripts are safe to run twice — what lets a node settle a lost
 * reply by running the write again (store/script.ts) — against a real
 * redis-server: the same send twice is stored once, the same user twice is
 * created once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { messageHead, messagePieces } from '../../src/protocol/responses.js';
import { RedisChannelHistory } from '../../src/store/channel-history.js';
import { Keys } from '../../src/store/keys.js';
import { RedisUserDirectory } from '../../src/store/user-directory.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const keys = new Keys('chat:');

describe('write scripts run twice (a lost reply settled by running it again)', () => {
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

  it('message-send.lua with one message UUID stores it once, and answers the second run with the first as stored', async () => {
    const history = new RedisChannelHistory(redis, keys, 'pub', 60_000);
    const message = { UUID: randomUUID(), senderUUID: randomUUID(), recipientUUID: '0', message: 'once', createdAt: 1 };
    const pieces = messagePieces(messageHead(message, 'createdAt'));
    const first = await history.append(message, pieces, 'session', '', undefined, undefined);
    const second = await history.append(message, pieces, 'session', '', undefined, undefined);
    assert.deepEqual(first, { seq: 1, entryId: 1, recipientSeen: 0 });
    assert.deepEqual(second, { seq: 1, entryId: 1, original: { UUID: message.UUID, createdAt: 1, message: 'once' } });
    assert.equal(await redis.get(keys.channelMessageCount('pub')), '1', 'history one longer, not two');
    assert.equal(await redis.llen(`${keys.channelHistoryLists('pub')}0`), 1);
    assert.equal(await redis.xlen(keys.channelFeed('pub')), 1, 'one push in the feed');
    const other = await history.append({ ...message, UUID: randomUUID() }, pieces, 'session', '', undefined, undefined);
    assert.equal(other.seq, first.seq + 1, 'another message is stored as usual');
  });

  it('message-send.lua joins the stored object around the seq it gives the message, and the push around it', async () => {
    const history = new RedisChannelHistory(redis, keys, 'halves', 60_000);
    const message = { UUID: randomUUID(), senderUUID: randomUUID(), recipientUUID: '0', message: 'x', createdAt: 1 };
    const pieces = { head: '{"seq":', tail: ',"end":true}', pushBefore: '<', pushAfter: '>' };
    await history.append(message, pieces, 'session', '', undefined, undefined);
    const [[, fields]] = (await redis.xrange(keys.channelFeed('halves'), '-', '+')) as [string, string[]][];
    assert.equal(fields[fields.indexOf('f') + 1], '<{"seq":1,"end":true}>');
    assert.deepEqual(await redis.lrange(`${keys.channelHistoryLists('halves')}0`, 0, -1), ['{"seq":1,"end":true}']);
  });

  it('user-create.lua with one user UUID creates the user once and answers the second run as created', async () => {
    const directory = new RedisUserDirectory(redis, keys);
    const userUUID = randomUUID();
    assert.deepEqual(await directory.create('twice', userUUID, 'Twice', 'hash'), { created: true, userUUID });
    assert.deepEqual(await directory.create('twice', userUUID, 'Twice', 'hash'), { created: true, userUUID });
    assert.equal((await directory.page(0, 10)).total, 1);
    const someoneElse = randomUUID();
    assert.deepEqual(await directory.create('twice', someoneElse, 'Twice', 'hash'), { created: false, userUUID });
  });
});
