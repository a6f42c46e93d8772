/**
 * locateRedis: REDIS_URL when set; else the default URL when it answers;
 * else a private redis-server in the data directory; else a clear error.
 * The default URL is a parameter, so these tests point it at a port of their
 * own (127.0.0.1:6379 may well answer on a developer's machine).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { locateRedis, RedisUnavailableError } from '../../src/store/redis-location.js';
import { answersPing, freePort } from '../../src/store/redis-server-process.js';
import { startTestRedis } from '../helpers/redis.js';

describe('locateRedis', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'wschat-locate-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const NOTHING_SET = { clusterNodes: undefined, url: undefined };

  it('returns REDIS_CLUSTER_NODES as the target when set, before REDIS_URL', async () => {
    const clusterNodes = [{ host: '127.0.0.1', port: 1 }];
    const location = await locateRedis({ clusterNodes, url: 'redis://127.0.0.1:2' }, join(tempDir(), 'unused'));
    assert.deepEqual(location.target, { clusterNodes });
    assert.equal(location.source, 'REDIS_CLUSTER_NODES');
  });

  /** A URL where nothing listens (a port that was free a moment ago). */
  const deadUrl = async (): Promise<string> => `redis://127.0.0.1:${await freePort()}`;

  it('returns REDIS_URL untouched, without probing or starting anything', async () => {
    const dataDir = join(tempDir(), 'never-created');
    for (const url of ['redis://127.0.0.1:1', 'rediss://user:pw@example.invalid:6380/2', 'redis://[::1]:7000?x=1']) {
      const location = await locateRedis({ clusterNodes: undefined, url }, dataDir, await deadUrl());
      assert.equal(location.target.url, url);
      assert.equal(location.source, 'REDIS_URL');
      await location.stop(); // a no-op
    }
    assert.deepEqual(readdirSync(join(dataDir, '..')), [], 'no data directory was created');
  });

  it('uses the default URL when it answers PING', async () => {
    const redis = await startTestRedis();
    try {
      const location = await locateRedis(NOTHING_SET, join(tempDir(), 'unused'), redis.url);
      assert.equal(location.target.url, redis.url);
      assert.equal(location.source, 'default');
      await location.stop();
      assert.ok(await answersPing(redis.url, 2000), 'stop() leaves a Redis it did not start alone');
    } finally {
      await redis.cleanup();
    }
  });

  it('starts a private redis-server in the data directory when the default does not answer', async () => {
    const dataDir = join(tempDir(), 'data', 'redis');
    const defaultUrl = await deadUrl();
    const location = await locateRedis(NOTHING_SET, dataDir, defaultUrl);
    try {
      assert.equal(location.source, 'embedded');
      assert.match(location.target.url ?? '', /^redis:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(location.target.url, defaultUrl);
      assert.ok(await answersPing(location.target.url ?? '', 2000), 'the private redis-server answers PING');
      assert.ok(readdirSync(dataDir).length > 0, 'it keeps its files (AOF) in the data directory');
    } finally {
      await location.stop();
    }
    assert.equal(await answersPing(location.target.url ?? '', 1000), false, 'stop() stopped it');
  });

  it('throws RedisUnavailableError naming apt-get and REDIS_URL when there is no redis-server binary', async () => {
    const emptyBin = tempDir();
    const defaultUrl = await deadUrl();
    const path = process.env.PATH;
    process.env.PATH = emptyBin;
    try {
      await assert.rejects(locateRedis(NOTHING_SET, join(tempDir(), 'data'), defaultUrl), (error: unknown) => {
        assert.ok(error instanceof RedisUnavailableError, String(error));
        assert.match(error.message, /apt-get/);
        assert.match(error.message, /REDIS_URL/);
        return true;
      });
    } finally {
      process.env.PATH = path;
    }
  });
});
