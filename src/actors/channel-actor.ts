/**
 * One channel, on this node: the connections joined to it here, and this
 * node's reader of the channel's mailbox (store/channel-mailbox.ts). Sends
 * append to the mailbox; every node's reader applies each entry once, in
 * seq order — a message is pushed to the joined connections, a membership
 * change updates the public channel's members (the actor's state, which
 * snapshots save). Subscribing and unsubscribing go through the local
 * mailbox; sends need no local state and go straight to Redis, which orders
 * them; pushes are delivered as the reader applies them, so a push never
 * waits behind a join, and a join's history read runs outside the mailbox,
 * so it holds nothing else up. A failing Redis call
 * propagates as it is: the session turns it into error 11 (and logs it) in
 * one place.
 */
import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { type ChannelUser, type ChatMessage, channelMessageFrame, messageJson } from '../protocol/responses.js';
import type { ChannelMailbox } from '../store/channel-mailbox.js';
import { appendMessage } from '../store/channel-store.js';
import type { Keys } from '../store/keys.js';
import type { PubSub } from '../store/pubsub.js';
import type { RedisClient } from '../store/redis-client.js';
import type { UserRegistry } from '../store/user-registry.js';
import type { Logger } from '../telemetry/logger.js';
import { contextFromTraceparent, isTracing, traceparentOf, tracer } from '../telemetry/tracing.js';
import type { WorkerPool } from '../workers/pool.js';
import type { Actor } from './actor-registry.js';
import { ChannelMembers } from './channel-members.js';
import { JoinView } from './join-view.js';
import { Mailbox } from './mailbox.js';
import type { MailboxEntry } from './mailbox-entry.js';
import { MailboxReader, type MailboxReaderOptions } from './mailbox-reader.js';
import { type Subscriber, Subscription } from './subscription.js';

export interface ChannelActorDeps {
  redis: RedisClient;
  keys: Keys;
  pubsub: PubSub;
  pool: WorkerPool;
  registry: UserRegistry;
  log: Logger;
  /** The channel's mailbox in Redis, as this node reads it. */
  mailbox: ChannelMailbox;
  reader: MailboxReaderOptions;
  /** This node's id, on trace spans. */
  nodeId: string;
  /** For a private channel, its participants: its `users` list. Undefined for the public channel. */
  participants: string[] | undefined;
}

export interface JoinResult {
  subscription: Subscription;
  /** The latest messages, newest first, as a JSON array with `created_at`. */
  messagesJson: string;
  /** The channel's users, as a JSON array of {UUID, username}. */
  usersJson: string;
}

/** How many messages a join shows. */
const JOIN_HISTORY = 10;
/** Longest wait for a sent message's own push before its response goes anyway (pub/sub down). */
const OWN_PUSH_WAIT_MS = 1000;

export class ChannelActor implements Actor {
  readonly mailbox = new Mailbox();
  readonly channelId: string;
  readonly #deps: ChannelActorDeps;
  readonly #subscriptions = new Map<string, Subscription>();
  /** Joined connections on this node per user (public channel membership). */
  readonly #connectionsPerUser = new Map<string, number>();
  /** Users whose leave could not be recorded yet (Redis down); retried on tick(). */
  readonly #pendingLeaves = new Set<string>();
  /** The public channel's members on every node, as of the last applied entry. */
  #members = new ChannelMembers();
  /** What joins show, shared by the joins on this node while it is current. */
  readonly #joinView: JoinView;
  readonly #reader: MailboxReader;
  #listening = false;

