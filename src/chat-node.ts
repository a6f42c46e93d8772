/**
 * One server node, wired: its Redis connections, store, worker pool, actors,
 * liveness and socket server. `main.ts` runs one per process; tests may run
 * several in one process (they share nothing but Redis).
 */
import { randomUUID } from 'node:crypto';
import { ActorRegistry } from './actors/actor-registry.js';
import { ChannelActor } from './actors/channel-actor.js';
import { NodeWatch } from './actors/node-watch.js';
import { UserActor } from './actors/user-actor.js';
import { type Config, originWarning } from './config.js';
import type { Services } from './handlers/context.js';
import { ChatServer, WS_PATH } from './server/chat-server.js';
import { RedisAccessKeys } from './store/access-keys.js';
import { RedisChannelFeed } from './store/channel-feed.js';
import { RedisChannelHistory } from './store/channel-history.js';
import { PUBLIC_CHANNEL_ID, participantsOfChannel } from './store/channel-id.js';
import { RedisChannelSignals } from './store/channel-signals.js';
import { ControlTopic } from './store/control-topic.js';
import { RedisConversations } from './store/conversations.js';
import { DURABILITY_PROMISES, readDurability } from './store/durability.js';
import { RedisInbox } from './store/inbox.js';
import { Keys } from './store/keys.js';
import { NodeRegistry } from './store/node-registry.js';
import { RedisPresence } from './store/presence.js';
import { PubSub } from './store/pubsub.js';
import { RedisReadMarkers } from './store/read-markers.js';
import { connectRedis, createRedisClient, type RedisTarget } from './store/redis-client.js';
import { RedisUserDirectory } from './store/user-directory.js';
import { startEventLoopStats } from './telemetry/event-loop-stats.js';
import type { Logger } from './telemetry/logger.js';
import { type ChatMetrics, NO_METRICS, PromMetrics } from './telemetry/metrics.js';
import { RepeatFilter } from './telemetry/repeat-filter.js';
import { WorkerPool } from './workers/pool.js';

/** Longest wait for Redis at start-up. */
const STARTUP_REDIS_TIMEOUT_MS = 10_000;

