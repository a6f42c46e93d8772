/**
 * A user's inbox topic: the pushes of new messages from others in their
 * private channels, published by conversation-indexed.lua when the message
 * is indexed, and received by every node with a connection of that user
 * watching `inbox` — joined to the channel or not. Like every signal, an
 * inbox push is not kept for a node that is not listening.
 */
import type { Keys } from './keys.js';
import type { PubSub } from './pubsub.js';

export interface Inbox {
  /** Delivers the user's inbox pushes from now on (one listener per user). */
  listen(userUUID: string, onPush: (frame: Buffer) => void): Promise<void>;
  unlisten(userUUID: string): Promise<void>;
}

export class RedisInbox implements Inbox {
  readonly #pubsub: PubSub;
  readonly #keys: Keys;

  constructor(pubsub: PubSub, keys: Keys) {
    this.#pubsub = pubsub;
    this.#keys = keys;
  }

  listen(userUUID: string, onPush: (frame: Buffer) => void): Promise<void> {
    return this.#pubsub.subscribe(this.#keys.userInboxTopic(userUUID), onPush);
  }

  unlisten(userUUID: string): Promise<void> {
    return this.#pubsub.unsubscribe(this.#keys.userInboxTopic(userUUID));
  }
}
