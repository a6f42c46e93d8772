/**
 * An in-memory ChannelHistory and the HistoryPages joins read, with the
 * store's semantics: a message's seq is its position (1 = oldest); storing
 * it appends its push to the channel's feed in the same step; a repeat of
 * a sender's clientMessageId (or of a message UUID) stores nothing and
 * answers with the first. Appends can be made to fail, and page reads held
 * back, to model Redis.
 */
import { type ChatMessage, type MessagePieces, messageJson, type NewMessage } from '../../src/protocol/responses.js';
import type { Appended, ChannelHistory } from '../../src/store/channel-history.js';
import type { WriteOrder } from '../../src/store/script.js';
import type { HistoryPageResult, HistoryPages, HistoryPageTask } from '../../src/workers/history-page.js';
import { Gate } from '../helpers/async.js';
import type { MemoryChannelFeed } from './memory-channel-feed.js';

export class MemoryChannelHistory implements ChannelHistory {
  readonly feed: MemoryChannelFeed;
  readonly messages: ChatMessage[] = [];
  /** Read markers: user → the seq of the last message they have seen (message-send.lua moves the sender's). */
  readonly seen = new Map<string, number>();
  /** The next this many appends throw (Redis down). */
  failAppends = 0;
  /** What each send stored: by `<sender> <clientMessageId>`, or by message UUID without one. */
  readonly #sends = new Map<string, { seq: number; entryId: number }>();

  constructor(feed: MemoryChannelFeed) {
    this.feed = feed;
  }

  async append(
    message: NewMessage,
    pieces: MessagePieces,
    originSession: string,
    traceparent: string,
    clientMessageId: string | undefined,
    _signal?: AbortSignal,
    order?: WriteOrder,
  ): Promise<Appended> {
    try {
      return this.#append(message, pieces, originSession, traceparent, clientMessageId);
    } finally {
      // Stored (or refused) in the order called, as Redis runs one connection's commands: the next may follow.
      order?.sent();
    }
  }

  #append(
    message: NewMessage,
    pieces: MessagePieces,
    originSession: string,
    traceparent: string,
    clientMessageId: string | undefined,
  ): Appended {
    if (this.failAppends > 0) {
      this.failAppends--;
      throw new Error('append failed (fake)');
    }
    const key = clientMessageId === undefined ? message.UUID : `${message.senderUUID} ${clientMessageId}`;
    const before = this.#sends.get(key);
    if (before !== undefined) {
      const { UUID, createdAt, message: text } = this.messages[before.seq - 1]!;
      return { ...before, original: { UUID, createdAt, message: text } };
    }
    const seq = this.messages.length + 1;
    this.messages.push({ ...message, seq });
    const { head, tail, pushBefore, pushAfter } = pieces;
    this.feed.appendMessage(
      seq,
      Buffer.from(`${pushBefore}${head}${seq}${tail}${pushAfter}`),
      originSession,
      traceparent,
    );
    const stored = { seq, entryId: this.feed.lastEntryId };
    this.#sends.set(key, stored);
    this.seen.set(message.senderUUID, seq);
    const recipientSeen = message.recipientUUID === '0' ? 0 : (this.seen.get(message.recipientUUID) ?? 0);
    return { ...stored, recipientSeen };
  }
}

/** History pages of the channels `historyOf` gives, built as the workers build them. */
export class MemoryHistoryPages implements HistoryPages {
  readonly #historyOf: (channelId: string) => MemoryChannelHistory;
  /** How many pages were read. */
  reads = 0;
  /** Holds page replies back while closed (a page's content is fixed when the read starts, as Redis's is). */
  readonly #replies = new Gate();

  constructor(historyOf: (channelId: string) => MemoryChannelHistory) {
    this.#historyOf = historyOf;
  }

  /** Holds page replies until the returned function is called. */
  hold(): () => void {
    return this.#replies.hold();
  }

  async historyPage({ channelId, position, limit, timeKey }: HistoryPageTask): Promise<HistoryPageResult> {
    this.reads++;
    const all = this.#historyOf(channelId).messages;
    const newestFirst = [...all].reverse();
    const page =
      'before' in position
        ? newestFirst.filter((m) => m.seq < position.before).slice(0, limit)
        : 'after' in position
          ? newestFirst.filter((m) => m.seq > position.after).slice(-limit)
          : newestFirst.slice(position.offset, position.offset + limit);
    const result = { total: all.length, items: page.map((m) => messageJson(m, timeKey)) };
    await this.#replies.passed();
    return result;
  }
}
