/**
 * The channel feed in Redis (docs/architecture.md): checkpoints snapshot
 * the public channel's members and trim the feed behind every reader,
 * while history keeps every message; a node that starts reading later loads
 * the snapshot and replays only what follows it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { joined, send } from '../helpers/chat.js';
import { ChatClient, sleep } from '../helpers/client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startServer, type TestServer } from '../helpers/server.js';

const CHECKPOINT_EVERY = 10;
const SETTINGS = { FEED_CHECKPOINT_EVERY: String(CHECKPOINT_EVERY), FEED_CHECKPOINT_MS: '200' };

describe('channel feed snapshots and trimming', () => {
  let redis: TestRedis;
  let inspect: Redis;
  const servers: TestServer[] = [];
  const clients: ChatClient[] = [];
  before(async () => {
    redis = await startTestRedis();
    inspect = new Redis(redis.url);
  });
  after(async () => {
    for (const client of clients) client.close();
    for (const server of servers) await server.stop();
    inspect.disconnect();
    await redis.cleanup();
  });
  const node = async (): Promise<TestServer> => {
    const server = await startServer(redis.url, SETTINGS);
    servers.push(server);
    return server;
  };
  const user = async (server: TestServer, name: string): Promise<ChatClient> => {
    const client = await ChatClient.signedUp(server.url, name);
    clients.push(client);
    return client;
  };

  it('keeps the feed short and history whole, with the members in the snapshot', async () => {
    const first = await node();
    const alice = await user(first, 'alice');
    await joined(alice, 0);
    for (let i = 0; i < 60; i++) await send(alice, 0, `m${i}`);

    // Checkpoints run every 200 ms: wait for one after the last message (bounded). The feed may be
    // short already after an earlier checkpoint, so the snapshot's position is what is waited for.
    const snapshotAt = (snapshot: string) => Number(snapshot.slice(0, snapshot.indexOf('|')));
    let snapshot = '';
    for (let i = 0; i < 50 && !(snapshotAt(snapshot) >= 60); i++) {
      await sleep(100);
      snapshot = (await inspect.get('chat:{c:pub}:snapshot')) ?? '';
    }
    const feedLength = await inspect.xlen('chat:{c:pub}:mailbox');
    assert.ok(feedLength <= CHECKPOINT_EVERY, `feed trimmed to ${feedLength} entries`);
    assert.equal(await inspect.get('chat:{c:pub}:count'), '60', 'history is never trimmed');
    assert.equal(await inspect.llen('chat:{c:pub}:msgs:0'), 60);

    const bar = snapshot.indexOf('|');
    assert.ok(Number(snapshot.slice(0, bar)) >= 60, `snapshot after the last message: ${snapshot}`);
    assert.deepEqual(Object.keys(JSON.parse(snapshot.slice(bar + 1))), [alice.auth.userUUID]);
  });

  it('gives a node that starts reading later the members from the snapshot plus what came after it', async () => {
    const [first] = servers as [TestServer];
    const bob = await user(first, 'bob');
    await joined(bob, 0);
    // Bob's join may be after the snapshot: the new node must replay it from the feed.
    const second = await node();
    const carol = await user(second, 'carol');
    const reply = await joined(carol, 0);
    const names = reply.channelJoin.users.map((u: { username: string }) => u.username).sort();
    assert.deepEqual(names, ['alice', 'bob', 'carol']);
  });
});
