/**
 * Each user's conversation list: the public channel first, then their
 * private channels holding at least one message, newest message first.
 *
 * A user's index lives in the user's hash slot and a channel's messages in
 * the channel's, so on a Redis Cluster a send can not update both in one
 * script. The index is kept from drifting by a mark written before the
 * message is stored: the sending node marks the conversation in both
 * participants' indexes (conversation-pending.lua), stores the message,
 * then puts the conversation in its place and clears its mark
 * (conversation-indexed.lua). A node that dies in between leaves the mark;
 * the next list of that user repairs every marked conversation from its
 * channel — which holds the truth — before it reads the page. So a
 * conversation is never missing or misordered beyond the next request that
 * lists it. docs/architecture.md has the whole argument.
 */
import type { ChatMessage } from '../protocol/responses.js';
import { type StreamEntry, storedMessage } from './channel-history.js';
import { channelIdFor, PUBLIC_CHANNEL_ID } from './channel-id.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

/** What a list shows of one channel for its user. */
export interface ConversationSummary {
  /** '0' for the public channel, else the other participant (the user, for their notes). */
  recipientUUID: string;
  messagesTotal: number;
  lastMessage: ChatMessage | null;
  /** The user's read marker in the channel (0 when never set). */
  seenSeq: number;
}

export interface Conversations {
  /** Before a message is stored in the user's conversation with `otherUUID`: marks it as possibly behind. */
  markPending(userUUID: string, otherUUID: string): Promise<void>;
  /**
   * After: puts the conversation in its place by the message, clears one
   * mark, and publishes `inboxPush` (if given) to the user's watching
   * connections on every node.
   */
  indexed(
    userUUID: string,
    otherUUID: string,
    message: Pick<ChatMessage, 'seq' | 'createdAt'>,
    inboxPush: string | undefined,
  ): Promise<void>;
  /** A page of the user's list (the public channel counts as its first entry), marked conversations repaired first. */
  page(userUUID: string, offset: number, limit: number): Promise<{ total: number; channels: ConversationSummary[] }>;
}

const conversationPending = new Script<number>('conversation-pending', { keys: 1, args: 2 });
const conversationIndexed = new Script<0 | 1>('conversation-indexed', { keys: 3, args: 5 });
const conversationRepair = new Script<0 | 1>('conversation-repair', { keys: 3, args: 5 });
const conversationsPage = new Script<[number, string[], string[]]>('conversations-page', {
  keys: 2,
  args: 2,
  rerunnable: false,
});
const channelSummary = new Script<[number, number, string | null, StreamEntry | null]>('channel-summary', {
  keys: 3,
  args: 2,
  rerunnable: false,
});

/**
 * How long a mark outlives the send that left it before a list may clear
 * it: longer than any send takes, short of Redis being away that long (and
 * a send that ends even later indexes its message itself).
 */
const MARK_GRACE_MS = 60_000;
/** A list reads its page again after repairing at most this many times (marks keep coming under load). */
const REPAIR_ROUNDS = 2;

export class RedisConversations implements Conversations {
  readonly #redis: RedisClient;
  readonly #keys: Keys;

  constructor(redis: RedisClient, keys: Keys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async markPending(userUUID: string, otherUUID: string): Promise<void> {
    await conversationPending.run(
      this.#redis,
      [this.#keys.userConversationsPending(userUUID)],
      [otherUUID, Date.now()],
    );
  }

  async indexed(
    userUUID: string,
    otherUUID: string,
    message: Pick<ChatMessage, 'seq' | 'createdAt'>,
    inboxPush: string | undefined,
  ): Promise<void> {
    await conversationIndexed.run(this.#redis, this.#indexKeys(userUUID), [
      otherUUID,
      message.seq,
      message.createdAt,
      this.#keys.userInboxTopic(userUUID),
      inboxPush ?? '',
    ]);
  }

  async page(
    userUUID: string,
    offset: number,
    limit: number,
  ): Promise<{ total: number; channels: ConversationSummary[] }> {
    const k = this.#keys;
    // The public channel is the list's first entry; the index holds the rest.
    const withPublic = offset === 0;
    const privateOffset = withPublic ? 0 : offset - 1;
    const privateCount = withPublic ? limit - 1 : limit;
    for (let round = 0; ; round++) {
      const [privateTotal, others, marked] = await conversationsPage.run(
        this.#redis,
        [k.userConversations(userUUID), k.userConversationsPending(userUUID)],
        [privateOffset, privateCount],
      );
      if (marked.length > 0 && round < REPAIR_ROUNDS) {
        await Promise.all(marked.map((other) => this.#repair(userUUID, other)));
        continue;
      }
      const recipients = withPublic ? ['0', ...others] : others;
      const channels = await Promise.all(recipients.map((recipient) => this.#summary(userUUID, recipient)));
      return { total: privateTotal + 1, channels };
    }
  }

  /** Puts a marked conversation in its place from its channel. */
  async #repair(userUUID: string, otherUUID: string): Promise<void> {
    const { messagesTotal, lastMessage } = await this.#summary(userUUID, otherUUID);
    await conversationRepair.run(this.#redis, this.#indexKeys(userUUID), [
      otherUUID,
      messagesTotal,
      lastMessage?.createdAt ?? 0,
      Date.now(),
      MARK_GRACE_MS,
    ]);
  }

  async #summary(userUUID: string, recipientUUID: string): Promise<ConversationSummary> {
    const channelId = recipientUUID === '0' ? PUBLIC_CHANNEL_ID : channelIdFor(userUUID, recipientUUID);
    const k = this.#keys;
    const [messagesTotal, seenSeq, newest, newestOlder] = await channelSummary.run(
      this.#redis,
      [k.channelHistory(channelId), k.channelMessageCount(channelId), k.channelSeen(channelId)],
      [k.channelHistoryLists(channelId), userUUID],
    );
    return { recipientUUID, messagesTotal, lastMessage: storedMessage(newest, newestOlder), seenSeq };
  }

  #indexKeys(userUUID: string): string[] {
    const k = this.#keys;
    return [k.userConversations(userUUID), k.userConversationSeqs(userUUID), k.userConversationsPending(userUUID)];
  }
}
