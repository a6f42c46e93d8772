/**
 * In-memory read markers, signals, conversation lists and inbox topics,
 * with the store's semantics (store/read-markers.ts, channel-signals.ts,
 * conversations.ts, inbox.ts): markers never move back nor past the newest
 * message; signals and receipts travel on the channel's topic; a
 * conversation list is ordered by newest message, ties by the other UUID.
 */
import { channelIdFor, PUBLIC_CHANNEL_ID } from '../../src/store/channel-id.js';
import { type ChannelSignals, signalPayload } from '../../src/store/channel-signals.js';
import type { ConversationSummary, Conversations } from '../../src/store/conversations.js';
import type { Inbox } from '../../src/store/inbox.js';
import type { ReadMarkers } from '../../src/store/read-markers.js';
import type { MemoryChannelHistory } from './memory-channel-history.js';

/** The markers live in the channel's history fake, where sends move the sender's too. */
export class MemoryReadMarkers implements ReadMarkers {
  readonly #history: MemoryChannelHistory;

  constructor(history: MemoryChannelHistory) {
    this.#history = history;
  }

  async markSeen(readerUUID: string, seq: number, receipt: readonly [string, string] | undefined): Promise<number> {
    const current = this.#history.seen.get(readerUUID) ?? 0;
    const marker = Math.max(current, Math.min(seq, this.#history.messages.length));
    if (marker > current) {
      this.#history.seen.set(readerUUID, marker);
      if (receipt !== undefined) {
        this.#history.feed.publish(
          Buffer.from(signalPayload('channelSeen', readerUUID, `${receipt[0]}${marker}${receipt[1]}`)),
        );
      }
    }
    return marker;
  }
}

export class MemoryChannelSignals implements ChannelSignals {
  readonly #history: MemoryChannelHistory;

  constructor(history: MemoryChannelHistory) {
    this.#history = history;
  }

  async typing(typistUUID: string, frame: string): Promise<void> {
    this.#history.feed.publish(Buffer.from(signalPayload('typing', typistUUID, frame)));
  }
}

export class MemoryInbox implements Inbox {
  readonly #listeners = new Map<string, (frame: Buffer) => void>();

  async listen(userUUID: string, onPush: (frame: Buffer) => void): Promise<void> {
    this.#listeners.set(userUUID, onPush);
  }

  async unlisten(userUUID: string): Promise<void> {
    this.#listeners.delete(userUUID);
  }

  listening(userUUID: string): boolean {
    return this.#listeners.has(userUUID);
  }

  /** What conversation-indexed.lua's PUBLISH does. */
  push(userUUID: string, frame: string): void {
    this.#listeners.get(userUUID)?.(Buffer.from(frame));
  }
}

/** Lists straight from the histories; marks are counted but need no repair in memory. */
export class MemoryConversations implements Conversations {
  /** user → other participant → the newest message indexed. */
  readonly #index = new Map<string, Map<string, { seq: number; createdAt: number }>>();
  readonly #historyOf: (channelId: string) => MemoryChannelHistory;
  readonly #inbox: MemoryInbox;
  marks = 0;

  constructor(historyOf: (channelId: string) => MemoryChannelHistory, inbox: MemoryInbox) {
    this.#historyOf = historyOf;
    this.#inbox = inbox;
  }

  async markPending(): Promise<void> {
    this.marks++;
  }

  async indexed(
    userUUID: string,
    otherUUID: string,
    message: { seq: number; createdAt: number },
    inboxPush: string | undefined,
  ): Promise<void> {
    const index = this.#index.get(userUUID) ?? new Map();
    this.#index.set(userUUID, index);
    if (message.seq > (index.get(otherUUID)?.seq ?? 0)) index.set(otherUUID, message);
    if (inboxPush !== undefined) this.#inbox.push(userUUID, inboxPush);
  }

  async page(
    userUUID: string,
    offset: number,
    limit: number,
  ): Promise<{ total: number; channels: ConversationSummary[] }> {
    const others = [...(this.#index.get(userUUID) ?? new Map()).entries()]
      .sort(([a, x], [b, y]) => y.createdAt - x.createdAt || (a < b ? -1 : 1))
      .map(([other]) => other);
    const all = ['0', ...others].slice(offset, offset + limit);
    return { total: others.length + 1, channels: all.map((recipient) => this.#summary(userUUID, recipient)) };
  }

  #summary(userUUID: string, recipientUUID: string): ConversationSummary {
    const channelId = recipientUUID === '0' ? PUBLIC_CHANNEL_ID : channelIdFor(userUUID, recipientUUID);
    const history = this.#historyOf(channelId);
    return {
      recipientUUID,
      messagesTotal: history.messages.length,
      lastMessage: history.messages.at(-1) ?? null,
      seenSeq: history.seen.get(userUUID) ?? 0,
    };
  }
}
