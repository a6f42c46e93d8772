/**
 * The private redis-server outlives a node killed with -9 — and is not left
 * an orphan: the next node on the same data directory finds it by its pid
 * file and uses it (one redis-server per directory, the data still there),
 * and stops it when it stops itself.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { answersPing, probeClient } from '../../src/store/redis-server-process.js';

const LOCATION = new URL('../../src/store/redis-location.js', import.meta.url).href;

/**
 * A process that finds its Redis as a node does with no Redis around — a
 * private redis-server in `dir` (port 1 never answers) — prints where, and
 * holds it until SIGTERM (then stops it) or until it is killed with -9.
 * Inline: a script file under test/ would be run as a test itself.
 */
const HOLDER = `
  const { locateRedis } = await import(${JSON.stringify(LOCATION)});
  const location = await locateRedis({ clusterNodes: undefined, url: undefined }, process.argv[1], 'redis://127.0.0.1:1');
  console.log(JSON.stringify({ url: location.target.url, source: location.source }));
  process.on('SIGTERM', () => void location.stop().then(() => process.exit(0)));
  setInterval(() => {}, 60000);
`;

async function holder(dir: string): Promise<{ child: ChildProcess; url: string; source: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', HOLDER, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, ...(JSON.parse(line.toString()) as { url: string; source: string }) };
}

const pidOf = (dir: string): number =>
  (JSON.parse(readFileSync(join(dir, 'wschat-redis.json'), 'utf8')) as { pid: number }).pid;

describe('the private redis-server across a kill -9 of its node', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wschat-private-'));
  const pids: number[] = [];
  after(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already stopped, as it should be.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('is found and used again by the next node, then stopped with it', async () => {
    const first = await holder(dir);
    pids.push(first.child.pid!, pidOf(dir));
    assert.equal(first.source, 'embedded');
    const redis = probeClient(first.url, 2000);
    await redis.connect();
    await redis.set('survivor', 'yes');
    redis.disconnect();

    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    assert.equal(await answersPing(first.url, 1000), true, 'the redis-server outlived its node');

    const second = await holder(dir);
    pids.push(second.child.pid!);
    assert.deepEqual([second.source, second.url], ['embedded (adopted)', first.url], 'the same redis-server');
    assert.equal(pidOf(dir), pids[1], 'no second redis-server on the directory');
    const check = probeClient(second.url, 2000);
    await check.connect();
    assert.equal(await check.get('survivor'), 'yes');
    check.disconnect();

    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
    assert.equal(await answersPing(first.url, 500), false, 'stopped with the node that used it');
    assert.equal(existsSync(join(dir, 'wschat-redis.json')), false);
  });
});
