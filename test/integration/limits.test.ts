/**
 * Limits a client cannot talk its way past, each refused cleanly while the
 * connections already open keep working: the node's connection limit (503)
 * and one address's (429) at the upgrade, another site's page by its
 * Origin (403), channels per connection (error 10), and handshakes that
 * never finish (slowloris), dropped after HANDSHAKE_TIMEOUT_MS.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ChatClient } from '../helpers/client.js';
import { TEST, useHarness } from '../helpers/harness.js';

/** Opens a WebSocket to `url`: 'open', or the HTTP status of the refused upgrade. */
function upgrade(
  url: string,
  options: { localAddress?: string; origin?: string } = {},
): Promise<{ status: number | 'open'; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress: options.localAddress, origin: options.origin });
    const timer = setTimeout(() => reject(new Error('no answer to the upgrade')), 5000);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve({ status: 'open', ws });
    });
    ws.once('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      resolve({ status: response.statusCode ?? -1, ws });
    });
    ws.once('error', () => {});
  });
}

async function refusedCount(port: number, reason: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(
    new RegExp(`^wschat_connections_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0,
  );
}

describe('connection limits at the upgrade', () => {
  const h = useHarness({ MAX_CONNECTIONS: '4', MAX_CONNECTIONS_PER_IP: '2' });
  const open: WebSocket[] = [];
  after(() => {
    for (const ws of open) ws.terminate();
  });

  it('refuses a third connection from one address with 429, not one from another address', TEST, async () => {
    const url = h.server.url;
    for (let i = 0; i < 2; i++) {
      const { status, ws } = await upgrade(url, { localAddress: '127.0.0.2' });
      open.push(ws);
      assert.equal(status, 'open');
    }
    assert.equal((await upgrade(url, { localAddress: '127.0.0.2' })).status, 429);
    const other = await upgrade(url, { localAddress: '127.0.0.3' });
    open.push(other.ws);
    assert.equal(other.status, 'open');
    assert.equal(await refusedCount(h.server.port, 'address'), 1);
  });

  it(
    'refuses past MAX_CONNECTIONS with 503 while the open ones keep chatting, and takes one again after a close',
    TEST,
    async () => {
      const url = h.server.url;
      const fourth = await upgrade(url, { localAddress: '127.0.0.4' });
      open.push(fourth.ws);
      assert.equal(fourth.status, 'open');
      assert.equal((await upgrade(url, { localAddress: '127.0.0.5' })).status, 503);
      assert.equal(await refusedCount(h.server.port, 'node'), 1);

      const closed = open.shift()!;
      closed.close();
      await new Promise((resolve) => closed.once('close', resolve));
      let again: { status: number | 'open'; ws: WebSocket } | undefined;
      for (let i = 0; i < 50 && again?.status !== 'open'; i++) {
        again?.ws.terminate();
        await new Promise((resolve) => setTimeout(resolve, 20));
        again = await upgrade(url, { localAddress: '127.0.0.6' });
      }
      open.push(again!.ws);
      assert.equal(again!.status, 'open', 'a place freed by a close is taken again');
    },
  );
});

describe('origins, channels per connection and slow handshakes', () => {
  const h = useHarness({
    ALLOWED_ORIGINS: 'https://chat.example.com',
    MAX_CHANNELS_PER_CONNECTION: '2',
    HANDSHAKE_TIMEOUT_MS: '500',
  });

  it('refuses a browser upgrade from another origin with 403; a listed origin or none is let in', TEST, async () => {
    const url = h.server.url;
    assert.equal((await upgrade(url, { origin: 'https://evil.example.com' })).status, 403);
    for (const origin of ['https://chat.example.com', 'HTTPS://CHAT.EXAMPLE.COM', undefined]) {
      const { status, ws } = await upgrade(url, { origin });
      ws.terminate();
      assert.equal(status, 'open', String(origin));
    }
    assert.equal(await refusedCount(h.server.port, 'origin'), 1);
  });

  it('answers 10 to a join past MAX_CHANNELS_PER_CONNECTION; joining a channel again is no new one', TEST, async () => {
    const [alice, bob, carol] = [await h.namedUser('lim'), await h.namedUser('lim'), await h.namedUser('lim')];
    const join = (recipientUUID: unknown) =>
      alice.client.authed({ type: 'channelJoin', channelJoin: { recipientUUID } });
    assert.equal((await join(0)).type, 'channelJoin');
    assert.equal((await join(bob.UUID)).type, 'channelJoin');
    const third = await join(carol.UUID);
    assert.deepEqual(third.error, {
      code: 10,
      message: 'rate limited; retry later: at most 2 channels per connection',
    });
    assert.equal((await join(0)).type, 'channelJoin', 'a channel already joined');
    const left = await alice.client.authed({ type: 'channelLeave', channelLeave: { recipientUUID: bob.UUID } });
    assert.equal(left.type, 'channelLeave', JSON.stringify(left));
    assert.equal((await join(carol.UUID)).type, 'channelJoin', 'a leave makes room');
  });

  it('drops 500 handshakes that never finish, while a normal client connects and chats', TEST, async () => {
    const sockets: Socket[] = [];
    let closedByServer = 0;
    for (let i = 0; i < 500; i++) {
      const socket = connect(h.server.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.resume(); // read what the server says (408), so its close is seen
      socket.on('close', () => closedByServer++);
      socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
      sockets.push(socket);
    }
    const client = await ChatClient.signedUp(h.server.url, `normal${process.pid}`);
    assert.equal((await client.authed({ type: 'users' })).type, 'users');
    client.close();
    const started = Date.now();
    while (closedByServer < 500 && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const socket of sockets) socket.destroy();
    assert.equal(
      closedByServer,
      500,
      `every unfinished handshake was dropped by the server (${Date.now() - started} ms)`,
    );
  });
});
