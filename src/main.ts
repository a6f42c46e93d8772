/**
 * Start-up: read the configuration, find Redis, wire the store, the worker
 * pool, the actors and the socket server, then serve until SIGTERM/SIGINT.
 */
import { randomUUID } from 'node:crypto';
import { ActorRegistry } from './actors/actor-registry.js';
import { ChannelActor } from './actors/channel-actor.js';
import { PUBLIC_CHANNEL_ID, participantsOfChannel } from './actors/channel-id.js';
import { UserActor } from './actors/user-actor.js';
import { ConfigError, loadConfig } from './config.js';
import type { Services } from './handlers/context.js';
import { ChatServer } from './server/chat-server.js';
import { AccessKeyStore, parseRevokeNotice } from './store/access-key-store.js';
import { Keys } from './store/keys.js';
import { NodeMembership } from './store/node-membership.js';
import { PubSub } from './store/pubsub.js';
import { connectRedis, createRedisClient } from './store/redis-client.js';
import { RedisUnavailableError, locateRedis } from './store/redis-location.js';
import { UserRegistry } from './store/user-registry.js';
import { startEventLoopStats } from './telemetry/event-loop-stats.js';
import { createLogger } from './telemetry/logger.js';
import { WorkerPool } from './workers/pool.js';

/** Longest wait for Redis at start-up. */
const STARTUP_REDIS_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`wschat: ${error.message}`);
    process.exit(1);
  }
  const log = createLogger(config.logLevel);
  const nodeId = randomUUID();

  let location;
  try {
    location = await locateRedis(config.redisUrl, config.redisDataDir);
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    log.fatal(error.message);
    console.error(`wschat: ${error.message}`);
    process.exit(1);
  }
  if (location.source === 'embedded') {
    log.info({ redis: location.url, dataDir: config.redisDataDir }, 'started a private redis-server');
  }

  const clientOptions = { url: location.url, commandTimeoutMs: config.redisCommandTimeoutMs };
  const redis = createRedisClient({ ...clientOptions, connectionName: `wschat:${nodeId}` });
  const subscriber = createRedisClient({ ...clientOptions, connectionName: `wschat:${nodeId}:sub` });
  for (const client of [redis, subscriber]) {
    client.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  }
  await Promise.all([redis, subscriber].map((client) => connectRedis(client, STARTUP_REDIS_TIMEOUT_MS)));

  const keys = new Keys(config.redisPrefix);
  const registry = new UserRegistry(redis, keys);
  const pubsub = new PubSub(subscriber);
  const pool = new WorkerPool({
    settings: {
      redisUrl: location.url,
      redisPrefix: config.redisPrefix,
      redisCommandTimeoutMs: config.redisCommandTimeoutMs,
      bcryptCost: config.bcryptCost,
      nice: config.workerNice,
    },
    threads: config.workerThreads,
    maxQueue: config.workerQueueMax,
    inlineHistory: config.historyInPool ? undefined : { redis, keys },
  });

  const accessKeys = new AccessKeyStore(redis, keys, config.accessKeyTtlMs);
  const presence = new NodeMembership(redis, keys.usersOnline, keys.usersOnlineOnNode(nodeId));
  const users = new ActorRegistry(
    (userUUID) => new UserActor(userUUID, { accessKeys, presence, log }),
    config.actorIdleMs,
  );
  const channels = new ActorRegistry((channelId) => {
    const isPublic = channelId === PUBLIC_CHANNEL_ID;
    return new ChannelActor(channelId, {
      redis,
      keys,
      pubsub,
      pool,
      registry,
      log,
      members: isPublic
        ? new NodeMembership(redis, keys.channelMembers(channelId), keys.channelMembersOnNode(channelId, nodeId))
        : undefined,
      participants: isPublic ? undefined : participantsOfChannel(channelId),
    });
  }, config.actorIdleMs);
  users.start();
  channels.start();

  // A key revoked on any node stops working on this one at once.
  await pubsub.subscribe(keys.controlTopic, (payload) => {
    const notice = parseRevokeNotice(payload.toString());
    if (notice !== null) void users.peek(notice.userUUID)?.forgetKey(notice.keyId);
  });

  const services: Services = { config, log, registry, pool, users, channels };
  const server = new ChatServer(services);
  const port = await server.listen(config.port, config.host);
  log.info({ host: config.host, port, path: '/ws', nodeId, redis: location.source }, 'listening');
  const stopStats =
    config.statsIntervalMs > 0 ? startEventLoopStats(log, config.statsIntervalMs, () => server.connections) : () => {};

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, connections: server.connections }, 'shutting down');
    const forced = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 10_000).unref();
    await server.close();
    stopStats();
    users.stop();
    channels.stop();
    await pool.close();
    await Promise.allSettled([redis.quit(), subscriber.quit()]);
    await location.stop();
    clearTimeout(forced);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('wschat: failed to start:', error);
  process.exit(1);
});
