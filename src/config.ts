/**
 * Every setting, read from the environment and validated at start: a bad
 * value stops the server with a message naming the variable. The README's
 * configuration table mirrors this file.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';

export interface Config {
  /** PORT: TCP port to listen on. Default 8080. */
  port: number;
  /** HOST: address to listen on. Default 127.0.0.1 (loopback only; set 0.0.0.0 to serve a network). */
  host: string;
  /** REDIS_URL: Redis to use. Default: redis://127.0.0.1:6379 when it answers, else a private redis-server. */
  redisUrl: string | undefined;
  /** REDIS_PREFIX: prefix of every Redis key. Default `chat:`. */
  redisPrefix: string;
  /** REDIS_DATA_DIR: where the private redis-server keeps its AOF. Default ./data/redis. */
  redisDataDir: string;
  /** REDIS_COMMAND_TIMEOUT_MS: a Redis command slower than this fails with error 11. Default 2000. */
  redisCommandTimeoutMs: number;
  /** LOG_LEVEL: pino level (fatal, error, warn, info, debug, trace, silent). Default info. */
  logLevel: string;
  /** BCRYPT_COST: bcrypt work factor for new password hashes, 10-20. Default 10. */
  bcryptCost: number;
  /** ACCESS_KEY_TTL_MS: an access key unused this long expires. Default 30 days. */
  accessKeyTtlMs: number;
  /** MAX_FRAME_BYTES: larger client frames close the connection with 1009. Default 65536. */
  maxFrameBytes: number;
  /** MAX_BUFFERED_BYTES: unsent output past this closes the connection with 1013. Default 1 MiB. */
  maxBufferedBytes: number;
  /**
   * MAX_PIPELINED_SENDS: on one connection, how many consecutive
   * channelMessage requests may be in flight at once — each is sent to Redis
   * without waiting for the one before it to be answered (answers still leave
   * in order). 1 handles them one at a time. Default 64.
   */
  maxPipelinedSends: number;
  /** HEARTBEAT_MS: ping interval; a connection that misses a pong is terminated. Default 30000. */
  heartbeatMs: number;
  /** RATE_LIMIT_PER_SEC: requests per second per connection, sustained. Default 100. */
  rateLimitPerSec: number;
  /** RATE_LIMIT_BURST: requests per connection in a burst. Default 200. */
  rateLimitBurst: number;
  /**
   * IDEMPOTENCY_WINDOW_MS: how long a send's clientMessageId is remembered, so
   * that a repeat stores nothing. Default 86400000 (24 hours).
   */
  idempotencyWindowMs: number;
  /** SIGNIN_FAILURES_MAX: failed sign-ins per username per window before error 10. Default 10. */
  signInFailuresMax: number;
  /** SIGNIN_FAILURES_WINDOW_MS: that window. Default 300000 (5 minutes). */
  signInFailuresWindowMs: number;
  /** WORKER_THREADS: Piscina threads for bcrypt. Default os.availableParallelism(). */
  workerThreads: number;
  /**
   * WORKER_NICE: scheduling niceness of the worker threads, 0-19. They take
   * any idle CPU but yield it to the event loop, so a sign-in storm does not
   * slow chat. Default 19 (the lowest priority; 10 was measured too high).
   */
  workerNice: number;
  /**
   * HISTORY_WORKER_THREADS: Piscina threads for history pages, apart from
   * bcrypt's. Default 1: a page mostly waits on Redis, and one thread keeps
   * the event loop a core of its own under a flood of page reads.
   */
  historyWorkerThreads: number;
  /**
   * HISTORY_WORKER_NICE: niceness of the history page threads, 0-19. Default
   * 0: a page is a short task a client waits for, which at WORKER_NICE's 19
   * waits behind any other busy process on the machine.
   */
  historyWorkerNice: number;
  /** WORKER_QUEUE_MAX: tasks waiting for a thread, in each pool, before error 10. Default 512. */
  workerQueueMax: number;
  /** HISTORY_IN_POOL: read and serialize history pages in the worker pool (true) or on the main thread. Default true. */
  historyInPool: boolean;
  /** WEB_UI: serve the chat web page (web/) at GET / on the same port. Default true. */
  webUi: boolean;
  /** METRICS: count, and serve Prometheus metrics at GET /metrics. Default true. */
  metrics: boolean;
  /**
   * MAX_CONNECTIONS: connections one node serves; more are refused at the upgrade with 503. Default: the
   * process's open-files limit less 1,024, so Redis reconnects, workers and logs still get descriptors.
   */
  maxConnections: number;
  /** MAX_CONNECTIONS_PER_USER: connections bound to one user on all nodes together; error 10 past it (0 = none). Default 100. */
  maxConnectionsPerUser: number;
  /** SIGNIN_FAILURES_PER_IP_MAX: failed sign-ins from one address, whatever the name, per window (error 10 past it). Default 100. */
  signInFailuresPerIpMax: number;
  /** SIGNUPS_PER_IP_MAX: sign-ups (each a bcrypt hash) from one address per SIGNUPS_WINDOW_MS. Default 60. */
  signUpsPerIpMax: number;
  /** SIGNUPS_WINDOW_MS: that window. Default 3600000 (1 h). */
  signUpsWindowMs: number;
  /** TRUST_PROXY: addresses of proxies whose X-Forwarded-For names the client. Default none. */
  trustProxy: readonly string[];
  /** MAX_CONNECTIONS_PER_IP: connections from one address to one node (429 past it); 0 = no limit. Default 1000. */
  maxConnectionsPerIp: number;
  /** MAX_CHANNELS_PER_CONNECTION: channels one connection may be joined to; error 10 past it. Default 1000. */
  maxChannelsPerConnection: number;
  /** HANDSHAKE_TIMEOUT_MS: an HTTP request or upgrade whose headers have not all arrived by then is dropped. Default 10000. */
  handshakeTimeoutMs: number;
  /** ALLOWED_ORIGINS: `*` (default) or a comma-separated list; a browser upgrade from another Origin gets 403. */
  allowedOrigins: '*' | readonly string[];
  /** REDIS_REQUIRE_PERSISTENCE: refuse to start on a Redis that keeps nothing on disk. Default false. */
  redisRequirePersistence: boolean;
  /** STATS_INTERVAL_MS: log event-loop delay, connection count and memory this often; 0 = never. Default 0. */
  statsIntervalMs: number;
  /** ACTOR_IDLE_MS: an actor idle this long (and holding nothing) is evicted. Default 60000. */
  actorIdleMs: number;
  /**
   * NODE_TTL_MS: TTL of this node's heartbeat key, renewed every third of it.
   * Once it runs out, the other nodes take the node's users out of presence
   * and channel member lists. Default 15000.
   */
  nodeTtlMs: number;
  /**
   * FEED_CHECKPOINT_EVERY: a channel's state is snapshotted after this many
   * feed entries. Default 1000. (MAILBOX_CHECKPOINT_EVERY, its earlier name, is read too.)
   */
  feedCheckpointEvery: number;
  /** FEED_CHECKPOINT_MS: ...and at least this often (ms); trimming follows checkpoints. Default 5000. (Also read as MAILBOX_CHECKPOINT_MS.) */
  feedCheckpointMs: number;
  /**
   * REDIS_CLUSTER_NODES: `host:port,host:port,…` of a Redis Cluster; when set,
   * the server uses the cluster client and REDIS_URL is ignored. Default unset.
   */
  redisClusterNodes: { host: string; port: number }[] | undefined;
  /**
   * WSCHAT_TEST_CRASH_AT: for tests only. 'message-stored': the process
   * kills itself (SIGKILL) right after a private message is stored, before
   * its conversations are indexed. Default unset.
   */
  testCrashAt: 'message-stored' | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A setting's name, or its name and the earlier name it had: the earlier one
 * is still read when the new one is not set (deployments keep their files).
 */
