/**
 * A channel's feed: the stream every node's channel actor reads, in order —
 * messages' pushes (appended by message-send.lua together with the message)
 * and the public channel's membership changes. Entries have ids 1, 2, …;
 * each is published on the channel's topic as it is appended, and the
 * stream keeps it until every reader and the latest snapshot of the actor's
 * state have passed it. Here: the contract the actors see, and its Redis form.
 */
import { type FeedEntry, parseStreamEntry } from './feed-entry.js';
import type { Keys } from './keys.js';
import type { PubSub } from './pubsub.js';
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

export interface Snapshot {
  /** The last entry the state includes (0: none). */
  entryId: number;
  /** The state as JSON ('' when there is no snapshot yet). */
  stateJson: string;
  /** The last entry id the feed has handed out, as of the snapshot's read (0: none). */
  lastId: number;
}

export interface ChannelFeed {
  readonly channelId: string;
  /** Delivers every entry published from now on, as its raw topic payload. */
  listen(onPublished: (payload: Buffer) => void): Promise<void>;
  /** Stops delivering published entries. */
  unlisten(): Promise<void>;
  /** Appends (and publishes) "the user joined on this node"; returns the entry's id. */
  appendJoin(userUUID: string): Promise<number>;
  /** Appends (and publishes) "the user left on this node"; returns the entry's id. */
  appendLeave(userUUID: string): Promise<number>;
  /** Appends (and publishes) "that node is gone, with every user joined on it"; returns the entry's id. */
  appendNodeGone(nodeId: string): Promise<number>;
  /** The latest snapshot; registers this node as a reader from there. */
  open(): Promise<Snapshot>;
  /** The id of the last entry appended so far (0: none). */
  lastId(): Promise<number>;
  /** Up to `count` entries after `afterId`, in order. */
  read(afterId: number, count: number): Promise<FeedEntry[]>;
  /**
   * Records that this node has read up to `entryId`, saves `stateJson` as
   * the snapshot at `entryId` if it is newer, and trims what every live
   * reader has passed (readers silent for `staleMs` no longer hold it back).
   * Returns the id trimmed up to.
   */
  checkpoint(entryId: number, stateJson: string, staleMs: number): Promise<number>;
  /** This node reads the feed no more (or `nodeId`, a dead node, never will). */
  forget(nodeId?: string): Promise<void>;
}

const feedMembership = new Script<number>('feed-membership', { keys: 2, args: 4 });
const feedOpen = new Script<[snapshot: string, lastId: number]>('feed-open', { keys: 3, args: 2 });
const feedCheckpoint = new Script<number>('feed-checkpoint', { keys: 3, args: 5 });

export class RedisChannelFeed implements ChannelFeed {
  readonly channelId: string;
  readonly #redis: RedisClient;
  readonly #pubsub: PubSub;
  readonly #keys: Keys;
  readonly #nodeId: string;

  constructor(redis: RedisClient, pubsub: PubSub, keys: Keys, channelId: string, nodeId: string) {
    this.#redis = redis;
    this.#pubsub = pubsub;
    this.#keys = keys;
    this.channelId = channelId;
    this.#nodeId = nodeId;
  }

  listen(onPublished: (payload: Buffer) => void): Promise<void> {
    return this.#pubsub.subscribe(this.#keys.channelTopic(this.channelId), onPublished);
  }

  unlisten(): Promise<void> {
    return this.#pubsub.unsubscribe(this.#keys.channelTopic(this.channelId));
  }

  appendJoin(userUUID: string): Promise<number> {
    return this.#appendMembership('j', userUUID, this.#nodeId);
  }

  appendLeave(userUUID: string): Promise<number> {
    return this.#appendMembership('l', userUUID, this.#nodeId);
  }

  appendNodeGone(nodeId: string): Promise<number> {
    return this.#appendMembership('g', '', nodeId);
  }

  async open(): Promise<Snapshot> {
    const k = this.#keys;
    const [raw, lastId] = await feedOpen.run(
      this.#redis,
      [k.channelSnapshot(this.channelId), k.channelFeedReaders(this.channelId), k.channelFeedCounter(this.channelId)],
      [this.#nodeId, Date.now()],
    );
    const bar = raw.indexOf('|');
    return { entryId: Number(raw.slice(0, bar)), stateJson: raw.slice(bar + 1), lastId };
  }

  async lastId(): Promise<number> {
    return Number(await this.#redis.get(this.#keys.channelFeedCounter(this.channelId)));
  }

  async read(afterId: number, count: number): Promise<FeedEntry[]> {
    const raw = (await this.#redis.xrangeBuffer(
      this.#keys.channelFeed(this.channelId),
      `${afterId + 1}-0`,
      '+',
      'COUNT',
      count,
    )) as unknown as [Buffer, Buffer[]][];
    const entries: FeedEntry[] = [];
    for (const [id, fields] of raw) {
      const entry = parseStreamEntry(id, fields);
      if (entry !== null) entries.push(entry);
    }
    return entries;
  }

  checkpoint(entryId: number, stateJson: string, staleMs: number): Promise<number> {
    const k = this.#keys;
    return feedCheckpoint.run(
      this.#redis,
      [k.channelSnapshot(this.channelId), k.channelFeedReaders(this.channelId), k.channelFeed(this.channelId)],
      [this.#nodeId, Date.now(), entryId, stateJson, staleMs],
    );
  }

  async forget(nodeId = this.#nodeId): Promise<void> {
    await this.#redis.hdel(this.#keys.channelFeedReaders(this.channelId), nodeId);
  }

  /** Membership entry kinds as stored: joined, left, node gone. */
  #appendMembership(kind: 'j' | 'l' | 'g', userUUID: string, nodeId: string): Promise<number> {
    const k = this.#keys;
    return feedMembership.run(
      this.#redis,
      [k.channelFeed(this.channelId), k.channelFeedCounter(this.channelId)],
      [k.channelTopic(this.channelId), kind, userUUID, nodeId],
    );
  }
}
