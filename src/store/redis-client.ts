/**
 * Redis connections, to one server or to a Redis Cluster. Commands fail fast
 * while Redis is unreachable (no offline queue, a command timeout), so a
 * request during an outage is answered with error 11 instead of hanging;
 * the client keeps reconnecting in the background. A subscriber connection
 * is made the same way: ioredis subscribes again to every topic after a
 * reconnect (in a cluster, on another node if its node is gone). Every
 * connection sends the commands of one event-loop iteration in one socket
 * write (gathered-writes.ts).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { gatherWritesPerIteration } from './gathered-writes.js';

export type RedisClient = Redis | Cluster;

export interface HostPort {
  host: string;
  port: number;
}

/** One Redis server by URL, or a cluster by some of its nodes (REDIS_CLUSTER_NODES). */
export type RedisTarget = { url: string; clusterNodes?: undefined } | { url?: undefined; clusterNodes: HostPort[] };

export interface RedisClientOptions {
  target: RedisTarget;
  /** Longest wait for one command before it counts as failed (ms). */
  commandTimeoutMs: number;
  /** Shown in CLIENT LIST, to tell a node's connections apart. */
  connectionName: string;
}

const retryDelay = (attempt: number): number => Math.min(attempt * 100, 1000);

export function createRedisClient(options: RedisClientOptions): RedisClient {
  const serverOptions = {
    connectionName: options.connectionName,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.commandTimeoutMs,
  };
  const { target } = options;
  const client = connection(target, serverOptions);
  gatherWritesPerIteration(client);
  return client;
}

function connection(target: RedisTarget, serverOptions: RedisOptions): RedisClient {
  if (target.clusterNodes !== undefined) {
    return new Cluster(target.clusterNodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: retryDelay,
      // Slots move when a master fails over: notice without waiting for a MOVED.
      slotsRefreshInterval: 5000,
      redisOptions: serverOptions,
    });
  }
  return new Redis(target.url, {
    ...serverOptions,
    lazyConnect: true,
    enableOfflineQueue: false,
    retryStrategy: retryDelay,
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

/**
 * Whether a failed command leaves open if Redis ran it: no reply came (a
 * timeout, or the connection dropped with the command in flight). A command
 * refused before it was sent (no connection, offline queue off) or answered
 * with an error certainly did not run.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return /^(Command timed out|Connection is closed|Reached the max retries per request|Too many Cluster redirections)/.test(
    error.message,
  );
}

/** Whether a command was refused before it reached Redis: it certainly did not run. */
export function wasNotSent(error: unknown): boolean {
  return error instanceof Error && /enableOfflineQueue options is false/.test(error.message);
}

/** Error names of ioredis (and of script.ts) that mean Redis failed, not the code calling it. */
const REDIS_ERROR_NAMES = new Set([
  'ReplyError',
  'MaxRetriesPerRequestError',
  'ClusterAllFailedError',
  'OutcomeUnknownError',
]);

/** Whether `error` is Redis failing — unreachable, timing out, refusing — rather than a bug. */
export function isRedisFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    REDIS_ERROR_NAMES.has(error.name) ||
    isOutcomeUnknown(error) ||
    wasNotSent(error) ||
    /^(connect |Failed to refresh slots cache|None of startup nodes is available)/.test(error.message)
  );
}
