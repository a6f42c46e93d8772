/**
 * One channel, on this node: the connections joined to it here, and this
 * node's reader of the channel's feed (store/channel-feed.ts). Sends append
 * to history and the feed in one step; every node's reader applies each
 * feed entry once, in order — a message is pushed to the joined
 * connections, a membership change updates the public channel's members
 * (the actor's state, which snapshots save).
 *
 * Subscribing and unsubscribing go through the actor's mailbox; sends need
 * no local state and go straight to Redis, which orders them; pushes are
 * delivered as the reader applies them, so a push never waits behind a
 * join, and a join's history read runs outside the mailbox, so it holds
 * nothing else up. A failing Redis call propagates as it is: the session
 * turns it into error 11 (and logs it) in one place.
 */

import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import {
  channelSeenPushHalves,
  jsonArray,
  messageHead,
  messagePieces,
  type NewMessage,
  type TextPieces,
  typingPush,
} from '../protocol/responses.js';
import type { ChannelFeed } from '../store/channel-feed.js';
import type { ChannelHistory } from '../store/channel-history.js';
import { type ChannelSignals, isSignal, parseSignal } from '../store/channel-signals.js';
import type { FeedEntry } from '../store/feed-entry.js';
import type { ReadMarkers } from '../store/read-markers.js';
import type { WriteOrder } from '../store/script.js';
import type { UserNames } from '../store/user-directory.js';
import type { Logger } from '../telemetry/logger.js';
import type { ChatMetrics } from '../telemetry/metrics.js';
import { contextFromTraceparent, isTracing, traceparentOf, tracer, withSpan } from '../telemetry/tracing.js';
import type { HistoryPages } from '../workers/history-page.js';
import type { Actor } from './actor-registry.js';
import { ChannelMembers } from './channel-members.js';
import { FeedReader, type FeedReaderOptions } from './feed-reader.js';
import type { LatestPage } from './join-view.js';
import { JoinView } from './join-view.js';
import { Mailbox } from './mailbox.js';
import { MemberList } from './member-list.js';
import { PublicMembership } from './public-membership.js';
import { type Subscriber, Subscription } from './subscription.js';

export interface ChannelActorDeps {
  metrics: ChatMetrics;
  /** The channel's feed, as this node reads it. */
  feed: ChannelFeed;
  history: ChannelHistory;
  /** Its users' read markers. */
  markers: ReadMarkers;
  /** Typing and receipts: told to the channel's connections, kept by nobody. */
  signals: ChannelSignals;
  /** Where joins read the latest messages (the worker pool). */
  pages: HistoryPages;
  names: UserNames;
  log: Logger;
  reader: FeedReaderOptions;
  /** This node's id, on trace spans. */
  nodeId: string;
  /** For a private channel, its participants: its `users` list. Undefined for the public channel. */
  participants: string[] | undefined;
}

export interface JoinResult {
  subscription: Subscription;
  /** The messages the response shows, newest first, as a JSON array with `created_at`. */
  messagesJson: string;
  /** The channel's users, as a JSON array of {UUID, username} (in pieces for the public channel). */
  usersJson: string | TextPieces;
  /** For a join with `since`: whether the messages run without a gap from `since + 1`. */
  recovered: boolean | undefined;
}

export interface SendRequest {
  senderUUID: string;
  /** What the sender named: '0' or the other participant (or themselves, for their notes). */
  recipientUUID: string;
  text: string;
  /** The sending session: no node pushes the message back to it. */
  originSession: string;
  /** The sender's own id for the send: a repeat within the idempotency window stores nothing. */
  clientMessageId: string | undefined;
  /** Aborts when nobody waits for the answer any more (the connection closed). */
  signal: AbortSignal | undefined;
  /** For a send that overlaps the connection's earlier ones: keeps it behind them in Redis. */
  order?: WriteOrder;
}

export interface SendResult {
  /** The stored message object's JSON up to its seq (responses.ts messageHead), with `createdAt`. */
  head: string;
  seq: number;
  /** When it was stored (ms since the epoch). */
  createdAt: number;
  /** The id of the message's entry in the channel's feed. */
  entryId: number;
  /** True when the send repeated one stored before: nothing was stored or pushed now. */
  repeated: boolean;
  /** For a message stored now: the recipient's read marker in the channel (0 in the public channel). */
  recipientSeen: number;
}

