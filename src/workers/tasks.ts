/**
 * The work that must not run on the event loop, executed in Piscina worker
 * threads: bcrypt, and reading + serializing a history page. Each export is
 * a task, called by name from pool.ts.
 */
import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/bcrypt';
import { Keys } from '../store/keys.js';
import { connectRedis, createRedisClient, type RedisClient, type RedisTarget } from '../store/redis-client.js';
import { buildHistoryPage, type HistoryPageResult, type HistoryPageTask } from './history-page.js';

/** What every worker thread is started with (Piscina's workerData). */
export interface WorkerSettings {
  redisTarget: RedisTarget;
  redisPrefix: string;
  redisCommandTimeoutMs: number;
  bcryptCost: number;
  /** Niceness of this thread (Linux: per thread; the event loop keeps its own). */
  nice: number;
}

const settings = workerData as WorkerSettings;
try {
  setPriority(settings.nice);
} catch {
  // Not permitted or not supported here: run at normal priority.
}
const keys = new Keys(settings.redisPrefix);
let redis: Promise<RedisClient> | undefined;

/** This thread's Redis connection, opened on first use; ioredis reconnects it after that. */
function connection(): Promise<RedisClient> {
  redis ??= (async () => {
    const client = createRedisClient({
      target: settings.redisTarget,
      commandTimeoutMs: settings.redisCommandTimeoutMs,
      connectionName: 'wschat:worker',
    });
    client.on('error', () => {}); // each failed command reports its own error
    try {
      await connectRedis(client, settings.redisCommandTimeoutMs);
      return client;
    } catch (error) {
      client.disconnect();
      redis = undefined;
      throw error;
    }
  })();
  return redis;
}

export function hashPassword({ password }: { password: string }): string {
  return hashSync(password, settings.bcryptCost);
}

export function verifyPassword({ password, hash }: { password: string; hash: string }): boolean {
  return verifySync(password, hash);
}

export async function historyPage(task: HistoryPageTask): Promise<HistoryPageResult> {
  return buildHistoryPage(await connection(), keys, task);
}
