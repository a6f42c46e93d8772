/** /healthz and /readyz over a real HTTP server, with Redis played by a fake PING. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Health } from '../../src/server/health.js';

describe('Health', () => {
  let ping: () => Promise<unknown> = async () => 'PONG';
  const health = new Health({ pingRedis: () => ping(), durability: 'everysec' });
  let server: Server;
  let base = '';

  before(async () => {
    server = createServer((request, response) => {
      if (!health.serve(request, response, request.url ?? '')) response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  const get = async (path: string, method = 'GET') => {
    const response = await fetch(base + path, { method });
    return { status: response.status, body: method === 'GET' ? await response.json().catch(() => null) : null };
  };

  it('answers /healthz 200 {"status":"ok"}', async () => {
    assert.deepEqual(await get('/healthz'), { status: 200, body: { status: 'ok' } });
  });

  it('answers /readyz 200 with the durability level while Redis answers', async () => {
    assert.deepEqual(await get('/readyz'), { status: 200, body: { status: 'ready', durability: 'everysec' } });
  });

  it('answers 503 "redis unreachable" when the PING fails or takes over a second', async () => {
    const down = { status: 503, body: { status: 'unavailable', reason: 'redis unreachable', durability: 'everysec' } };
    ping = async () => {
      throw new Error('Connection is closed.');
    };
    assert.deepEqual(await get('/readyz'), down);
    ping = () => new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(await get('/readyz'), down);
    ping = async () => 'PONG';
    assert.equal((await get('/readyz')).status, 200);
  });

  it('leaves other paths and methods to the server', async () => {
    assert.equal((await get('/ready')).status, 404);
    assert.equal((await get('/healthz', 'POST')).status, 404);
  });

  it('answers /readyz 503 "shutting down" once draining, while /healthz stays 200', async () => {
    health.drain();
    assert.deepEqual(await get('/readyz'), {
      status: 503,
      body: { status: 'unavailable', reason: 'shutting down', durability: 'everysec' },
    });
    assert.equal((await get('/healthz')).status, 200);
  });
});
