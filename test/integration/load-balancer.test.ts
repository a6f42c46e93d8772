/**
 * The deployment's load balancer, for real: Debian's HAProxy with
 * docker/haproxy.cfg in front of two nodes on one Redis. Clients connect
 * through it and land on both nodes, chat across them, and when one node
 * is stopped its /readyz fails, HAProxy stops sending it new connections,
 * and its clients (the SDK) reconnect through the proxy to the other node,
 * missing nothing; and a node that runs but is not ready (its Redis gone)
 * gets no new connections.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ChatClient, type Message } from 'wschat/client';
import { until } from '../helpers/async.js';
import { startHaproxy, type TestProxy } from '../helpers/haproxy.js';
import { stopNode, useNodes } from '../helpers/nodes.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startServer, type TestServer } from '../helpers/server.js';

const CLIENTS = 6;

/** The node's open connections, from its own /metrics. */
async function connectionsOn(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^wschat_connections (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

describe('two nodes behind HAProxy with the deployment’s config', { timeout: 90_000 }, () => {
  const c = useNodes(2);
  let proxy: TestProxy;
  const clients: ChatClient[] = [];
  const received: Message[][] = [];
  before(async () => {
    proxy = await startHaproxy(c.nodes.map((node) => node.port));
  });
  after(async () => {
    for (const client of clients) client.close();
    await proxy?.stop();
  });

  it('spreads connections over both nodes, and a message reaches everyone across them', async () => {
    for (let i = 0; i < CLIENTS; i++) {
      const client = new ChatClient({ urls: [proxy.url], WebSocket: WebSocket as never });
      clients.push(client);
      await client.signUp(`lb${process.pid}x${i}`, 'password1');
      const got: Message[] = [];
      received.push(got);
      (await client.join(0)).on('message', (m) => got.push(m));
    }
    const [first, second] = await Promise.all(c.nodes.map((node) => connectionsOn(node.port)));
    assert.deepEqual([first, second], [CLIENTS / 2, CLIENTS / 2], 'leastconn: three on each node');
    await clients[0]!.channel(0)!.send('through the proxy');
    await until(() => received.slice(1).every((got) => got.length === 1), 'everyone got it');
  });

  it('stops sending new connections to a node that is stopped, and its clients carry on on the other', async () => {
    await stopNode(c.nodes[1]!);
    const survivor = c.nodes[0]!.port;
    await until(() => clients.every((client) => client.state === 'connected'), 'all reconnected', 30_000);
    assert.equal(await connectionsOn(survivor), CLIENTS, 'every client now on the node left');
    const late = new ChatClient({ urls: [proxy.url], WebSocket: WebSocket as never });
    clients.push(late);
    await late.signUp(`lb${process.pid}late`, 'password1');
    assert.equal(await connectionsOn(survivor), CLIENTS + 1, 'a new connection goes to the node left');
    await clients[CLIENTS - 1]!.channel(0)!.send('after the failover');
    await until(() => received.every((got) => got.at(-1)?.message === 'after the failover'), 'everyone got it', 10_000);
    for (const got of received) {
      assert.deepEqual(
        got.map((m) => m.message),
        ['through the proxy', 'after the failover'],
        'each message once, in order',
      );
    }
  });
});

describe('HAProxy withholds new connections from a node that is up but not ready', { timeout: 90_000 }, () => {
  // Node 1 on the shared Redis, node 2 on a Redis of its own, which is then stopped: node 2 keeps running
  // (its /metrics answers) but its /readyz fails.
  const c = useNodes(1);
  let ownRedis: TestRedis;
  let second: TestServer;
  let proxy: TestProxy;
  const sockets: WebSocket[] = [];
  before(async () => {
    ownRedis = await startTestRedis();
    second = await startServer(ownRedis.url);
    proxy = await startHaproxy([c.nodes[0]!.port, second.port]);
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    await proxy?.stop();
    if (second !== undefined) await stopNode(second);
    await ownRedis?.cleanup();
  });

  it('sends every new connection to the ready node while the other’s /readyz fails', async () => {
    await ownRedis.stop();
    await until(
      async () => (await fetch(`http://127.0.0.1:${second.port}/readyz`)).status === 503,
      'node 2 not ready',
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 3000)); // two failed checks, a second apart
    const before = await Promise.all([connectionsOn(c.nodes[0]!.port), connectionsOn(second.port)]);
    for (let i = 0; i < 4; i++) {
      const ws = new WebSocket(proxy.url);
      sockets.push(ws);
      await new Promise((resolve, reject) => {
        ws.once('message', resolve);
        ws.once('error', reject);
      });
    }
    const after = await Promise.all([connectionsOn(c.nodes[0]!.port), connectionsOn(second.port)]);
    assert.deepEqual([after[0]! - before[0]!, after[1]! - before[1]!], [4, 0]);
  });
});
