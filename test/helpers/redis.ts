/** A private redis-server for one test file: free port, temporary directory, removed afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServerProcess, startRedisServer } from '../../src/store/redis-server-process.js';

export interface TestRedis extends RedisServerProcess {
  /** Starts it again on the same port, data directory and settings (after stop or kill). */
  restart(): Promise<TestRedis>;
  /** Stops it and removes its directory. */
  cleanup(): Promise<void>;
}

/** @param appendfsync the AOF setting (default 'always', as the server's own private redis-server) */
export async function startTestRedis(appendfsync: 'always' | 'everysec' = 'always'): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'wschat-redis-'));
  return wrap(await startRedisServer({ dir, appendfsync }), appendfsync);
}

function wrap(server: RedisServerProcess, appendfsync: 'always' | 'everysec'): TestRedis {
  return {
    ...server,
    restart: async () => wrap(await startRedisServer({ dir: server.dir, port: server.port, appendfsync }), appendfsync),
    cleanup: async () => {
      await server.kill('SIGKILL');
      rmSync(server.dir, { recursive: true, force: true });
    },
  };
}