type SettingName = string | readonly [name: string, earlierName: string];

function integer(env: Env, setting: SettingName, fallback: number, min: number, max: number): number {
  const name = typeof setting === 'string' || env[setting[0]] !== undefined ? nameOf(setting) : setting[1];
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function text(env: Env, name: string, fallback: string, pattern?: RegExp): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (pattern && !pattern.test(raw)) throw new ConfigError(`${name} must match ${pattern}, got "${raw}"`);
  return raw;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function clusterNodes(raw: string | undefined): { host: string; port: number }[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw.split(',').map((item) => {
    const match = /^\s*(\[[^\]]+\]|[^:\s]+):(\d{1,5})\s*$/.exec(item);
    const port = Number(match?.[2]);
    if (match === null || port < 1 || port > 65535) {
      throw new ConfigError(`REDIS_CLUSTER_NODES must be host:port,host:port,…, got "${raw}"`);
    }
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
}

const nameOf = (setting: SettingName): string => (typeof setting === 'string' ? setting : setting[0]);

const LOG_LEVELS = /^(fatal|error|warn|info|debug|trace|silent)$/;
const DAY_MS = 86_400_000;

/**
 * The start-up warning for a server reachable from other machines that lets
 * any web page open connections with its visitors' browsers; undefined when
 * it listens on loopback only or lists its origins.
 */
export function originWarning(config: Pick<Config, 'host' | 'allowedOrigins'>): string | undefined {
  const loopback = /^(127\.|::1$|localhost$)/.test(config.host);
  if (config.allowedOrigins !== '*' || loopback) return undefined;
  return 'ALLOWED_ORIGINS is *: any web page can open connections to this server with its visitors’ browsers; list your sites';
}

/** Descriptors kept free below the open-files limit by the default MAX_CONNECTIONS. */
const DESCRIPTOR_HEADROOM = 1024;

/** The process's soft open-files limit (Linux: /proc/self/limits); 10,240 where it cannot be read. */
export function openFilesLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isInteger(soft) && soft > 0 ? soft : 10_240;
  } catch {
    return 10_240;
  }
}

