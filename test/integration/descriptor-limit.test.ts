/**
 * A node at its open-files limit stays up and keeps serving: a server run
 * under `ulimit -n 256`, logging stats every 50 ms (whose memory reading
 * needs a descriptor), is flooded with 400 sockets. The upgrades past its
 * MAX_CONNECTIONS default (the limit less 1,024, at least 100) are refused,
 * raw sockets beyond the limit find no descriptor, and through all of it
 * the process lives and a client connected before keeps chatting.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { ChatClient, sleep } from '../helpers/client.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startNodeServer, type TestServer } from '../helpers/server.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const OPEN_FILES = 256;
const FLOOD = 400;

describe('a node at its open-files limit', { timeout: 60_000 }, () => {
  let redis: TestRedis;
  let server: TestServer;
  const sockets: Socket[] = [];
  const webSockets: WebSocket[] = [];

  before(async () => {
    redis = await startTestRedis();
    server = await startNodeServer(
      MAIN,
      { HOST: '127.0.0.1', PORT: '0', REDIS_URL: redis.url, WORKER_THREADS: '1', STATS_INTERVAL_MS: '50' },
      [],
      OPEN_FILES,
    );
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    for (const ws of webSockets) ws.terminate();
    await server?.kill('SIGKILL');
    await redis?.cleanup();
  });

  it('refuses what it cannot take, stays up, and the client already there keeps chatting', async () => {
    const alice = await ChatClient.signedUp(server.url, 'alice');
    assert.equal((await alice.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } })).type, 'channelJoin');

    const statuses = new Map<string, number>();
    const upgrades = Array.from(
      { length: 150 },
      () =>
        new Promise<void>((resolve) => {
          const ws = new WebSocket(server.url);
          webSockets.push(ws);
          const done = (status: string) => {
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            resolve();
          };
          ws.once('open', () => done('open'));
          ws.once('unexpected-response', (_request, response) => done(String(response.statusCode)));
          ws.once('error', () => done('error'));
        }),
    );
    await Promise.all(upgrades);
    for (let i = 0; i < FLOOD; i++) {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      sockets.push(socket);
    }
    await sleep(1000); // twenty stats lines' worth at the limit

    assert.equal(
      server.output.some((line) => line.includes('"level":60')),
      false,
      'nothing fatal logged',
    );
    const exited = await Promise.race([server.exited, sleep(10).then(() => 'running')]);
    assert.equal(exited, 'running', 'the process is still up');
    assert.equal((statuses.get('open') ?? 0) <= 100, true, `at most MAX_CONNECTIONS opened: ${[...statuses]}`);
    assert.ok((statuses.get('503') ?? 0) >= 50, `the rest refused with 503: ${[...statuses]}`);

    const reply = await alice.authed({
      type: 'channelMessage',
      channelMessage: { recipientUUID: 0, message: 'still here' },
    });
    assert.equal(reply.type, 'channelMessage', JSON.stringify(reply));
    alice.close();
  });
});
