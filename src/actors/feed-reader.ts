/**
 * A node's reader of one channel's feed. Entries come in two ways: the
 * channel's topic carries each entry as it is appended (the fast path: no
 * extra round trip), and the stream itself is read whenever the topic can't
 * be trusted to be complete — on open, after a gap in entry ids, after a
 * Redis reconnect. Either way each entry is applied once, in order: a node
 * that lost Redis for a moment resumes from the last entry it applied,
 * without gaps or duplicates.
 *
 * Every `checkpointEvery` entries, and on a `tick()` after `checkpointMs`,
 * the reader records how far it has read and saves the actor's state as the
 * channel's snapshot; the store trims the feed once every live reader and
 * the snapshot have passed an entry.
 */
import type { ChannelFeed } from '../store/channel-feed.js';
import { type FeedEntry, parsePublishedEntry } from '../store/feed-entry.js';
import type { Logger } from '../telemetry/logger.js';

export interface FeedReaderOptions {
  /** Checkpoint after this many entries. Default 1000. */
  checkpointEvery: number;
  /** Checkpoint at least this often (ms): it also tells the store this reader is alive. Default 5000. */
  checkpointMs: number;
}

/** What the reader drives: the actor's state and its fan-out. */
export interface FeedConsumer {
  /** Replaces the state with a snapshot's ('' = the empty state). */
  restore(stateJson: string): void;
  /** Applies an entry to the state. `deliver` is false for an entry already pushed before a reopen. */
  apply(entry: FeedEntry, deliver: boolean): void;
  /** The state as JSON, for a snapshot. */
  stateJson(): string;
}

/** Entries per XRANGE. */
const READ_BATCH = 256;
/** A reader that has not checkpointed for this many checkpoint periods stops holding back trimming. */
const STALE_PERIODS = 12;
const MIN_STALE_MS = 60_000;

export class FeedReader {
  readonly #feed: ChannelFeed;
  readonly #consumer: FeedConsumer;
  readonly #options: FeedReaderOptions;
  readonly #log: Logger;
  /** The last entry applied to the state. */
  #appliedId = 0;
  /** The last message entry delivered: never delivered twice, even across a reopen. */
  #deliveredId = 0;
  #opened = false;
  #reading: Promise<void> | undefined;
  #readAgain = false;
  #reopen = false;
  #checkpointedId = 0;
  #checkpointedAt = 0;
  #checkpointing = false;
  /** Waits for an entry to be applied; one timer ends those that wait too long, not one timer each. */
  readonly #waiters: { entryId: number; deadline: number; wake: () => void }[] = [];
  #waitTimer: NodeJS.Timeout | undefined;
  /** When the wait timer fires (ms since the epoch). */
  #waitTimerAt = 0;

  constructor(feed: ChannelFeed, consumer: FeedConsumer, options: FeedReaderOptions, log: Logger) {
    this.#feed = feed;
    this.#consumer = consumer;
    this.#options = options;
    this.#log = log;
  }

  /** Loads the snapshot and everything after it. */
  async open(): Promise<void> {
    this.#reopen = true;
    await this.catchUp();
  }

