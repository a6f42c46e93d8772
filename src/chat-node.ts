/**
 * One server node, wired: its Redis connections, store, worker pool, actors,
 * liveness and socket server. `main.ts` runs one per process; tests may run
 * several in one process (they share nothing but Redis).
 */
import { randomUUID } from 'node:crypto';
import { ActorRegistry } from './actors/actor-registry.js';
import { ChannelActor } from './actors/channel-actor.js';
import { PUBLIC_CHANNEL_ID, participantsOfChannel } from './actors/channel-id.js';
import { NodeWatch } from './actors/node-watch.js';
import { UserActor } from './actors/user-actor.js';
import type { Config } from './config.js';
import type { Services } from './handlers/context.js';
import { ChatServer } from './server/chat-server.js';
import { AccessKeyStore, parseRevokeNotice } from './store/access-key-store.js';
import { ChannelMailbox } from './store/channel-mailbox.js';
import { Keys } from './store/keys.js';
import { NodeMembership } from './store/node-membership.js';
import { NodeRegistry } from './store/node-registry.js';
import { PubSub } from './store/pubsub.js';
import { connectRedis, createRedisClient, type RedisTarget } from './store/redis-client.js';
import { UserRegistry } from './store/user-registry.js';
import { startEventLoopStats } from './telemetry/event-loop-stats.js';
import type { Logger } from './telemetry/logger.js';
import { WorkerPool } from './workers/pool.js';

/** Longest wait for Redis at start-up. */
const STARTUP_REDIS_TIMEOUT_MS = 10_000;

export interface ChatNode {
  readonly nodeId: string;
  readonly port: number;
  /** Graceful stop: stop accepting, answer what is in flight, close with 1001, leave presence, close Redis. */
  stop(): Promise<void>;
}

/** Starts a node on the Redis `target`, serving on `config.host`:`config.port`. */
export async function startChatNode(
  config: Config,
  target: RedisTarget,
  log: Logger,
  nodeId: string = randomUUID(),
): Promise<ChatNode> {
  const clientOptions = { target, commandTimeoutMs: config.redisCommandTimeoutMs };
  const redis = createRedisClient({ ...clientOptions, connectionName: `wschat:${nodeId}` });
  const subscriber = createRedisClient({ ...clientOptions, connectionName: `wschat:${nodeId}:sub` });
  for (const client of [redis, subscriber]) {
    client.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  }
  await Promise.all([redis, subscriber].map((client) => connectRedis(client, STARTUP_REDIS_TIMEOUT_MS)));

  const keys = new Keys(config.redisPrefix);
  const pubsub = new PubSub(subscriber);
  const registry = new UserRegistry(redis, keys);
  const pool = new WorkerPool({
    settings: {
      redisTarget: target,
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
  const readerOptions = { checkpointEvery: config.mailboxCheckpointEvery, checkpointMs: config.mailboxCheckpointMs };
  const channels = new ActorRegistry(
    (channelId) =>
      new ChannelActor(channelId, {
        redis,
        keys,
        pubsub,
        pool,
        registry,
        log,
        mailbox: new ChannelMailbox(redis, keys, channelId, nodeId),
        reader: readerOptions,
        nodeId,
        participants: channelId === PUBLIC_CHANNEL_ID ? undefined : participantsOfChannel(channelId),
      }),
    config.actorIdleMs,
  );
  users.start();
  channels.start();
  const channelTicks = setInterval(() => {
    for (const channel of channels.values()) channel.tick();
  }, config.mailboxCheckpointMs).unref();
  pubsub.onResubscribed(() => {
    for (const channel of channels.values()) channel.resync();
  });

  // A key revoked on any node stops working on this one at once.
  await pubsub.subscribe(keys.controlTopic, (payload) => {
    const notice = parseRevokeNotice(payload.toString());
    if (notice !== null) void users.peek(notice.userUUID)?.forgetKey(notice.keyId);
  });

  const nodeWatch = new NodeWatch({
    nodes: new NodeRegistry(redis, keys, nodeId),
    publicMailbox: new ChannelMailbox(redis, keys, PUBLIC_CHANNEL_ID, nodeId),
    reassert: async () => {
      for (const user of users.values()) await user.reassert();
      for (const channel of channels.values()) await channel.reassert();
    },
    log,
    ttlMs: config.nodeTtlMs,
  });
  await nodeWatch.start();

  const services: Services = { config, nodeId, log, registry, pool, users, channels };
  const server = new ChatServer(services);
  const port = await server.listen(config.port, config.host);
  log.info({ host: config.host, port, path: '/ws', nodeId }, 'listening');
  const stopStats =
    config.statsIntervalMs > 0 ? startEventLoopStats(log, config.statsIntervalMs, () => server.connections) : () => {};

  return {
    nodeId,
    port,
    stop: async () => {
      log.info({ connections: server.connections }, 'shutting down');
      await server.close();
      stopStats();
      clearInterval(channelTicks);
      users.stop();
      channels.stop();
      await nodeWatch.stop().catch((error: unknown) => log.warn({ err: error }, 'could not leave presence'));
      await pool.close();
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
    },
  };
}
