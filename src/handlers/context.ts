/**
 * What a handler gets: the node's services, the connection it serves, and
 * the authenticated caller. A handler returns the response frame (or
 * throws a ProtocolError); the session sends it.
 */

import type { ActorRegistry } from '../actors/actor-registry.js';
import type { ChannelActor } from '../actors/channel-actor.js';
import type { FewSet } from '../actors/few.js';
import type { Subscriber } from '../actors/subscription.js';
import type { UserActor } from '../actors/user-actor.js';
import type { Config } from '../config.js';
import type { RequestOf, RequestType, WatchableEvent } from '../protocol/requests.js';
import type { TextPieces } from '../protocol/responses.js';
import type { Conversations } from '../store/conversations.js';
import type { WriteOrder } from '../store/script.js';
import type { UserDirectory } from '../store/user-directory.js';
import type { Logger } from '../telemetry/logger.js';
import type { ChatMetrics } from '../telemetry/metrics.js';
import type { RepeatFilter } from '../telemetry/repeat-filter.js';
import type { Workers } from '../workers/pool.js';

export interface Services {
  config: Config;
  /** This node's id (logs, traces, presence records). */
  nodeId: string;
  log: Logger;
  /** Users' names, password hashes and the sorted list. */
  directory: UserDirectory;
  /** Each user's conversation list. */
  conversations: Conversations;
  /** bcrypt and history pages, off the event loop. */
  pool: Workers;
  userActors: ActorRegistry<UserActor>;
  channelActors: ActorRegistry<ChannelActor>;
  metrics: ChatMetrics;
  /** Where identical failures (a Redis outage) are logged once per interval with a count. */
  failures: RepeatFilter;
}

/** The connection as handlers see it. */
export interface ConnectionHandle extends Subscriber {
  /** Binds the connection to a user (signIn, signUp); a different user drops its subscriptions first. */
  bind(userUUID: string): Promise<void>;
  /** Unbinds it and drops its subscriptions (signOut). */
  unbind(): Promise<void>;
  /** The channels this connection is joined to. */
  readonly joined: FewSet;
  /** The client's address: the peer's, or what a trusted proxy says it is (TRUST_PROXY). */
  readonly address: string;
  /** Aborts when the connection closes: nobody is left to answer. */
  readonly closedSignal: AbortSignal;
  /**
   * Replaces the pushes the connection asked for with `events`; answers them
   * as now set. If the inbox can not be listened to, nothing changes.
   */
  watch(events: readonly WatchableEvent[]): Promise<WatchableEvent[]>;
}

export interface RequestContext {
  services: Services;
  connection: ConnectionHandle;
  /** The caller of an authenticated request; for signIn/signUp, empty. */
  caller: { userUUID: string; keyId: string };
  /** The request's `id`, echoed on the response. */
  id: string | undefined;
  /** Where the request's Redis write stands among the connection's overlapping ones (channelMessage). */
  order: WriteOrder;
}

/** A response frame, or one (maybe in pieces) with work to do right after it is sent. */
export type Reply = string | { frame: string | TextPieces; afterSend(): void };

export type Handler<T extends RequestType> = (ctx: RequestContext, request: RequestOf<T>) => Promise<Reply>;
