/**
 * The end-to-end promise of protocol 1.1, under faults: clients send
 * numbered messages, each with a clientMessageId, through two nodes; one
 * node is killed with -9 mid-stream (then: Redis is stopped for 3 s and
 * started again on its AOF). Clients reconnect to a live node with their
 * access keys, send again whatever was not acknowledged with the same ids,
 * and rejoin with `since` = the last seq they saw. At the end every message
 * is in history exactly once, and every client saw every message exactly
 * once, in history order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../helpers/client.js';
import { assertSameSequence, history, type Nodes, REDIS_BACKENDS, useNodes, uuidsOf } from '../helpers/nodes.js';
import { ReliableClient } from '../helpers/reliable-client.js';

const NODES = 2;
const CLIENTS_PER_NODE = 2;
const PER_CLIENT = 40;
const INTERVAL_MS = 50;

/** Starts the clients (all joined before anyone sends), runs `fault` while they send, and waits for them. */
async function sendThrough(c: Nodes, clients: ReliableClient[], fault: () => Promise<void>): Promise<void> {
  const urls = c.nodes.map((node) => node.url);
  for (let node = 0; node < NODES; node++) {
    for (let i = 0; i < CLIENTS_PER_NODE; i++) {
      const { client } = await c.user(node, `reliable${node}-`);
      clients.push(await ReliableClient.start(urls, node, client, 0));
    }
  }
  const sending = clients.map(async (client, k) => {
    for (let i = 0; i < PER_CLIENT; i++) {
      await client.send(`c${k} #${i}`);
      await sleep(INTERVAL_MS);
    }
  });
  await sleep(1000);
  await fault();
  await Promise.all(sending);
}

function assertExactlyOnce(clients: ReliableClient[], stored: Record<string, any>[]): void {
  const texts = stored.map((m) => m.message).sort();
  const expected = clients.flatMap((_, k) => Array.from({ length: PER_CLIENT }, (_, i) => `c${k} #${i}`)).sort();
  assert.deepEqual(texts, expected, 'every message sent is in history exactly once');
  assert.deepEqual(
    stored.map((m) => m.seq),
    stored.map((_, i) => i + 1),
    'seq 1..N without gaps',
  );
  for (const [k, client] of clients.entries()) {
    assert.deepEqual(
      client.acked.map((m) => m.message),
      Array.from({ length: PER_CLIENT }, (_, i) => `c${k} #${i}`),
      `client ${k}: every send acknowledged, in order`,
    );
  }
}

for (const backend of REDIS_BACKENDS) {
  describe(`clients carry on through a kill -9 of their node, losing and repeating nothing (${backend})`, () => {
    const c = useNodes(NODES, { RATE_LIMIT_PER_SEC: '1000' }, backend);
    const clients: ReliableClient[] = [];
    after(() => {
      for (const client of clients) client.close();
    });

    before(async () => {
      await sendThrough(c, clients, () => c.killNode(1));
    });

    it('stores every message exactly once, seq 1..N', async (t) => {
      const stored = await history(await c.connectAs(0, clients[0]!.auth));
      assertExactlyOnce(clients, stored);
      t.diagnostic(`reconnects: ${clients.map((client) => client.reconnects).join(' ')}; ${stored.length} messages`);
      assert.ok(
        clients.filter((client) => client.reconnects > 0).length >= CLIENTS_PER_NODE,
        'the killed node’s clients reconnected',
      );
    });

    it('delivered every message to every client exactly once, in history order, across the reconnect', async () => {
      const stored = await history(await c.connectAs(0, clients[0]!.auth));
      for (const [k, client] of clients.entries()) {
        await client.waitForDelivered(stored.length);
        assertSameSequence(uuidsOf(client.delivered), uuidsOf(stored), `client ${k} (now on node ${client.node})`);
      }
    });
  });
}

describe('clients carry on through Redis stopped for 3 s and started again on its AOF', () => {
  const c = useNodes(NODES, { RATE_LIMIT_PER_SEC: '1000' });
  const clients: ReliableClient[] = [];
  after(() => {
    for (const client of clients) client.close();
  });

  before(async () => {
    await sendThrough(c, clients, async () => {
      await c.redis.stop();
      await sleep(3000);
      c.redis = await c.redis.restart();
    });
  });

  it('stores every message exactly once, seq 1..N', async () => {
    assertExactlyOnce(clients, await history(await c.connectAs(0, clients[0]!.auth)));
  });

  it('delivered every message to every client exactly once, in history order', async () => {
    const stored = await history(await c.connectAs(0, clients[0]!.auth));
    for (const [k, client] of clients.entries()) {
      await client.waitForDelivered(stored.length);
      const got = new Set(uuidsOf(client.delivered));
      const missing = stored.filter((m) => !got.has(m.UUID)).map((m) => `${m.seq}:${m.message}`);
      assertSameSequence(uuidsOf(client.delivered), uuidsOf(stored), `client ${k}, missing ${missing.join(' ')}`);
    }
  });
});
