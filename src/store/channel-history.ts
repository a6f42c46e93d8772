/**
 * A channel's history in Redis: a stream whose seq-th message has the entry
 * ID `<seq>-0`, never trimmed. Appending a message also appends its push to
 * the channel's feed, in the same script (message-send.lua), so the feed's
 * order is the history's order. Here: the contract the channel actor sees,
 * its Redis form, and the page read the workers run.
 */
import type { ChatMessage } from '../protocol/responses.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

export interface ChannelHistory {
  /**
   * Stores `message` and appends `pushFrame` to the channel's feed (published
   * to every node), tagged with `originSession` so that no node pushes it
   * back to the sender. Resolves once both are durably in Redis with the
   * message's seq (1 = oldest) and its feed entry's id.
   */
  append(
    message: ChatMessage,
    pushFrame: string,
    originSession: string,
    traceparent: string,
  ): Promise<{ seq: number; entryId: number }>;
}

export interface HistoryPage {
  /** Messages in the channel. */
  total: number;
  /** Newest first. */
  messages: ChatMessage[];
}

const messageSend = new Script<[seq: number, entryId: number]>('message-send', { keys: 4, args: 10 });
type StreamEntry = [id: string, fields: string[]];
const historyPage = new Script<[number, StreamEntry[]]>('history-page', { keys: 1, args: 2, rerunnable: false });

/** How long a send is remembered for deduplication: longer than any settling of a lost reply (script.ts). */
const SENT_RECORD_TTL_MS = 60_000;

export class RedisChannelHistory implements ChannelHistory {
  readonly #redis: RedisClient;
  readonly #keys: Keys;
  readonly #channelId: string;

  constructor(redis: RedisClient, keys: Keys, channelId: string) {
    this.#redis = redis;
    this.#keys = keys;
    this.#channelId = channelId;
  }

  async append(
    message: ChatMessage,
    pushFrame: string,
    originSession: string,
    traceparent: string,
  ): Promise<{ seq: number; entryId: number }> {
    const k = this.#keys;
    const channelId = this.#channelId;
    const [seq, entryId] = await messageSend.run(
      this.#redis,
      [
        k.channelHistory(channelId),
        k.channelFeed(channelId),
        k.channelFeedCounter(channelId),
        k.channelSent(channelId, message.UUID),
      ],
      [
        k.channelTopic(channelId),
        message.UUID,
        message.senderUUID,
        message.recipientUUID,
        message.message,
        message.createdAt,
        pushFrame,
        originSession,
        traceparent,
        SENT_RECORD_TTL_MS,
      ],
    );
    return { seq, entryId };
  }
}

/** Messages `offset` … `offset + limit - 1` counted from the newest. */
export async function readHistoryPage(
  redis: RedisClient,
  keys: Keys,
  channelId: string,
  offset: number,
  limit: number,
): Promise<HistoryPage> {
  const [total, entries] = await historyPage.run(redis, [keys.channelHistory(channelId)], [offset, limit]);
  return { total, messages: entries.map(toChatMessage) };
}

function toChatMessage([, fields]: StreamEntry): ChatMessage {
  const message: ChatMessage = { UUID: '', senderUUID: '', recipientUUID: '', message: '', createdAt: 0 };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    switch (fields[i]) {
      case 'id':
        message.UUID = value;
        break;
      case 's':
        message.senderUUID = value;
        break;
      case 'r':
        message.recipientUUID = value;
        break;
      case 'm':
        message.message = value;
        break;
      case 't':
        message.createdAt = Number(value);
        break;
    }
  }
  return message;
}