/** How many messages a join without `since` shows. */
const JOIN_HISTORY = 10;
/** The most messages a join with `since` shows; past it the client pages the rest with `before`. */
const RECOVERY_LIMIT = 100;
/** Longest wait for a sent message's own push before its response goes anyway (pub/sub down). */
const OWN_PUSH_WAIT_MS = 1000;

export class ChannelActor implements Actor {
  readonly mailbox = new Mailbox();
  readonly channelId: string;
  readonly #deps: ChannelActorDeps;
  readonly #subscriptions = new Map<string, Subscription>();
  /** This node's share of the public channel's members; undefined for a private channel. */
  readonly #membership: PublicMembership | undefined;
  /** The public channel's members on every node, as of the last applied entry. */
  #members = new ChannelMembers();
  /** The public channel's members as its joins show them; undefined for a private channel. */
  readonly #memberList: MemberList | undefined;
  /** What joins show, shared by the joins on this node while it is current. */
  readonly #joinView: JoinView;
  readonly #reader: FeedReader;
  #listening = false;

  constructor(channelId: string, deps: ChannelActorDeps) {
    this.channelId = channelId;
    this.#deps = deps;
    const isPublic = deps.participants === undefined;
    this.#membership = isPublic ? new PublicMembership(deps.feed, deps.log) : undefined;
    this.#memberList = isPublic ? new MemberList(deps.names) : undefined;
    this.#joinView = new JoinView({
      readLatest: (count) =>
        deps.pages.historyPage({ channelId, position: { offset: 0 }, limit: count, timeKey: 'created_at' }),
      // Only a private channel's joins read this (its participants): the public channel's is the member list.
      readUsersJson: async () => JSON.stringify(await deps.names.names(deps.participants ?? [])),
    });
    this.#reader = new FeedReader(
      deps.feed,
      {
        restore: (stateJson) => {
          this.#members = ChannelMembers.fromSnapshot(stateJson === '' ? {} : JSON.parse(stateJson));
          this.#memberList?.replace(this.#members.users());
          this.#joinView.reset();
        },
        apply: (entry, deliver) => this.#apply(entry, deliver),
        stateJson: () => JSON.stringify(this.#members.toSnapshot()),
      },
      deps.reader,
      deps.log,
    );
  }

  isEvictable(): boolean {
    return this.#subscriptions.size === 0 && !this.#listening && !this.#membership?.hasPendingLeaves;
  }

  /**
   * Subscribes the connection (again: harmless) and returns what the join
   * response shows: every message stored before the join was asked for is
   * in it or, if newer than its page, pushed after it. Without `since`, the
   * latest JOIN_HISTORY messages; with it, those after `since` (at most
   * RECOVERY_LIMIT) and whether they reach back to it.
   */
  async join(subscriber: Subscriber, since: number | undefined): Promise<JoinResult> {
    const { subscription, isNew, entryId } = await this.mailbox.post(() => this.#subscribe(subscriber));
    try {
      // This node applies the feed through the join's own entry, or (no entry: a private channel, a
      // second join) through the last one Redis has: a page reused from an earlier join is then only
      // reused if it holds every message stored before this join.
      await this.#reader.readThrough(entryId > 0 ? entryId : await this.#deps.feed.lastId());
      const [page, usersJson] = await Promise.all([
        this.#joinView.latest(since === undefined ? JOIN_HISTORY : RECOVERY_LIMIT),
        this.#memberList?.json(subscriber.userUUID) ?? this.#joinView.usersJson(),
      ]);
      subscription.markShown(page.total);
      return { subscription, usersJson, ...shown(page, since) };
    } catch (error) {
      if (isNew) await this.disconnect(subscriber);
      throw error;
    }
  }

  /**
   * Stops pushes to the connection (a leave request); not joined is not an
   * error. If Redis can not record the leave, nothing changes and the
   * error propagates.
   */
  leave(subscriber: Subscriber): Promise<void> {
    return this.mailbox.post(() => this.#unsubscribe(subscriber, true));
  }

  /**
   * The connection is gone: it stops receiving at once, whatever Redis says;
   * a leave Redis can not take now is retried on tick().
   */
  disconnect(subscriber: Subscriber): Promise<void> {
    return this.mailbox.post(() => this.#unsubscribe(subscriber, false));
  }

  /**
   * Stores the message and appends its push to the feed; resolves once both
   * are durably in Redis.
   */
  send(request: SendRequest): Promise<SendResult> {
    // Not through the mailbox: a send touches no actor state, Redis orders sends, and one
    // send settling a lost reply (store/script.ts) must not hold the others back.
    return withSpan(
      'chat.channel.send',
      () => ({ attributes: { 'wschat.node': this.#deps.nodeId, 'wschat.channel': this.channelId } }),
      () => this.#store(request),
    );
  }

  /**
   * Resolves once this node has applied every feed entry up to `entryId`
   * (or after OWN_PUSH_WAIT_MS). A sender joined to the channel answers only
   * then, so its connection never sees its response before the push of an
   * earlier message.
   */
  waitUntilPushed(entryId: number): Promise<void> {
    if (!this.#listening) return Promise.resolve();
    return this.#reader.waitFor(entryId, OWN_PUSH_WAIT_MS);
  }

  /**
   * Moves `readerUUID`'s read marker (never back, never past the newest) and
   * answers it. In a private channel (not one's notes) a marker that moved
   * is pushed as a receipt to the other participant's joined connections
   * that watch `channelSeen`; `recipient` is the channel as the reader names it.
   */
  markSeen(readerUUID: string, recipient: string, seq: number): Promise<number> {
    const toOther = this.#deps.participants !== undefined && this.#deps.participants.length === 2;
    return this.#deps.markers.markSeen(
      readerUUID,
      seq,
      toOther ? channelSeenPushHalves(readerUUID, recipient) : undefined,
    );
  }

  /** Tells the channel's joined connections that watch `typing`, on every node, but the typist's own. */
  typing(typistUUID: string, recipient: string, typing: boolean): Promise<void> {
    return this.#deps.signals.typing(typistUUID, typingPush(typistUUID, recipient, typing));
  }

  /** Periodic upkeep: the reader's checkpoint, and leaves Redis could not take before. */
  tick(): void {
    if (this.#listening) this.#reader.tick();
    const membership = this.#membership;
    if (membership?.hasPendingLeaves) void this.mailbox.post(() => membership.retryLeaves());
  }

  /** The topic reconnected: anything published meanwhile is read from the stream. */
  resync(): void {
    if (!this.#listening) return;
    this.#deps.metrics.feedResynced();
    // Entries the topic missed are not applied yet: a join must read history, not reuse a page.
    this.#joinView.reset();
    this.#reader.resync().catch((error: unknown) => {
      // The next tick() reads again, and loads the snapshot first.
      this.#deps.log.warn({ err: error, channelId: this.channelId }, 'feed resync failed');
    });
  }

  /** Redis had swept this node as dead: record its joined users again. */
  reassert(): Promise<void> {
    return this.mailbox.post(async () => {
      await this.#membership?.reassert();
    });
  }

  /**
   * Stores the message with its push, framed once here and completed with
   * its seq in Redis; the feed entry carries the active trace. A repeat of
   * an earlier send answers with the message stored then.
   */
  async #store(request: SendRequest): Promise<SendResult> {
    const message: NewMessage = {
      UUID: randomUUID(),
      senderUUID: request.senderUUID,
      recipientUUID: request.recipientUUID,
      message: request.text,
      createdAt: Date.now(),
    };
    const head = messageHead(message, 'createdAt');
    const { seq, entryId, original, recipientSeen } = await this.#deps.history.append(
      message,
      messagePieces(head),
      request.originSession,
      // Tracing off, no span is active here: nothing to inject (the propagator costs ~4 µs a send, cold).
      isTracing() ? traceparentOf() : '',
      request.clientMessageId,
      request.signal,
      request.order,
    );
    if (original === undefined) {
      this.#deps.metrics.messageStored();
      return { head, seq, createdAt: message.createdAt, entryId, repeated: false, recipientSeen: recipientSeen ?? 0 };
    }
    const first = { ...message, ...original };
    return {
      head: messageHead(first, 'createdAt'),
      seq,
      createdAt: first.createdAt,
      entryId,
      repeated: true,
      recipientSeen: 0,
    };
  }

  /** A signal from any node: to every joined connection that watches its kind, but its sender's own. */
  #signal(payload: Buffer): void {
    const signal = parseSignal(payload);
    if (signal === null) return;
    for (const subscription of this.#subscriptions.values()) {
      const { subscriber } = subscription;
      if (subscriber.userUUID !== signal.fromUserUUID && subscriber.watches(signal.kind)) {
        subscription.offerSignal(signal.frame);
      }
    }
  }

  /** One feed entry, in order: a push to fan out, or a membership change. */
  #apply(entry: FeedEntry, deliver: boolean): void {
    if (entry.kind !== 'message') {
      const { added, removed } = this.#members.apply(entry);
      if (added !== undefined) this.#memberList?.added(added);
      for (const userUUID of removed) this.#memberList?.removed(userUUID);
      return;
    }
    this.#joinView.messageApplied(entry.seq);
    if (!deliver) return;
    const span =
      entry.traceparent !== '' && isTracing()
        ? tracer.startSpan(
            'chat.push',
            {
              kind: SpanKind.CONSUMER,
              attributes: {
                'wschat.node': this.#deps.nodeId,
                'wschat.channel': this.channelId,
                'wschat.entry': entry.id,
              },
            },
            contextFromTraceparent(entry.traceparent),
          )
        : undefined;
    let offered = 0;
    for (const [sessionUUID, subscription] of this.#subscriptions) {
      if (sessionUUID !== entry.origin) {
        subscription.offer(entry.seq, entry.frame);
        offered++;
      }
    }
    span?.setAttribute('wschat.recipients', offered);
    span?.end();
    if (offered > 0) this.#deps.metrics.pushed(offered, lagSince(entry.frame));
  }

  /**
   * Adds the connection's subscription (held until activated); undone if
   * Redis fails. `entryId` is the feed entry the join response must reflect.
   */
  async #subscribe(subscriber: Subscriber): Promise<{ subscription: Subscription; isNew: boolean; entryId: number }> {
    await this.#listen();
    const existing = this.#subscriptions.get(subscriber.sessionUUID);
    if (existing !== undefined) return { subscription: existing, isNew: false, entryId: 0 };
    const subscription = new Subscription(subscriber);
    let entryId = 0;
    try {
      if (this.#membership !== undefined) entryId = await this.#membership.add(subscriber.userUUID);
    } catch (error) {
      await this.#stopListeningIfUnused();
      throw error;
    }
    this.#subscriptions.set(subscriber.sessionUUID, subscription);
    return { subscription, isNew: true, entryId };
  }

  async #unsubscribe(subscriber: Subscriber, strict: boolean): Promise<void> {
    if (!this.#subscriptions.has(subscriber.sessionUUID)) return;
    await this.#membership?.remove(subscriber.userUUID, strict);
    this.#subscriptions.delete(subscriber.sessionUUID);
    await this.#stopListeningIfUnused();
  }

  /** Starts reading the feed: the topic first, so nothing appended after the snapshot read is missed. */
  async #listen(): Promise<void> {
    if (this.#listening) return;
    const feed = this.#deps.feed;
    await feed.listen((payload) => (isSignal(payload) ? this.#signal(payload) : this.#reader.offer(payload)));
    try {
      await this.#reader.open();
    } catch (error) {
      await feed.unlisten().catch(() => {});
      throw error;
    }
    this.#listening = true;
  }

  async #stopListeningIfUnused(): Promise<void> {
    if (!this.#listening || this.#subscriptions.size > 0) return;
    this.#listening = false;
    try {
      await this.#deps.feed.unlisten();
      await this.#reader.close();
    } catch (error) {
      this.#deps.log.warn({ err: error, channelId: this.channelId }, 'stop reading failed');
    }
  }
}

/**
 * What a join shows of its page: the latest JOIN_HISTORY messages without
 * `since`; with it, the messages after `since` — all of them when there are
 * at most RECOVERY_LIMIT (`recovered`), else the newest RECOVERY_LIMIT — or,
 * for a `since` past the newest message (state this server never had), the
 * newest RECOVERY_LIMIT, not recovered.
 */
function shown(page: LatestPage, since: number | undefined): { messagesJson: string; recovered: boolean | undefined } {
  if (since === undefined) return { messagesJson: jsonArray(page.items.slice(0, JOIN_HISTORY)), recovered: undefined };
  const newer = page.total - since;
  if (newer < 0 || newer > RECOVERY_LIMIT) {
    return { messagesJson: jsonArray(page.items.slice(0, RECOVERY_LIMIT)), recovered: false };
  }
  return { messagesJson: jsonArray(page.items.slice(0, newer)), recovered: true };
}

const CREATED_AT = Buffer.from('"createdAt":"');
/** The ISO time's length: 2024-01-01T00:00:00.000Z. */
const ISO_LENGTH = 24;

/** Seconds since the message in a push frame was stored (its `createdAt`, read without parsing the frame). */
function lagSince(frame: Buffer): number {
  const at = frame.indexOf(CREATED_AT);
  if (at === -1) return 0;
  const start = at + CREATED_AT.length;
  return Math.max(0, Date.now() - Date.parse(frame.toString('latin1', start, start + ISO_LENGTH))) / 1000;
}
