/**
 * A channel's history in Redis: appending a message (stored, indexed and
 * published in one script) and reading a page of it.
 */
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

const messageSend = new Script<[position: number, seq: number]>('message-send');
/** How long a send is remembered for deduplication: longer than any settling of a lost reply (script.ts). */
const SENT_RECORD_TTL_MS = 60_000;
type StreamEntry = [id: string, fields: string[]];
const historyPage = new Script<[number, StreamEntry[]]>('history-page', { rerunnable: false });

/** A message as stored: the fields of one history stream entry. */
export interface StoredMessage {
  UUID: string;
  senderUUID: string;
  /** '0' for the public channel, else the recipient's UUID. */
  recipientUUID: string;
  message: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

export interface HistoryPage {
  /** Messages in the channel. */
  total: number;
  /** Newest first. */
  messages: StoredMessage[];
}

/**
 * Stores `message` in the channel's history and appends `pushFrame` to the
 * channel's mailbox (published to every node), tagged with `originSession`
 * so that no node pushes it back to the sender. Returns the message's
 * position in history (1 = oldest) and its mailbox seq.
 */
export async function appendMessage(
  redis: RedisClient,
  keys: Keys,
  channelId: string,
  message: StoredMessage,
  pushFrame: string,
  originSession: string,
  traceparent: string,
): Promise<{ position: number; seq: number }> {
  const [position, seq] = await messageSend.run(
    redis,
    [
      keys.channelLog(channelId),
      keys.channelMailbox(channelId),
      keys.channelSeq(channelId),
      keys.channelSent(channelId, message.UUID),
    ],
    [
      keys.channelTopic(channelId),
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
  return { position, seq };
}

/** Messages `offset` … `offset + limit - 1` counted from the newest. */
export async function readHistoryPage(
  redis: RedisClient,
  keys: Keys,
  channelId: string,
  offset: number,
  limit: number,
): Promise<HistoryPage> {
  const [total, entries] = await historyPage.run(redis, [keys.channelLog(channelId)], [offset, limit]);
  return { total, messages: entries.map(toStoredMessage) };
}

function toStoredMessage([, fields]: StreamEntry): StoredMessage {
  const message: StoredMessage = { UUID: '', senderUUID: '', recipientUUID: '', message: '', createdAt: 0 };
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
