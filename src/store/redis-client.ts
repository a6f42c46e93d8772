/**
 * Redis connections. Commands fail fast while Redis is unreachable (no
 * offline queue, a command timeout), so a request during an outage is
 * answered with error 11 instead of hanging; the client keeps reconnecting
 * in the background. A subscriber connection is made the same way: ioredis
 * subscribes again to every topic after a reconnect.
 */
import { Redis } from 'ioredis';

export type RedisClient = Redis;

export interface RedisClientOptions {
  url: string;
  /** Longest wait for one command before it counts as failed (ms). */
  commandTimeoutMs: number;
  /** Shown in CLIENT LIST, to tell a node's connections apart. */
  connectionName: string;
}

export function createRedisClient(options: RedisClientOptions): RedisClient {
  return new Redis(options.url, {
    lazyConnect: true,
    connectionName: options.connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
}

/** Connects, waiting at most `timeoutMs` for the first ready state. */
export async function connectRedis(client: RedisClient, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
