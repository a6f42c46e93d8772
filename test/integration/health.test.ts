/**
 * Health, readiness and honest durability against a real server and Redis:
 * /readyz follows Redis going away and coming back; the server states what
 * Redis's persistence promises, warns when it keeps nothing on disk, and
 * with REDIS_REQUIRE_PERSISTENCE=true refuses to start on such a Redis —
 * never changing Redis's settings.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { probeClient, type RedisServerProcess, startRedisServer } from '../../src/store/redis-server-process.js';
import { TEST, useHarness } from '../helpers/harness.js';
import { startServer, type TestServer } from '../helpers/server.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

async function get(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.json() };
}

describe('/healthz and /readyz on a real node', () => {
  const h = useHarness();

  it('are 200 while the node serves and Redis answers; the body names the durability', TEST, async () => {
    assert.deepEqual(await get(h.server.port, '/healthz'), { status: 200, body: { status: 'ok' } });
    assert.deepEqual(await get(h.server.port, '/readyz'), {
      status: 200,
      body: { status: 'ready', durability: 'always' },
    });
  });

  it('turns /readyz to 503 while Redis is stopped and back to 200 when it is started again', TEST, async () => {
    await h.redis.stop();
    let last: { status: number; body: unknown } | undefined;
    const started = Date.now();
    do {
      last = await get(h.server.port, '/readyz');
    } while (last.status !== 503 && Date.now() - started < 10_000);
    assert.deepEqual(last, {
      status: 503,
      body: { status: 'unavailable', reason: 'redis unreachable', durability: 'always' },
    });
    assert.equal((await get(h.server.port, '/healthz')).status, 200, 'the process still serves');

    // 40 requests fail alike during the outage: one log line says so, not 40.
    const client = await h.connect();
    const failed = (line: string) => line.includes('request failed: Redis unavailable');
    const before = h.server.output.filter(failed).length;
    const codes = [];
    for (let i = 0; i < 40; i++) {
      codes.push(
        (await client.request({ type: 'signIn', signId: { username: `u${i}`, password: 'password1' } })).error?.code,
      );
    }
    assert.deepEqual(new Set(codes), new Set([11]));
    assert.equal(h.server.output.filter(failed).length - before, before === 0 ? 1 : 0, 'logged once per interval');

    h.redis = await h.redis.restart();
    const back = Date.now();
    do {
      last = await get(h.server.port, '/readyz');
    } while (last.status !== 200 && Date.now() - back < 20_000);
    assert.equal(last.status, 200);
  });
});

describe('durability told at start-up', () => {
  let bare: RedisServerProcess;
  let server: TestServer | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'wschat-bare-'));

  before(async () => {
    // A Redis that keeps nothing on disk, like the one many machines run by default.
    bare = await startRedisServer({ dir, args: ['--appendonly', 'no', '--save', ''] });
  });
  after(async () => {
    if (server !== undefined) await server.stop();
    await bare.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('warns that acknowledged messages will not survive a Redis restart, and /readyz says none', TEST, async () => {
    server = await startServer(bare.url);
    const warning = server.output.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'redis persistence');
    assert.equal(warning?.level, 40, 'logged as a warning');
    assert.equal(warning?.durability, 'none');
    assert.match(warning?.promise, /will not survive a Redis restart/);
    assert.deepEqual((await get(server.port, '/readyz')).body, { status: 'ready', durability: 'none' });
    const config = await fetchConfig(bare.url);
    assert.deepEqual(config, ['no', ''], 'Redis’s settings are left as they were');
  });

  it('refuses to start with REDIS_REQUIRE_PERSISTENCE=true, saying why', TEST, async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', REDIS_URL: bare.url, REDIS_REQUIRE_PERSISTENCE: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /wschat: REDIS_REQUIRE_PERSISTENCE is set and acknowledged messages will not survive/);
  });
});

async function fetchConfig(url: string): Promise<string[]> {
  const probe = probeClient(url, 2000);
  try {
    await probe.connect();
    const appendonly = (await probe.call('CONFIG', 'GET', 'appendonly')) as string[];
    const save = (await probe.call('CONFIG', 'GET', 'save')) as string[];
    return [appendonly[1]!, save[1]!];
  } finally {
    probe.disconnect();
  }
}
