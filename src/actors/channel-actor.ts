/**
 * One channel, on this node: the connections joined to it here, its pushes
 * (one pub/sub topic, fanned out to them) and the messages sent to it.
 * Subscribing, unsubscribing and sends go through the mailbox; pushes are
 * delivered as they arrive, outside it, so a push never waits behind a send,
 * and a join's history read runs outside it, so a send never waits behind
 * a join. A failing Redis call propagates as it is: the session turns it
 * into error 11 (and logs it) in one place.
 */
import { randomUUID } from 'node:crypto';
import { type ChannelUser, type ChatMessage, channelMessageFrame, messageJson } from '../protocol/responses.js';
import { appendMessage } from '../store/channel-store.js';
import type { Keys } from '../store/keys.js';
import type { NodeMembership } from '../store/node-membership.js';
import type { PubSub } from '../store/pubsub.js';
import type { RedisClient } from '../store/redis-client.js';
import type { UserRegistry } from '../store/user-registry.js';
import type { Logger } from '../telemetry/logger.js';
import type { WorkerPool } from '../workers/pool.js';
import type { Actor } from './actor-registry.js';
import { Mailbox } from './mailbox.js';
import { type Subscriber, Subscription } from './subscription.js';

export interface ChannelActorDeps {
  redis: RedisClient;
  keys: Keys;
  pubsub: PubSub;
  pool: WorkerPool;
  registry: UserRegistry;
  log: Logger;
  /** Who has a connection joined, per node: kept for the public channel only. */
  members: NodeMembership | undefined;
  /** For a private channel, its participants: its `users` list. */
  participants: string[] | undefined;
}

export interface JoinResult {
  subscription: Subscription;
  /** The latest messages, newest first, as a JSON array with `created_at`. */
  messagesJson: string;
  users: ChannelUser[];
}

/** How many messages a join shows. */
const JOIN_HISTORY = 10;
/** Longest wait for a sent message's own push before its response goes anyway (pub/sub down). */
const OWN_PUSH_WAIT_MS = 1000;
const PIPE = 0x7c;

export class ChannelActor implements Actor {
  readonly mailbox = new Mailbox();
  readonly channelId: string;
  readonly #deps: ChannelActorDeps;
  readonly #subscriptions = new Map<string, Subscription>();
  /** Joined connections on this node per user (public channel membership). */
  readonly #connectionsPerUser = new Map<string, number>();
  #listening = false;
  /** History position of the last push fanned out here, and who waits for a later one. */
  #pushedUpTo = 0;
  #pushWaiters: { position: number; wake: () => void }[] = [];

  constructor(channelId: string, deps: ChannelActorDeps) {
    this.channelId = channelId;
    this.#deps = deps;
  }

  isEvictable(): boolean {
    return this.#subscriptions.size === 0 && !this.#listening;
  }

