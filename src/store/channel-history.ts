/**
 * A channel's history in Redis: every message as its JSON object, in lists
 * of 1024 (the first messages of a channel older than those lists are in a
 * stream, read and never written), never trimmed; store/scripts/lib/history.lua
 * reads and writes both forms. Appending a message also appends its push to
 * the channel's feed, in the same script (message-send.lua), so the feed's
 * order is the history's order. Here: the contract the channel actor sees,
 * its Redis form, and the page read the workers run.
 */
import type { ChatMessage, MessagePieces, NewMessage } from '../protocol/responses.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { Script, type WriteOrder } from './script.js';

/** What a send stored, or — a repeat of one stored before — what the first stored. */
export interface Appended {
  /** The message's position in history (1 = oldest). */
  seq: number;
  /** The id of the message's entry in the channel's feed. */
  entryId: number;
  /** Set when the send repeats one stored before: that message's own fields, as stored. Nothing new was stored. */
  original?: Pick<NewMessage, 'UUID' | 'createdAt' | 'message'>;
  /** For a message stored now in a private channel: the recipient's read marker (their unread: seq − it). */
  recipientSeen?: number;
}

export interface ChannelHistory {
  /**
   * Stores `message` — its object, `pieces.head` seq `pieces.tail` — and
   * appends its push (`pieces.pushBefore` object `pieces.pushAfter`) to the
   * channel's feed (published to every node), tagged with `originSession`
   * so that no node pushes it back to the sender. Resolves once both are
   * durably in Redis. With a `clientMessageId` the sender used before in
   * this channel (within the idempotency window), stores nothing and
   * answers with the message stored then.
   *
   * A lost reply is settled by running the send again until Redis answers —
   * for as long as it takes, or until `signal` aborts (the connection is
   * gone): the answer is never a guess. With `order`, the send may
   * overlap the caller's earlier ones and still lands after them.
   */
  append(
    message: NewMessage,
    pieces: MessagePieces,
    originSession: string,
    traceparent: string,
    clientMessageId: string | undefined,
    signal: AbortSignal | undefined,
    order?: WriteOrder,
  ): Promise<Appended>;
}

/** Where a page of history is: past the `offset` newest, or just `before` or `after` a seq. */
export type PagePosition = { offset: number } | { before: number } | { after: number };

export interface HistoryPage {
  /** Messages in the channel. */
  total: number;
  /** Newest first: the messages stored as JSON objects (with `createdAt`) … */
  objects: string[];
  /** … then, older than those, the messages stored in the stream. */
  older: ChatMessage[];
}

type SendReply =
  | [seq: number, entryId: number, repeat: 0, recipientSeen: number]
  | [seq: number, entryId: number, repeat: 1, object: string | null, olderEntry: StreamEntry | null];
const messageSend = new Script<SendReply>('message-send', { keys: 6, args: 11 });
/** One history stream entry as XRANGE/XREVRANGE give it. */
export type StreamEntry = [id: string, fields: string[]];
const historyPage = new Script<[number, string[], string]>('history-page', { keys: 2, args: 4, rerunnable: false });
/** One message of a history-page.lua page in the stream's form. */
type PageEntry = [id: string, uuid: string, sender: string, recipient: string, text: string, createdAt: string];

/** Messages to one of the history's lists: lib/history.lua's HISTORY_BUCKET (a test holds them equal). */
export const HISTORY_BUCKET = 1024;

/** How long a send without a clientMessageId is remembered: longer than any settling of a lost reply might take in practice. */
const SENT_RECORD_TTL_MS = 60_000;

export class RedisChannelHistory implements ChannelHistory {
  readonly #redis: RedisClient;
  readonly #keys: Keys;
  readonly #channelId: string;
  readonly #idempotencyWindowMs: number;

  /** @param idempotencyWindowMs how long a clientMessageId is remembered (IDEMPOTENCY_WINDOW_MS) */
  constructor(redis: RedisClient, keys: Keys, channelId: string, idempotencyWindowMs: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#channelId = channelId;
    this.#idempotencyWindowMs = idempotencyWindowMs;
  }