export const defaultMaxConnections = (openFiles: number): number => Math.max(100, openFiles - DESCRIPTOR_HEADROOM);

/** A comma-separated list of IP addresses; IPv4 also in its IPv6-mapped form, as Node reports IPv4 peers on a dual-stack socket. */
function addresses(raw: string | undefined): readonly string[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').flatMap((entry) => {
    const address = entry.trim().toLowerCase();
    if (isIP(address) === 0) throw new ConfigError(`TRUST_PROXY must list IP addresses, got "${entry}"`);
    return isIP(address) === 4 ? [address, `::ffff:${address}`] : [address];
  });
}

/** `*`, or each origin of the list in the form browsers send (scheme://host[:port], lower case). */
function origins(env: Env): '*' | readonly string[] {
  const raw = (env.ALLOWED_ORIGINS ?? '*').trim();
  if (raw === '*' || raw === '') return '*';
  return raw.split(',').map((entry) => {
    const origin = entry.trim().toLowerCase().replace(/\/$/, '');
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(`ALLOWED_ORIGINS must be * or origins like https://chat.example.com, got "${entry}"`);
    }
    return origin;
  });
}

export function loadConfig(env: Env = process.env, openFiles: number = openFilesLimit()): Config {
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${redisUrl}"`);
  }
  const rateLimitPerSec = integer(env, 'RATE_LIMIT_PER_SEC', 100, 1, 1_000_000);
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: text(env, 'HOST', '127.0.0.1'),
    redisUrl,
    redisPrefix: text(env, 'REDIS_PREFIX', 'chat:', /^[^{}\s]*$/),
    redisDataDir: text(env, 'REDIS_DATA_DIR', './data/redis'),
    redisCommandTimeoutMs: integer(env, 'REDIS_COMMAND_TIMEOUT_MS', 2000, 50, 60_000),
    logLevel: text(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    bcryptCost: integer(env, 'BCRYPT_COST', 10, 10, 20),
    accessKeyTtlMs: integer(env, 'ACCESS_KEY_TTL_MS', 30 * DAY_MS, 1000, 3650 * DAY_MS),
    maxFrameBytes: integer(env, 'MAX_FRAME_BYTES', 64 * 1024, 1024, 64 * 1024 * 1024),
    maxBufferedBytes: integer(env, 'MAX_BUFFERED_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxPipelinedSends: integer(env, 'MAX_PIPELINED_SENDS', 64, 1, 256),
    heartbeatMs: integer(env, 'HEARTBEAT_MS', 30_000, 100, 3_600_000),
    rateLimitPerSec,
    rateLimitBurst: integer(env, 'RATE_LIMIT_BURST', Math.max(200, rateLimitPerSec), 1, 10_000_000),
    idempotencyWindowMs: integer(env, 'IDEMPOTENCY_WINDOW_MS', DAY_MS, 1000, 30 * DAY_MS),
    signInFailuresMax: integer(env, 'SIGNIN_FAILURES_MAX', 10, 1, 1_000_000),
    signInFailuresWindowMs: integer(env, 'SIGNIN_FAILURES_WINDOW_MS', 300_000, 1000, 7 * DAY_MS),
    workerThreads: integer(env, 'WORKER_THREADS', availableParallelism(), 1, 256),
    workerNice: integer(env, 'WORKER_NICE', 19, 0, 19),
    historyWorkerThreads: integer(env, 'HISTORY_WORKER_THREADS', 1, 1, 256),
    historyWorkerNice: integer(env, 'HISTORY_WORKER_NICE', 0, 0, 19),
    workerQueueMax: integer(env, 'WORKER_QUEUE_MAX', 512, 1, 1_000_000),
    historyInPool: boolean(env, 'HISTORY_IN_POOL', true),
    webUi: boolean(env, 'WEB_UI', true),
    metrics: boolean(env, 'METRICS', true),
    maxConnections: integer(env, 'MAX_CONNECTIONS', defaultMaxConnections(openFiles), 1, 10_000_000),
    maxConnectionsPerUser: integer(env, 'MAX_CONNECTIONS_PER_USER', 100, 0, 10_000_000),
    signInFailuresPerIpMax: integer(env, 'SIGNIN_FAILURES_PER_IP_MAX', 100, 1, 1_000_000),
    signUpsPerIpMax: integer(env, 'SIGNUPS_PER_IP_MAX', 60, 1, 1_000_000),
    signUpsWindowMs: integer(env, 'SIGNUPS_WINDOW_MS', 3_600_000, 1000, 7 * DAY_MS),
    trustProxy: addresses(env.TRUST_PROXY),
    maxConnectionsPerIp: integer(env, 'MAX_CONNECTIONS_PER_IP', 1000, 0, 10_000_000),
    maxChannelsPerConnection: integer(env, 'MAX_CHANNELS_PER_CONNECTION', 1000, 1, 1_000_000),
    handshakeTimeoutMs: integer(env, 'HANDSHAKE_TIMEOUT_MS', 10_000, 100, 600_000),
    allowedOrigins: origins(env),
    redisRequirePersistence: boolean(env, 'REDIS_REQUIRE_PERSISTENCE', false),
    statsIntervalMs: integer(env, 'STATS_INTERVAL_MS', 0, 0, 3_600_000),
    actorIdleMs: integer(env, 'ACTOR_IDLE_MS', 60_000, 10, 86_400_000),
    nodeTtlMs: integer(env, 'NODE_TTL_MS', 15_000, 1000, 3_600_000),
    feedCheckpointEvery: integer(env, ['FEED_CHECKPOINT_EVERY', 'MAILBOX_CHECKPOINT_EVERY'], 1000, 1, 1_000_000),
    feedCheckpointMs: integer(env, ['FEED_CHECKPOINT_MS', 'MAILBOX_CHECKPOINT_MS'], 5000, 100, 3_600_000),
    redisClusterNodes: clusterNodes(env.REDIS_CLUSTER_NODES),
    testCrashAt:
      text(env, 'WSCHAT_TEST_CRASH_AT', '', /^(message-stored)?$/) === 'message-stored' ? 'message-stored' : undefined,
  };
}