  /** Subscribes the connection (again: harmless) and returns what the join response shows. */
  async join(subscriber: Subscriber): Promise<JoinResult> {
    const { subscription, isNew } = await this.mailbox.post(() => this.#subscribe(subscriber));
    try {
      const [page, users] = await Promise.all([
        this.#deps.pool.historyPage(this.channelId, 0, JOIN_HISTORY, 'created_at'),
        this.#users(),
      ]);
      subscription.showedUpTo(page.total);
      return { subscription, messagesJson: page.messagesJson, users };
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
   * Stores the message and publishes its push; resolves once it is durably
   * stored with the message object's JSON (for the sender's response) and
   * its position in history.
   */
  send(
    senderUUID: string,
    recipientUUID: string,
    text: string,
    originSession: string,
  ): Promise<{ objectJson: string; position: number }> {
    return this.mailbox.post(async () => {
      const message: ChatMessage = {
        UUID: randomUUID(),
        senderUUID,
        recipientUUID,
        message: text,
        createdAt: Date.now(),
      };
      const objectJson = messageJson(message, 'createdAt');
      const push = channelMessageFrame(objectJson, undefined);
      const position = await appendMessage(this.#deps.redis, this.#deps.keys, this.channelId, message, push, originSession);
      return { objectJson, position };
    });
  }

  /**
   * Resolves once this node has fanned out every push up to `position`. A
   * sender joined to the channel answers only then, so its connection never
   * sees its response before the push of an earlier message.
   */
  whenPushedUpTo(position: number): Promise<void> {
    if (!this.#listening || this.#pushedUpTo >= position) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, OWN_PUSH_WAIT_MS);
      this.#pushWaiters.push({
        position,
        wake: () => {
          clearTimeout(timer);
          resolve();
        },
      });
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

  /** A push from the channel's topic: `<position>|<origin session>|<frame>`. */
  #deliver(payload: Buffer): void {
    const first = payload.indexOf(PIPE);
    const second = payload.indexOf(PIPE, first + 1);
    if (first < 1 || second < 0) return;
    const position = Number(payload.toString('latin1', 0, first));
    const origin = payload.toString('latin1', first + 1, second);
    const frame = payload.subarray(second + 1);
    for (const [sessionUUID, subscription] of this.#subscriptions) {
      if (sessionUUID !== origin) subscription.offer(position, frame);
    }
    this.#pushedUpTo = position;
    if (this.#pushWaiters.length > 0) {
      const due = this.#pushWaiters.filter((waiter) => waiter.position <= position);
      this.#pushWaiters = this.#pushWaiters.filter((waiter) => waiter.position > position);
      for (const waiter of due) waiter.wake();
    }
  }

  /** Adds the connection's subscription (held until activated); undone if Redis fails. */
  async #subscribe(subscriber: Subscriber): Promise<{ subscription: Subscription; isNew: boolean }> {
    await this.#listen();
    const existing = this.#subscriptions.get(subscriber.sessionUUID);
    if (existing !== undefined) return { subscription: existing, isNew: false };
    const subscription = new Subscription(subscriber);
    try {
      await this.#addMember(subscriber.userUUID);
    } catch (error) {
      await this.#stopListeningIfUnused();
      throw error;
    }
    this.#subscriptions.set(subscriber.sessionUUID, subscription);
    return { subscription, isNew: true };
  }

  async #listen(): Promise<void> {
    if (this.#listening) return;
    await this.#deps.pubsub.subscribe(this.#deps.keys.channelTopic(this.channelId), (payload) =>
      this.#deliver(payload),
    );
    this.#listening = true;
  }

  async #stopListeningIfUnused(): Promise<void> {
    if (!this.#listening || this.#subscriptions.size > 0) return;
    this.#listening = false;
    try {
      await this.#deps.pubsub.unsubscribe(this.#deps.keys.channelTopic(this.channelId));
    } catch (error) {
      this.#deps.log.warn({ err: error, channelId: this.channelId }, 'unsubscribe failed');
    }
  }

  /**
   * Ends the subscription. `strict` (a leave request): if Redis can not
   * record it, nothing changes and the error goes back to the client. Not
   * strict (the connection is gone): it ends regardless, and a membership
   * record Redis could not drop is logged.
   */
  async #drop(subscriber: Subscriber, strict: boolean): Promise<void> {
    await this.#removeMember(subscriber.userUUID, strict);
    this.#subscriptions.delete(subscriber.sessionUUID);
  }

  async #addMember(userUUID: string): Promise<void> {
    const members = this.#deps.members;
    if (members === undefined) return;
    const connections = this.#connectionsPerUser.get(userUUID) ?? 0;
    if (connections === 0) await members.add(userUUID);
    this.#connectionsPerUser.set(userUUID, connections + 1);
  }

  async #removeMember(userUUID: string, strict: boolean): Promise<void> {
    const members = this.#deps.members;
    if (members === undefined) return;
    const connections = this.#connectionsPerUser.get(userUUID) ?? 0;
    if (connections > 1) {
      this.#connectionsPerUser.set(userUUID, connections - 1);
      return;
    }
    try {
      await members.remove(userUUID);
    } catch (error) {
      if (strict) throw error;
      this.#deps.log.warn({ err: error, channelId: this.channelId }, 'stale channel membership left behind');
    }
    // The local count follows the connections, whether or not Redis could be told.
    this.#connectionsPerUser.delete(userUUID);
  }

  async #users(): Promise<ChannelUser[]> {
    const { members, participants } = this.#deps;
    return this.#deps.registry.names(participants ?? (await members!.members()));
  }
}
