/**
 * The deployment's load balancer, for real: Debian's HAProxy with
 * docker/haproxy.cfg in front of two nodes on one Redis. Clients connect
 * through it and land on both nodes, chat across them, and when one node
 * is stopped its /readyz fails, HAProxy stops sending it new connections,
 * and its clients (the SDK) reconnect through the proxy to the other node,
 * missing nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ChatClient, type Message } from 'wschat/client';
import { until } from '../helpers/async.js';
import { startHaproxy, type TestProxy } from '../helpers/haproxy.js';
import { stopNode, useNodes } from '../helpers/nodes.js';

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