/** A node that must not start, with the reason in words for the operator. */
export class StartupError extends Error {
  override name = 'StartupError';
}

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
  let server: ChatServer | undefined;
  const metrics: ChatMetrics = config.metrics
    ? new PromMetrics({ connections: () => server?.connections ?? 0, workerQueueLength: () => pool.queueLength })
    : NO_METRICS;
  const failures = new RepeatFilter(log);
  for (const client of [redis, subscriber]) {
    client.on('error', (error) => {
      metrics.redisError();
      failures.warn({ err: error }, 'redis connection error');
    });
  }
  await Promise.all([redis, subscriber].map((client) => connectRedis(client, STARTUP_REDIS_TIMEOUT_MS)));
  const durability = await readDurability(redis);
  const promise = { durability, promise: DURABILITY_PROMISES[durability] };
  if (durability === 'none' && config.redisRequirePersistence) {
    await Promise.allSettled([redis.quit(), subscriber.quit()]);
    throw new StartupError(`REDIS_REQUIRE_PERSISTENCE is set and ${DURABILITY_PROMISES.none}`);
  }
  if (durability === 'none' || durability === 'unknown') log.warn(promise, 'redis persistence');
  else log.info(promise, 'redis persistence');

  const keys = new Keys(config.redisPrefix);
  const pubsub = new PubSub(subscriber);
  const directory = new RedisUserDirectory(redis, keys);
  const pool = new WorkerPool({
    redis: {
      redisTarget: target,
      redisPrefix: config.redisPrefix,
      redisCommandTimeoutMs: config.redisCommandTimeoutMs,
    },
    bcryptCost: config.bcryptCost,
    bcrypt: { threads: config.workerThreads, nice: config.workerNice },
    history: { threads: config.historyWorkerThreads, nice: config.historyWorkerNice },
    maxQueue: config.workerQueueMax,
    inlineHistory: config.historyInPool ? undefined : { redis, keys },
  });

  const accessKeys = new RedisAccessKeys(redis, keys, config.accessKeyTtlMs);
  const presence = new RedisPresence(redis, keys, nodeId);
  const inbox = new RedisInbox(pubsub, keys);
  const control = new ControlTopic(redis, pubsub, keys, {
    nodeId,
    // A key revoked on any node stops working on this one at once.
    onRevoked: (userUUID, keyId) => void userActors.peek(userUUID)?.forgetKey(keyId),
    // The subscription had a gap (a Redis restart, a dropped or silently replaced subscriber): read what was missed.
    onRecovered: () => {
      for (const channel of channelActors.values()) channel.resync();
    },
  });
  // One deps object for every user actor: at 15,000 connections, one each was 1.2 MB.
  const userActorDeps = {
    accessKeys,
    presence,
    inbox,
    revocations: control,
    accessKeyTtlMs: config.accessKeyTtlMs,
    maxConnectionsPerUser: config.maxConnectionsPerUser,
    log,
  };
  const userActors = new ActorRegistry((userUUID) => new UserActor(userUUID, userActorDeps), config.actorIdleMs);
  const feedOf = (channelId: string) => new RedisChannelFeed(redis, pubsub, keys, channelId, nodeId);
  const readerOptions = { checkpointEvery: config.feedCheckpointEvery, checkpointMs: config.feedCheckpointMs };
  const channelActors = new ActorRegistry(
    (channelId) =>
      new ChannelActor(channelId, {
        metrics,
        feed: feedOf(channelId),
        history: new RedisChannelHistory(redis, keys, channelId, config.idempotencyWindowMs),
        markers: new RedisReadMarkers(redis, keys, channelId),
        signals: new RedisChannelSignals(redis, keys, channelId),
        pages: pool,
        names: directory,
        log,
        reader: readerOptions,
        nodeId,
        participants: channelId === PUBLIC_CHANNEL_ID ? undefined : participantsOfChannel(channelId),
      }),
    config.actorIdleMs,
  );
  userActors.start();
  channelActors.start();
  const channelTicks = setInterval(() => {
    for (const channel of channelActors.values()) channel.tick();
  }, config.feedCheckpointMs).unref();

  await control.start();

  const nodeWatch = new NodeWatch({
    nodes: new NodeRegistry(redis, keys, nodeId),
    publicFeed: feedOf(PUBLIC_CHANNEL_ID),
    reassert: async () => {
      for (const user of userActors.values()) await user.reassert();
      for (const channel of channelActors.values()) await channel.reassert();
    },
    log,
    ttlMs: config.nodeTtlMs,
  });
  await nodeWatch.start();

  const services: Services = {
    metrics,
    failures,
    config,
    nodeId,
    log,
    directory,
    conversations: new RedisConversations(redis, keys),
    pool,
    userActors,
    channelActors,
  };
  const running = new ChatServer(services, { pingRedis: () => redis.ping(), durability });
  server = running;
  const port = await running.listen(config.port, config.host);
  log.info({ host: config.host, port, path: WS_PATH, nodeId }, 'listening');
  const warning = originWarning(config);
  if (warning !== undefined) log.warn({ host: config.host }, warning);
  const stopStats =
    config.statsIntervalMs > 0 ? startEventLoopStats(log, config.statsIntervalMs, () => running.connections) : () => {};

  return {
    nodeId,
    port,
    stop: async () => {
      log.info({ connections: running.connections }, 'shutting down');
      await running.close();
      stopStats();
      control.stop();
      clearInterval(channelTicks);
      userActors.stop();
      channelActors.stop();
      await nodeWatch.stop().catch((error: unknown) => log.warn({ err: error }, 'could not leave presence'));
      await pool.close();
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
      metrics.stop();
    },
  };
}
