/**
 * Transport rules of docs/protocol.md: only `/ws` upgrades, frame size and UTF-8
 * limits close with 1009 / 1007, binary frames get error 1, the heartbeat
 * drops a connection that misses a pong, and one connection's bad frame never
 * touches another connection.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, it } from 'node:test';
import { type ClientOptions, WebSocket } from 'ws';
import { ChatClient, type Frame, sleep } from '../helpers/client.js';
import { useHarness } from '../helpers/harness.js';

const MAX_FRAME_BYTES = 64 * 1024;
const HEARTBEAT_MS = 300;

/** Status code of a plain HTTP GET on `path`. */
function httpGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? -1));
    });
    req.once('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });
}

/** Tries a WebSocket upgrade on `url`; resolves with the HTTP status of a refused upgrade, or 'open'. */
function upgradeStatus(url: string): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer to the upgrade on ${url}`));
    }, 5000);
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve(res.statusCode ?? -1);
      res.resume();
      ws.terminate();
    });
    ws.once('open', () => {
      clearTimeout(timer);
      resolve('open');
      ws.close();
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** A raw WebSocket with its own options that has received the ready frame. */
interface RawClient {
  ws: WebSocket;
  ready: Frame;
  closed: Promise<number>;
  /** Pings received since the socket opened (counted from the start: one can come with the ready frame). */
  pings: () => number;
}

function rawConnect(url: string, options: ClientOptions = {}): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const closed = new Promise<number>((done) => ws.once('close', (code) => done(code)));
    let pings = 0;
    ws.on('ping', () => pings++);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no ready frame within 5 s'));
    }, 5000);
    ws.on('error', () => {});
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve({ ws, ready: JSON.parse(data.toString()) as Frame, closed, pings: () => pings });
    });
    void closed.then((code) => {
      clearTimeout(timer);
      reject(new Error(`closed (${code}) before the ready frame`));
    });
  });
}

/** Resolves with the close code, or 'timeout' after `ms`. */
function closedWithin(closed: Promise<number>, ms: number): Promise<number | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([closed, timeout]).finally(() => clearTimeout(timer));
}

/** A text frame of exactly `bytes` bytes holding a JSON object with this session's SUUID. */
function paddedRequest(sessionUUID: string, bytes: number): string {
  const head = JSON.stringify({ type: 'users', SUUID: sessionUUID, id: 'big', pad: '' });
  const frame = `${head.slice(0, -2)}${'a'.repeat(bytes - head.length)}"}`;
  assert.equal(Buffer.byteLength(frame), bytes);
  return frame;
}

/** Proves the client's connection is open and served: a request gets its answer. */
async function assertServed(client: ChatClient): Promise<void> {
  assert.equal(client.ws.readyState, WebSocket.OPEN);
  const reply = await client.request({ type: 'nope' });
  assert.equal(reply.error?.code, 3, JSON.stringify(reply));
}

