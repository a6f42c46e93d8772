/**
 * A node wired as chat-node.ts wires one — the real actors, registries and
 * handlers — over the in-memory store: what the session and actor unit
 * tests run against, with every part reachable for the test to inspect or
 * to make fail.
 */

import { ActorRegistry } from '../../src/actors/actor-registry.js';
import { ChannelActor } from '../../src/actors/channel-actor.js';
import { UserActor } from '../../src/actors/user-actor.js';
import { loadConfig } from '../../src/config.js';
import type { Services } from '../../src/handlers/context.js';
import { PUBLIC_CHANNEL_ID, participantsOfChannel } from '../../src/store/channel-id.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { NO_METRICS } from '../../src/telemetry/metrics.js';
import { RepeatFilter } from '../../src/telemetry/repeat-filter.js';
import { FAKE_NODE, MemoryChannelFeed } from './memory-channel-feed.js';
import { MemoryChannelHistory, MemoryHistoryPages } from './memory-channel-history.js';
import { MemoryChannelSignals, MemoryConversations, MemoryInbox, MemoryReadMarkers } from './memory-signals.js';
import {
  ManualRevocationWatch,
  MemoryAccessKeys,
  MemoryPresence,
  MemoryUserDirectory,
  MemoryWorkers,
} from './memory-users.js';

export interface MemoryNode {
  services: Services;
  /** The channel's feed (made on first use). */
  feedOf(channelId: string): MemoryChannelFeed;
  /** The channel's history (made on first use). */
  historyOf(channelId: string): MemoryChannelHistory;
  pages: MemoryHistoryPages;
  presence: MemoryPresence;
  accessKeys: MemoryAccessKeys;
  revocations: ManualRevocationWatch;
  inbox: MemoryInbox;
  directory: MemoryUserDirectory;
}

/** @param env settings as environment variables (config.ts defaults otherwise) */
export function memoryNode(env: Record<string, string> = {}): MemoryNode {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const log = createLogger('silent');
  const feeds = new Map<string, MemoryChannelFeed>();
  const histories = new Map<string, MemoryChannelHistory>();
  const feedOf = (channelId: string): MemoryChannelFeed => {
    let feed = feeds.get(channelId);
    if (feed === undefined) feeds.set(channelId, (feed = new MemoryChannelFeed(channelId, FAKE_NODE)));
    return feed;
  };
  const historyOf = (channelId: string): MemoryChannelHistory => {
    let history = histories.get(channelId);
    if (history === undefined) histories.set(channelId, (history = new MemoryChannelHistory(feedOf(channelId))));
    return history;
  };
  const pages = new MemoryHistoryPages(historyOf);
  const presence = new MemoryPresence();
  const accessKeys = new MemoryAccessKeys();
  const revocations = new ManualRevocationWatch();
  const inbox = new MemoryInbox();
  const directory = new MemoryUserDirectory(presence);
  const userActors = new ActorRegistry(
    (userUUID) =>
      new UserActor(userUUID, {
        accessKeys,
        presence,
        inbox,
        revocations,
        accessKeyTtlMs: config.accessKeyTtlMs,
        maxConnectionsPerUser: config.maxConnectionsPerUser,
        log,
      }),
    config.actorIdleMs,
  );
  const channelActors = new ActorRegistry(
    (channelId) =>
      new ChannelActor(channelId, {
        metrics: NO_METRICS,
        feed: feedOf(channelId),
        history: historyOf(channelId),
        markers: new MemoryReadMarkers(historyOf(channelId)),
        signals: new MemoryChannelSignals(historyOf(channelId)),
        pages,
        names: directory,
        log,
        reader: { checkpointEvery: config.feedCheckpointEvery, checkpointMs: config.feedCheckpointMs },
        nodeId: FAKE_NODE,
        participants: channelId === PUBLIC_CHANNEL_ID ? undefined : participantsOfChannel(channelId),
      }),
    config.actorIdleMs,
  );
  const services: Services = {
    metrics: NO_METRICS,
    failures: new RepeatFilter(log),
    config,
    nodeId: FAKE_NODE,
    log,
    directory,
    conversations: new MemoryConversations(historyOf, inbox),
    pool: new MemoryWorkers(pages),
    userActors,
    channelActors,
  };
  return { services, feedOf, historyOf, pages, presence, accessKeys, revocations, inbox, directory };
}