  async append(
    message: NewMessage,
    pieces: MessagePieces,
    originSession: string,
    traceparent: string,
    clientMessageId: string | undefined,
    signal: AbortSignal | undefined,
    order?: WriteOrder,
  ): Promise<Appended> {
    const k = this.#keys;
    const channelId = this.#channelId;
    const [dedupeKey, dedupeTtlMs] =
      clientMessageId === undefined
        ? [k.channelSent(channelId, message.UUID), SENT_RECORD_TTL_MS]
        : [k.channelClientMessage(channelId, message.senderUUID, clientMessageId), this.#idempotencyWindowMs];
    const reply = await messageSend.run(
      this.#redis,
      [
        k.channelHistory(channelId),
        k.channelMessageCount(channelId),
        k.channelFeed(channelId),
        k.channelFeedCounter(channelId),
        dedupeKey,
        k.channelSeen(channelId),
      ],
      [
        k.channelTopic(channelId),
        k.channelHistoryLists(channelId),
        message.senderUUID,
        message.recipientUUID,
        pieces.head,
        pieces.tail,
        pieces.pushBefore,
        pieces.pushAfter,
        originSession,
        traceparent,
        dedupeTtlMs,
      ],
      signal,
      order,
    );
    if (reply[2] === 0) return { seq: reply[0], entryId: reply[1], recipientSeen: reply[3] };
    const first = storedMessage(reply[3], reply[4])!;
    return {
      seq: reply[0],
      entryId: reply[1],
      original: { UUID: first.UUID, createdAt: first.createdAt, message: first.message },
    };
  }
}

/** A page of the channel's history, newest first, at `position`. */
export async function readHistoryPage(
  redis: RedisClient,
  keys: Keys,
  channelId: string,
  position: PagePosition,
  limit: number,
): Promise<HistoryPage> {
  const [mode, at] =
    'before' in position
      ? ['before', position.before]
      : 'after' in position
        ? ['after', position.after]
        : ['offset', position.offset];
  const [total, objects, older] = await historyPage.run(
    redis,
    [keys.channelHistory(channelId), keys.channelMessageCount(channelId)],
    [keys.channelHistoryLists(channelId), mode, at, limit],
  );
  return { total, objects, older: (JSON.parse(older) as PageEntry[]).map(fromPageEntry) };
}

/** A message as a script read it back: its JSON object, or else its older form's stream entry (null: neither). */
export function storedMessage(object: string | null, olderEntry: StreamEntry | null): ChatMessage | null {
  if (object !== null) return fromMessageJson(object);
  return olderEntry === null ? null : toChatMessage(olderEntry);
}

/**
 * The list holding message `seq` of a channel with no older form: where
 * lib/history.lua puts it, for writing history straight into Redis (the
 * bench's seeding).
 */
export const historyListOf = (keys: Keys, channelId: string, seq: number): string =>
  `${keys.channelHistoryLists(channelId)}${Math.floor((seq - 1) / HISTORY_BUCKET)}`;

/** A message stored as its JSON object (messageJson with `createdAt`). */
function fromMessageJson(json: string): ChatMessage {
  const object = JSON.parse(json) as Omit<ChatMessage, 'recipientUUID' | 'createdAt'> & {
    recipientUUID: string | 0;
    createdAt: string;
  };
  return {
    UUID: object.UUID,
    senderUUID: object.senderUUID,
    recipientUUID: String(object.recipientUUID),
    message: object.message,
    createdAt: Date.parse(object.createdAt),
    seq: object.seq,
  };
}

function fromPageEntry([id, uuid, sender, recipient, text, createdAt]: PageEntry): ChatMessage {
  return {
    UUID: uuid,
    senderUUID: sender,
    recipientUUID: recipient,
    message: text,
    createdAt: Number(createdAt),
    seq: seqOf(id),
  };
}

/** The seq of a history entry's ID `<seq>-0`. */
const seqOf = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/** The message a history stream entry (the older form) holds. */
export function toChatMessage([id, fields]: StreamEntry): ChatMessage {
  const message: ChatMessage = {
    UUID: '',
    senderUUID: '',
    recipientUUID: '',
    message: '',
    createdAt: 0,
    seq: seqOf(id),
  };
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