  constructor(channelId: string, deps: ChannelActorDeps) {
    this.channelId = channelId;
    this.#deps = deps;
    this.#joinView = new JoinView({
      readLatest: () => deps.pool.historyPage(channelId, 0, JOIN_HISTORY, 'created_at'),
      readUsersJson: async () => JSON.stringify(await this.#users()),
    });
    this.#reader = new MailboxReader(
      deps.mailbox,
      {
        restore: (stateJson) => {
          this.#members = ChannelMembers.fromSnapshot(stateJson === '' ? {} : JSON.parse(stateJson));
          this.#joinView.reset();
        },
        apply: (entry, deliver) => this.#apply(entry, deliver),
        stateJson: () => JSON.stringify(this.#members.toSnapshot()),
      },
      deps.reader,
      deps.log,
    );
  }

  get #isPublic(): boolean {
    return this.#deps.participants === undefined;
  }

  isEvictable(): boolean {
    return this.#subscriptions.size === 0 && !this.#listening && this.#pendingLeaves.size === 0;
  }

  /** Subscribes the connection (again: harmless) and returns what the join response shows. */
  async join(subscriber: Subscriber): Promise<JoinResult> {
    const { subscription, isNew, seq } = await this.mailbox.post(() => this.#subscribe(subscriber));
    try {
      await this.#reader.appliedUpTo(seq);
      const [page, usersJson] = await Promise.all([this.#joinView.latest(), this.#joinView.usersJson()]);
      subscription.showedUpTo(page.total);
      return { subscription, messagesJson: page.messagesJson, usersJson };
    } catch (error) {
      if (isNew) await this.disconnect(subscriber);
      throw error;
    }
  }

  /** Stops pushes to the connection; not joined is not an error. */
  leave(subscriber: Subscriber): Promise<void> {
    return this.mailbox.post(async () => {
      if (!this.#subscriptions.has(subscriber.sessionUUID)) return;
      await this.#drop(subscriber, true);
      await this.#stopListeningIfUnused();
    });
  }

  /**
   * Stores the message and appends its push to the mailbox; resolves once
   * both are durably in Redis with the message object's JSON (for the
   * sender's response) and the push's mailbox seq.
   */
  send(
    senderUUID: string,
    recipientUUID: string,
    text: string,
    originSession: string,
  ): Promise<{ objectJson: string; seq: number }> {
    // Not through the local mailbox: a send touches no actor state, Redis orders sends, and one
    // send settling a lost reply (store/script.ts) must not hold the others back.
    if (!isTracing()) return this.#store(senderUUID, recipientUUID, text, originSession);
    return tracer.startActiveSpan(
      'chat.channel.send',
      { attributes: { 'wschat.node': this.#deps.nodeId, 'wschat.channel': this.channelId } },
      async (span) => {
        try {
          return await this.#store(senderUUID, recipientUUID, text, originSession);
        } finally {
          span.end();
        }
      },
    );
  }

  /**
   * Resolves once this node has applied every mailbox entry up to `seq`. A
   * sender joined to the channel answers only then, so its connection never
   * sees its response before the push of an earlier message.
   */
  whenPushedUpTo(seq: number): Promise<void> {
    if (!this.#listening) return Promise.resolve();
    return this.#reader.whenApplied(seq, OWN_PUSH_WAIT_MS);
  }

  /** Periodic upkeep: the reader's checkpoint, and leaves Redis could not take before. */
  tick(): void {
    if (this.#listening) this.#reader.tick();
    if (this.#pendingLeaves.size > 0) void this.mailbox.post(() => this.#retryLeaves());
  }

  /** The mailbox topic reconnected: anything published meanwhile is read from the stream. */
  resync(): void {
    if (!this.#listening) return;
    // Entries the topic missed are not applied yet: a join must read history, not reuse a page.
    this.#joinView.reset();
    this.#reader.resync().catch((error: unknown) => {
      // The next tick() reads again, and loads the snapshot first.
      this.#deps.log.warn({ err: error, channelId: this.channelId }, 'mailbox resync failed');
    });
  }

  /** Redis had swept this node as dead: record its joined users again. */
  reassert(): Promise<void> {
    return this.mailbox.post(async () => {
      if (!this.#isPublic) return;
      for (const userUUID of this.#connectionsPerUser.keys()) await this.#deps.mailbox.appendMember('j', userUUID);
    });
  }

  /**
   * The connection is gone: it stops receiving at once, whatever Redis says;
   * a membership record that cannot be removed now is logged.
   */
  disconnect(subscriber: Subscriber): Promise<void> {
    return this.mailbox.post(async () => {
      if (!this.#subscriptions.has(subscriber.sessionUUID)) return;
      await this.#drop(subscriber, false);
      await this.#stopListeningIfUnused();
    });
  }

  /** Stores the message with its push; the mailbox entry carries the active trace. */
  async #store(
    senderUUID: string,
    recipientUUID: string,
    text: string,
    originSession: string,
  ): Promise<{ objectJson: string; seq: number }> {
    const message: ChatMessage = {
      UUID: randomUUID(),
      senderUUID,
      recipientUUID,
      message: text,
      createdAt: Date.now(),
    };
    const objectJson = messageJson(message, 'createdAt');
    const push = channelMessageFrame(objectJson, undefined);
    const { seq } = await appendMessage(
      this.#deps.redis,
      this.#deps.keys,
      this.channelId,
      message,
      push,
      originSession,
      traceparentOf(),
    );
    return { objectJson, seq };
  }

  /** One mailbox entry, in seq order: a push to fan out, or a membership change. */
  #apply(entry: MailboxEntry, deliver: boolean): void {
    if (entry.kind !== 'message') {
      this.#members.apply(entry);
      this.#joinView.membersChanged();
      return;
    }
    this.#joinView.messageApplied(entry.position);
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
                'wschat.seq': entry.seq,
              },
            },
            contextFromTraceparent(entry.traceparent),
          )
        : undefined;
    let offered = 0;
    for (const [sessionUUID, subscription] of this.#subscriptions) {
      if (sessionUUID !== entry.origin) {
        subscription.offer(entry.position, entry.frame);
        offered++;
      }
    }
    span?.setAttribute('wschat.recipients', offered);
    span?.end();
  }

  /**
   * Adds the connection's subscription (held until activated); undone if
   * Redis fails. `seq` is the mailbox entry the join response must reflect.
   */
  async #subscribe(subscriber: Subscriber): Promise<{ subscription: Subscription; isNew: boolean; seq: number }> {
    await this.#listen();
    const existing = this.#subscriptions.get(subscriber.sessionUUID);
    if (existing !== undefined) return { subscription: existing, isNew: false, seq: 0 };
    const subscription = new Subscription(subscriber);
    let seq: number;
    try {
      seq = await this.#addMember(subscriber.userUUID);
    } catch (error) {
      await this.#stopListeningIfUnused();
      throw error;
    }
    this.#subscriptions.set(subscriber.sessionUUID, subscription);
    return { subscription, isNew: true, seq };
  }

  /** Starts reading the mailbox: the topic first, so nothing appended after the snapshot read is missed. */
  async #listen(): Promise<void> {
    if (this.#listening) return;
    const topic = this.#deps.keys.channelTopic(this.channelId);
    await this.#deps.pubsub.subscribe(topic, (payload) => this.#reader.offer(payload));
    try {
      await this.#reader.open();
    } catch (error) {
      await this.#deps.pubsub.unsubscribe(topic).catch(() => {});
      throw error;
    }
    this.#listening = true;
  }

  async #stopListeningIfUnused(): Promise<void> {
    if (!this.#listening || this.#subscriptions.size > 0) return;
    this.#listening = false;
    try {
      await this.#deps.pubsub.unsubscribe(this.#deps.keys.channelTopic(this.channelId));
      await this.#reader.close();
    } catch (error) {
      this.#deps.log.warn({ err: error, channelId: this.channelId }, 'stop reading failed');
    }
  }

  /**
   * Ends the subscription. `strict` (a leave request): if Redis can not
   * record it, nothing changes and the error goes back to the client. Not
   * strict (the connection is gone): it ends regardless, and a leave Redis
   * could not take is retried on tick().
   */
  async #drop(subscriber: Subscriber, strict: boolean): Promise<void> {
    await this.#removeMember(subscriber.userUUID, strict);
    this.#subscriptions.delete(subscriber.sessionUUID);
  }

  /** Counts a joined connection; the user's first on this node is a join entry (public channel). Returns its seq or 0. */
  async #addMember(userUUID: string): Promise<number> {
    if (!this.#isPublic) return 0;
    const connections = this.#connectionsPerUser.get(userUUID) ?? 0;
    let seq = 0;
    if (connections === 0) {
      seq = await this.#deps.mailbox.appendMember('j', userUUID);
      this.#pendingLeaves.delete(userUUID);
    }
    this.#connectionsPerUser.set(userUUID, connections + 1);
    return seq;
  }

  async #removeMember(userUUID: string, strict: boolean): Promise<void> {
    if (!this.#isPublic) return;
    const connections = this.#connectionsPerUser.get(userUUID) ?? 0;
    if (connections > 1) {
      this.#connectionsPerUser.set(userUUID, connections - 1);
      return;
    }
    try {
      await this.#deps.mailbox.appendMember('l', userUUID);
    } catch (error) {
      if (strict) throw error;
      this.#deps.log.warn({ err: error, channelId: this.channelId }, 'leave not recorded yet; retrying');
      this.#pendingLeaves.add(userUUID);
    }
    // The local count follows the connections, whether or not Redis could be told.
    this.#connectionsPerUser.delete(userUUID);
  }

  async #retryLeaves(): Promise<void> {
    for (const userUUID of this.#pendingLeaves) {
      if (!this.#connectionsPerUser.has(userUUID)) {
        try {
          await this.#deps.mailbox.appendMember('l', userUUID);
        } catch {
          return; // Still down: the next tick tries again.
        }
      }
      this.#pendingLeaves.delete(userUUID);
    }
  }

  #users(): Promise<ChannelUser[]> {
    return this.#deps.registry.names(this.#deps.participants ?? this.#members.users());
  }
}
