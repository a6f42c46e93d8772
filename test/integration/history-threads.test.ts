/**
 * The worker threads' Redis connections (workers/pool.ts): each history
 * thread opens its own as it starts, so the first page after a start does
 * not wait for a connection; the bcrypt threads never open one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { sleep } from '../helpers/client.js';
import { TEST, useHarness } from '../helpers/harness.js';

const HISTORY_THREADS = 2;
const SETTLE_MS = 1000;
const h = useHarness({ WORKER_THREADS: '2', HISTORY_WORKER_THREADS: String(HISTORY_THREADS) });

/** The names of the clients connected to the test's Redis, one per connection. */
async function clientNames(): Promise<string[]> {
  const redis = new Redis(h.redis.url);
  try {
    const list = (await redis.client('LIST')) as string;
    return list
      .trim()
      .split('\n')
      .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '');
  } finally {
    redis.disconnect();
  }
}

const historyConnections = async () => (await clientNames()).filter((name) => name === 'wschat:history').length;

describe('history threads', () => {
  it('hold one Redis connection each before any page is asked for; bcrypt threads hold none', TEST, async () => {
    const deadline = Date.now() + 10_000;
    while ((await historyConnections()) < HISTORY_THREADS && Date.now() < deadline) await sleep(50);
    // All threads start together: a connection from any other thread would show within this second.
    await sleep(SETTLE_MS);
    const names = await clientNames();
    assert.equal(names.filter((name) => name === 'wschat:history').length, HISTORY_THREADS, names.join(', '));
    // Besides them only the node's own two (commands, subscriber) and this probe's (unnamed): none from a bcrypt thread.
    const others = names.filter((name) => name !== 'wschat:history' && name !== '').sort();
    const node = others.find((name) => !name.endsWith(':sub')) ?? '';
    assert.match(node, /^wschat:[^:]+$/, `connections: ${names.join(', ')}`);
    assert.deepEqual(others, [node, `${node}:sub`], `connections: ${names.join(', ')}`);
  });

  it('answer the first page over the connection they opened', TEST, async () => {
    const client = await h.user('history-threads');
    const reply = await client.authed({ type: 'channelMessages', channelMessages: { recipientUUID: 0, limit: 5 } });
    assert.equal(reply.type, 'channelRead', JSON.stringify(reply));
    assert.deepEqual(reply.channelMessages, { messagesTotal: 0, messagesReceived: 0, messages: [] });
    assert.equal(await historyConnections(), HISTORY_THREADS);
  });
});
