/**
 * Reading + serializing a history page, executed in the Piscina threads of
 * pool.ts's history pool: the export is the task, called by name. A thread
 * opens its Redis connection as it starts, so the first page after a start
 * does not wait for it.
 */
import { workerData } from 'node:worker_threads';
import { Keys } from '../store/keys.js';
import { connectRedis, createRedisClient, type RedisClient, type RedisTarget } from '../store/redis-client.js';
import { buildHistoryPage, type HistoryPageResult, type HistoryPageTask } from './history-page.js';
import { setThreadNice } from './thread-priority.js';

/** What a history thread is started with (Piscina's workerData). */
export interface HistorySettings {
  redisTarget: RedisTarget;
  redisPrefix: string;
  redisCommandTimeoutMs: number;
  nice: number;
}

const settings = workerData as HistorySettings;
setThreadNice(settings.nice);
const keys = new Keys(settings.redisPrefix);
let redis: Promise<RedisClient> | undefined;

/** This thread's Redis connection; a failed first connect is tried again by the next page, and ioredis reconnects it after that. */
function connection(): Promise<RedisClient> {
  redis ??= (async () => {
    const client = createRedisClient({
      target: settings.redisTarget,
      commandTimeoutMs: settings.redisCommandTimeoutMs,
      connectionName: 'wschat:history',
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

// Connecting now: a failure here is the first page's to retry, not this thread's to die of.
connection().catch(() => {});

export async function historyPage(task: HistoryPageTask): Promise<HistoryPageResult> {
  return buildHistoryPage(await connection(), keys, task);
}
