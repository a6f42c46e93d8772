/** A private redis-server for one test file: free port, temporary directory, removed afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServerProcess, startRedisServer } from '../../src/store/redis-server-process.js';

export interface TestRedis extends RedisServerProcess {
  /** Starts it again on the same port and data directory (after stop or kill). */
  restart(): Promise<TestRedis>;
  /** Stops it and removes its directory. */
  cleanup(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'wschat-redis-'));
  return wrap(await startRedisServer({ dir }));
}

function wrap(server: RedisServerProcess): TestRedis {
  return {
    ...server,
    restart: async () => wrap(await startRedisServer({ dir: server.dir, port: server.port })),
    cleanup: async () => {
      await server.kill('SIGKILL');
      rmSync(server.dir, { recursive: true, force: true });
    },
  };
}
