/**
 * Read markers: per channel and user, the seq of the last message the user
 * has seen. A marker never moves back nor past the newest message; sending
 * a message moves the sender's to it (message-send.lua), so one's own
 * messages are never unread. The markers live in the channel's slot, beside
 * its history, so each move is one atomic script on a cluster too.
 */
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

export interface ReadMarkers {
  /**
   * Moves the reader's marker to max(current, min(seq, newest)) and answers
   * it. When it moved and a `receipt` is given — the receipt push in two
   * halves around the marker — publishes it as a channelSeen signal.
   */
  markSeen(readerUUID: string, seq: number, receipt: readonly [string, string] | undefined): Promise<number>;
}

const channelSeen = new Script<number>('channel-seen', { keys: 3, args: 5 });

export class RedisReadMarkers implements ReadMarkers {
  readonly #redis: RedisClient;
  readonly #keys: Keys;
  readonly #channelId: string;

  constructor(redis: RedisClient, keys: Keys, channelId: string) {
    this.#redis = redis;
    this.#keys = keys;
    this.#channelId = channelId;
  }

  markSeen(readerUUID: string, seq: number, receipt: readonly [string, string] | undefined): Promise<number> {
    const k = this.#keys;
    return channelSeen.run(
      this.#redis,
      [k.channelHistory(this.#channelId), k.channelMessageCount(this.#channelId), k.channelSeen(this.#channelId)],
      [readerUUID, seq, k.channelTopic(this.#channelId), receipt?.[0] ?? '', receipt?.[1] ?? ''],
    );
  }
}
