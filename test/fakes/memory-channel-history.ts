/**
 * An in-memory ChannelHistory and the HistoryPages joins read, with the
 * store's semantics: a message's seq is its position (1 = oldest); storing
 * it appends its push to the channel's feed in the same step. Appends can
 * be made to fail, and page reads held back, to model Redis.
 */
import { type ChatMessage, messageJson, type TimeKey } from '../../src/protocol/responses.js';
import type { ChannelHistory } from '../../src/store/channel-history.js';
import type { HistoryPageResult, HistoryPages } from '../../src/workers/history-page.js';
import { Gate } from '../helpers/async.js';
import type { MemoryChannelFeed } from './memory-channel-feed.js';

export class MemoryChannelHistory implements ChannelHistory {
  readonly feed: MemoryChannelFeed;
  readonly messages: ChatMessage[] = [];
  /** The next this many appends throw (Redis down). */
  failAppends = 0;

  constructor(feed: MemoryChannelFeed) {
    this.feed = feed;
  }

  async append(
    message: ChatMessage,
    pushFrame: string,
    originSession: string,
    traceparent: string,
  ): Promise<{ seq: number; entryId: number }> {
    if (this.failAppends > 0) {
      this.failAppends--;
      throw new Error('append failed (fake)');
    }
    this.messages.push(message);
    const seq = this.messages.length;
    this.feed.appendMessage(seq, Buffer.from(pushFrame), originSession, traceparent);
    return { seq, entryId: this.feed.lastEntryId };
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

  async historyPage(channelId: string, offset: number, limit: number, timeKey: TimeKey): Promise<HistoryPageResult> {
    this.reads++;
    const all = this.#historyOf(channelId).messages;
    const newestFirst = all
      .slice(0, Math.max(0, all.length - offset))
      .reverse()
      .slice(0, limit);
    const result = {
      total: all.length,
      received: newestFirst.length,
      messagesJson: `[${newestFirst.map((m) => messageJson(m, timeKey)).join(',')}]`,
    };
    await this.#replies.passed();
    return result;
  }
}