describe('transport', () => {
  // The web page off: every plain HTTP path is 404 (test/integration/web-ui.test.ts has it on).
  const h = useHarness({ HEARTBEAT_MS: String(HEARTBEAT_MS), WEB_UI: 'false' });

  describe('paths', () => {
    it('answers plain HTTP requests on /, /ws/ and other paths with 404 when WEB_UI=false', async () => {
      for (const path of ['/', '/ws/', '/other', '/wsx', '/ws/x', '/WS']) {
        assert.equal(await httpGet(h.server.port, path), 404, path);
      }
    });

    it('refuses a WebSocket upgrade on any path but /ws with 404', async () => {
      for (const path of ['/ws/', '/x', '/', '/ws/x', '/wss', '/ws/?a=1']) {
        assert.equal(await upgradeStatus(`ws://127.0.0.1:${h.server.port}${path}`), 404, path);
      }
    });

    it('upgrades /ws with a query string and sends the ready frame first', async () => {
      const raw = await rawConnect(`ws://127.0.0.1:${h.server.port}/ws?token=1`);
      try {
        assert.equal(raw.ready.type, 'ready');
        assert.match(
          raw.ready.ready.sessionUUID,
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
      } finally {
        raw.ws.close();
      }
    });

    it('serves a client connected through /ws?token=1', async () => {
      const client = await ChatClient.connect(`ws://127.0.0.1:${h.server.port}/ws?token=1`);
      try {
        await assertServed(client);
      } finally {
        client.close();
      }
    });
  });

  describe('frames', () => {
    it('closes with 1009 on a frame one byte over 64 KiB', async () => {
      const client = await h.connect();
      client.ws.send(paddedRequest(client.sessionUUID, MAX_FRAME_BYTES + 1));
      assert.equal(await closedWithin(client.closed, 5000), 1009);
    });

    it('does not close a frame of exactly 64 KiB for its size: it is answered', async () => {
      const client = await h.connect();
      client.ws.send(paddedRequest(client.sessionUUID, MAX_FRAME_BYTES));
      const reply = await client.nextReply();
      assert.equal(reply.type, 'error', JSON.stringify(reply).slice(0, 200));
      assert.equal(reply.id, 'big');
      assert.equal(reply.error.code, 5, 'users without credentials: unauthorized');
      await assertServed(client);
    });

    it('closes with 1007 on a text frame that is not valid UTF-8', async () => {
      const client = await h.connect();
      client.ws.send(Buffer.from([0xc3, 0x28]), { binary: false });
      assert.equal(await closedWithin(client.closed, 5000), 1007);
    });

    it('answers a binary frame with error 1 and keeps the connection open', async () => {
      const client = await h.connect();
      client.ws.send(Buffer.from(JSON.stringify({ type: 'users', SUUID: client.sessionUUID })), { binary: true });
      const reply = await client.nextReply();
      assert.equal(reply.type, 'error');
      assert.equal(reply.error.code, 1);
      assert.equal(reply.id, undefined, 'a binary frame is not read, so nothing is echoed');
      await assertServed(client);
    });

    it("never lets one connection's bad frames affect another connection", async () => {
      const bystander = await h.user('bystander');
      const joined = await bystander.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
      assert.equal(joined.type, 'channelJoin');

      const oversized = await h.connect();
      const badUtf8 = await h.connect();
      const binary = await h.connect();
      const garbage = await h.connect();
      // The bystander's request is in flight while the others misbehave.
      const pending = bystander.authed({
        type: 'channelMessage',
        channelMessage: { recipientUUID: 0, message: 'still here' },
      });
      oversized.ws.send(paddedRequest(oversized.sessionUUID, MAX_FRAME_BYTES + 1));
      badUtf8.ws.send(Buffer.from([0xc3, 0x28]), { binary: false });
      binary.ws.send(Buffer.from([0, 1, 2, 3]), { binary: true });
      garbage.ws.send('{not json');
      garbage.ws.send('[]');

      assert.equal((await pending).type, 'channelMessage');
      assert.equal(await closedWithin(oversized.closed, 5000), 1009);
      assert.equal(await closedWithin(badUtf8.closed, 5000), 1007);
      assert.equal((await binary.nextReply()).error?.code, 1);
      assert.equal((await garbage.nextReply()).error?.code, 1);
      assert.equal((await garbage.nextReply()).error?.code, 1);

      const after = await bystander.authed({
        type: 'channelMessage',
        channelMessage: { recipientUUID: 0, message: 'after' },
      });
      assert.equal(after.type, 'channelMessage', JSON.stringify(after));
      await assertServed(bystander);
      await assertServed(binary);
      await assertServed(garbage);
    });
  });

  describe('heartbeat', () => {
    it('terminates a client that does not answer pings, and keeps one that does', async () => {
      const url = h.server.url;
      const silent = await rawConnect(url, { autoPong: false });
      const healthy = await h.connect();

      // Pinged at the first beat, terminated at the next one: a few beats is plenty.
      const code = await closedWithin(silent.closed, 20 * HEARTBEAT_MS + 5000);
      assert.equal(code, 1006, 'terminated without a close frame');
      assert.ok(silent.pings() >= 1, 'the server pinged before it gave up');

      // The healthy client has lived through the same beats, and a few more.
      await sleep(4 * HEARTBEAT_MS);
      await assertServed(healthy);
      assert.equal(await closedWithin(healthy.closed, 1), 'timeout');
    });
  });
});
