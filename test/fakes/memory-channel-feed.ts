/**
 * An in-memory ChannelFeed with the store's semantics: entries with ids
 * 1, 2, … in append order; a snapshot {entryId, stateJson} replaced only by
 * a newer one; trimming. A read's result is fixed when it is called (Redis
 * runs the XRANGE then); its reply can be held back to model a slow round
 * trip, and any call can be made to fail. Published payloads go to the
 * listener on a later tick, like pub/sub, unless `publishing` is off (then
 * they only collect in `published`, for a test to offer or drop).
 */
import type { ChannelFeed, Snapshot } from '../../src/store/channel-feed.js';
import type { FeedEntry } from '../../src/store/feed-entry.js';
import { Gate } from '../helpers/async.js';

export const FAKE_SESSION = '6f9353ba-92c6-41c2-89f2-60b350bf67e7';
export const FAKE_NODE = 'node-a';

export class MemoryChannelFeed implements ChannelFeed {
  readonly channelId: string;
  readonly nodeId: string;
  entries: FeedEntry[] = [];
  lastEntryId = 0;
  snapshot: Omit<Snapshot, 'lastId'> = { entryId: 0, stateJson: '' };
  /** Every payload published, in order. */
  readonly published: Buffer[] = [];
  /** Whether published payloads reach the listener (on the next tick). */
  publishing = true;
  readonly reads: number[] = [];
  readonly checkpoints: { entryId: number; stateJson: string; staleMs: number }[] = [];
  opens = 0;
  forgets = 0;
  /** The next this many calls of each kind throw. */
  failOpens = 0;
  failReads = 0;
  failCheckpoints = 0;
  failAppends = 0;
  /** Hold read and open replies back while closed. */
  readonly #reads = new Gate();
  readonly #opens = new Gate();
  #listener: ((payload: Buffer) => void) | undefined;

  constructor(channelId = 'pub', nodeId = FAKE_NODE) {
    this.channelId = channelId;
    this.nodeId = nodeId;
  }

  get listening(): boolean {
    return this.#listener !== undefined;
  }

  /** Appends a message entry whose seq is its id (as message-send.lua would in a feed of messages only); returns its payload. */
  append(origin = FAKE_SESSION): Buffer {
    const id = this.lastEntryId + 1;
    return this.appendMessage(id, Buffer.from(`{"m":${id},"t":"a|b"}`), origin);
  }

  /** Appends `count` message entries; returns their payloads. */
  appendMany(count: number): Buffer[] {
    return Array.from({ length: count }, () => this.append());
  }

  /** Appends and publishes a message entry (message-send.lua's part in the feed); returns its payload. */
  appendMessage(seq: number, frame: Buffer, origin: string, traceparent = ''): Buffer {
    const id = ++this.lastEntryId;
    this.entries.push({ id, kind: 'message', seq, origin, traceparent, frame });
    return this.publish(Buffer.concat([Buffer.from(`${id}|m|${seq}|${origin}|${traceparent}|`), frame]));
  }

  /** Another node's checkpoint at `entryId` (its state: the ids 1..entryId), then trims what it passed. */
  snapshotAndTrim(entryId: number): void {
    this.snapshot = { entryId, stateJson: JSON.stringify(Array.from({ length: entryId }, (_, i) => i + 1)) };
    this.entries = this.entries.filter((entry) => entry.id > entryId);
  }

  /** Holds read replies until the returned function is called. */
  hold(): () => void {
    return this.#reads.hold();
  }

  /** Holds open replies (their content fixed when called) until the returned function is called. */
  holdOpens(): () => void {
    return this.#opens.hold();
  }

  async listen(onPublished: (payload: Buffer) => void): Promise<void> {
    this.#listener = onPublished;
  }

  async unlisten(): Promise<void> {
    this.#listener = undefined;
  }

  appendJoin(userUUID: string): Promise<number> {
    return this.#appendMembership('j', userUUID, this.nodeId);
  }

  appendLeave(userUUID: string): Promise<number> {
    return this.#appendMembership('l', userUUID, this.nodeId);
  }

  appendNodeGone(nodeId: string): Promise<number> {
    return this.#appendMembership('g', '', nodeId);
  }

  async open(): Promise<Snapshot> {
    this.opens++;
    if (this.failOpens > 0) {
      this.failOpens--;
      throw new Error('open failed (fake)');
    }
    const snapshot = { ...this.snapshot, lastId: this.lastEntryId };
    await this.#opens.passed();
    return snapshot;
  }

  async lastId(): Promise<number> {
    return this.lastEntryId;
  }

  async read(afterId: number, count: number): Promise<FeedEntry[]> {
    this.reads.push(afterId);
    const failing = this.failReads > 0;
    if (failing) this.failReads--;
    const result = this.entries.filter((entry) => entry.id > afterId).slice(0, count);
    await this.#reads.passed();
    if (failing) throw new Error('read failed (fake)');
    return result;
  }

  async checkpoint(entryId: number, stateJson: string, staleMs: number): Promise<number> {
    this.checkpoints.push({ entryId, stateJson, staleMs });
    if (this.failCheckpoints > 0) {
      this.failCheckpoints--;
      throw new Error('checkpoint failed (fake)');
    }
    if (entryId > this.snapshot.entryId) this.snapshot = { entryId, stateJson };
    return this.snapshot.entryId;
  }

  async forget(): Promise<void> {
    this.forgets++;
  }

  async #appendMembership(kind: 'j' | 'l' | 'g', userUUID: string, nodeId: string): Promise<number> {
    if (this.failAppends > 0) {
      this.failAppends--;
      throw new Error('append failed (fake)');
    }
    const id = ++this.lastEntryId;
    if (kind === 'g') this.entries.push({ id, kind: 'nodeGone', nodeId });
    else this.entries.push({ id, kind: kind === 'j' ? 'join' : 'leave', userUUID, nodeId });
    this.publish(Buffer.from(`${id}|${kind}|${userUUID}|${nodeId}`));
    return id;
  }

  /** Publishes on the channel's topic (feed entries, and signals). */
  publish(payload: Buffer): Buffer {
    this.published.push(payload);
    if (this.publishing) {
      setImmediate(() => this.#listener?.(payload));
    }
    return payload;
  }
}