  /** An entry as published on the channel's topic. */
  offer(payload: Buffer): void {
    if (!this.#opened) return;
    const entry = parsePublishedEntry(payload);
    if (entry === null || entry.id <= this.#appliedId) return;
    // In step: apply it now (a read in flight skips what is applied). Ahead: the topic lost some.
    if (entry.id === this.#appliedId + 1) this.#apply(entry);
    else void this.catchUp().catch((error: unknown) => this.#readFailed(error));
  }

  /** The topic may have missed entries (Redis reconnect): load from the snapshot again. */
  resync(): Promise<void> {
    this.#reopen = true;
    return this.catchUp();
  }

  /**
   * Reads the stream until nothing is newer than what is applied. Calls made
   * while a read runs share one further read, so nothing published meanwhile
   * is left behind.
   */
  catchUp(): Promise<void> {
    if (this.#reading !== undefined) {
      this.#readAgain = true;
      return this.#reading;
    }
    this.#reading = this.#readLoop().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  /** Reads the stream, if need be, until entry `entryId` is applied. */
  async readThrough(entryId: number): Promise<void> {
    // One call is enough: a read already in flight reads once more before it settles.
    if (this.#appliedId < entryId) await this.catchUp();
  }

  /** Resolves once entry `entryId` is applied (by whichever path brings it), or after `timeoutMs` regardless. */
  waitFor(entryId: number, timeoutMs: number): Promise<void> {
    if (this.#appliedId >= entryId) return Promise.resolve();
    return new Promise((resolve) => {
      const now = Date.now();
      const deadline = now + timeoutMs;
      this.#waiters.push({ entryId, deadline, wake: resolve });
      if (this.#waitTimer === undefined || deadline < this.#waitTimerAt) this.#armWaitTimer(deadline, now);
    });
  }

  /**
   * The periodic tick: reads the stream for anything the topic did not bring
   * (a failed read, or entries published while a cluster's subscriber moved
   * between nodes), then checkpoints if `checkpointMs` has passed.
   */
  tick(now = Date.now()): void {
    if (!this.#opened) return;
    void this.catchUp().catch((error: unknown) => this.#readFailed(error));
    if (now - this.#checkpointedAt >= this.#options.checkpointMs) void this.#checkpoint();
  }

  /** This node stops reading: the feed need not be kept for it. */
  async close(): Promise<void> {
    this.#opened = false;
    // Nothing more will be applied here: whoever waits for an entry stops waiting.
    clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.wake();
    await this.#feed.forget();
  }

  #readFailed(error: unknown): void {
    this.#log.warn({ err: error, channelId: this.#feed.channelId }, 'feed read failed');
  }

  async #readLoop(): Promise<void> {
    do {
      this.#readAgain = false;
      if (this.#reopen) await this.#loadSnapshot();
      for (let batch = 0; batch < 10_000; batch++) {
        const entries = await this.#feed.read(this.#appliedId, READ_BATCH);
        if (entries.length > 0 && entries[0]!.id > this.#appliedId + 1) {
          // Trimmed past this reader (it was silent too long): start over from the snapshot.
          this.#log.warn({ channelId: this.#feed.channelId, applied: this.#appliedId }, 'feed trimmed past this node');
          await this.#loadSnapshot();
          continue;
        }
        for (const entry of entries) if (entry.id === this.#appliedId + 1) this.#apply(entry);
        if (entries.length < READ_BATCH) break;
      }
    } while (this.#readAgain);
  }

  async #loadSnapshot(): Promise<void> {
    // Entries published while the open is on its way may be delivered before its reply comes:
    // only what was delivered before it was sent says whether the feed went back.
    const deliveredBefore = this.#deliveredId;
    const snapshot = await this.#feed.open();
    // Cleared only now: a failed open leaves the next read to load the snapshot.
    this.#reopen = false;
    if (snapshot.lastId < deliveredBefore) {
      // Redis lost writes it had acknowledged (a crash with appendfsync everysec): the ids
      // delivered past its end will be handed out again, to new entries, which must be pushed.
      this.#log.error(
        { channelId: this.#feed.channelId, delivered: this.#deliveredId, last: snapshot.lastId },
        'the feed went back: Redis lost acknowledged writes',
      );
      this.#deliveredId = snapshot.lastId;
    }
    // A snapshot past the feed's end, from the same loss, would hide the entries appended from now on.
    const entryId = Math.min(snapshot.entryId, snapshot.lastId);
    if (entryId > this.#deliveredId && this.#opened) {
      this.#log.warn({ channelId: this.#feed.channelId, from: this.#deliveredId, to: entryId }, 'pushes skipped');
    }
    this.#consumer.restore(snapshot.stateJson);
    this.#appliedId = entryId;
    this.#deliveredId = Math.max(this.#deliveredId, entryId);
    this.#checkpointedId = entryId;
    this.#checkpointedAt = Date.now();
    this.#opened = true;
    if (this.#waiters.length > 0) this.#wakeWaiters();
  }

  #apply(entry: FeedEntry): void {
    const deliver = entry.id > this.#deliveredId;
    this.#appliedId = entry.id;
    if (deliver) this.#deliveredId = entry.id;
    this.#consumer.apply(entry, deliver);
    if (this.#waiters.length > 0) this.#wakeWaiters();
    if (this.#appliedId - this.#checkpointedId >= this.#options.checkpointEvery) void this.#checkpoint();
  }

  /** Wakes the waiters whose entry is applied, or (`now` given) whose deadline has passed; returns the earliest deadline left. */
  #wakeWaiters(now?: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i]!;
      if (waiter.entryId <= this.#appliedId || (now !== undefined && waiter.deadline <= now)) {
        this.#waiters.splice(i, 1);
        waiter.wake();
      } else {
        next = Math.min(next, waiter.deadline);
      }
    }
    return next;
  }

  /** The wait timer: wakes the waiters past their deadline, and runs again for the next deadline. */
  #endOverdueWaits(): void {
    this.#waitTimer = undefined;
    const now = Date.now();
    const next = this.#wakeWaiters(now);
    if (next !== Number.POSITIVE_INFINITY) this.#armWaitTimer(next, now);
  }

  #armWaitTimer(at: number, now: number): void {
    clearTimeout(this.#waitTimer);
    this.#waitTimerAt = at;
    this.#waitTimer = setTimeout(() => this.#endOverdueWaits(), at - now);
  }

  async #checkpoint(): Promise<void> {
    if (this.#checkpointing) return;
    this.#checkpointing = true;
    const entryId = this.#appliedId;
    try {
      const staleMs = Math.max(MIN_STALE_MS, STALE_PERIODS * this.#options.checkpointMs);
      await this.#feed.checkpoint(entryId, this.#consumer.stateJson(), staleMs);
      this.#checkpointedId = entryId;
      this.#checkpointedAt = Date.now();
    } catch (error) {
      this.#log.warn({ err: error, channelId: this.#feed.channelId }, 'feed checkpoint failed');
    } finally {
      this.#checkpointing = false;
    }
  }
}
