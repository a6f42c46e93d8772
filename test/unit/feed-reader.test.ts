import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { type FeedConsumer, FeedReader, type FeedReaderOptions } from '../../src/actors/feed-reader.js';
import type { FeedEntry } from '../../src/store/feed-entry.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { MemoryChannelFeed } from '../fakes/memory-channel-feed.js';
import { isSettled, settle } from '../helpers/async.js';

const log = createLogger('silent');

/**
 * The actor's state is the list of ids applied since the last restore; its
 * JSON is what snapshots hold. Every apply is recorded with its deliver flag.
 */
class FakeConsumer implements FeedConsumer {
  state: number[] = [];
  readonly restores: string[] = [];
  readonly applied: { id: number; deliver: boolean }[] = [];

  restore(stateJson: string): void {
    this.restores.push(stateJson);
    this.state = stateJson === '' ? [] : (JSON.parse(stateJson) as number[]);
  }

  apply(entry: FeedEntry, deliver: boolean): void {
    this.applied.push({ id: entry.id, deliver });
    this.state.push(entry.id);
  }

  stateJson(): string {
    return JSON.stringify(this.state);
  }

  get appliedSeqs(): number[] {
    return this.applied.map((a) => a.id);
  }

  get delivered(): number[] {
    return this.applied.filter((a) => a.deliver).map((a) => a.id);
  }
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

function setup(options: Partial<FeedReaderOptions> = {}): {
  feed: MemoryChannelFeed;
  consumer: FakeConsumer;
  reader: FeedReader;
} {
  const feed = new MemoryChannelFeed();
  const consumer = new FakeConsumer();
  const reader = new FeedReader(feed, consumer, { checkpointEvery: 1000, checkpointMs: 60_000, ...options }, log);
  return { feed, consumer, reader };
}

/** Asserts the reader has applied exactly the entries up to `entryId`, as a waiter for them sees it. */
async function assertAppliedThrough(reader: FeedReader, entryId: number): Promise<void> {
  if (entryId > 0) assert.equal(await isSettled(reader.waitFor(entryId, 50)), true, `entry ${entryId} is applied`);
  const next = reader.waitFor(entryId + 1, 50);
  assert.equal(await isSettled(next), false, `entry ${entryId + 1} is not applied`);
  await next;
}

describe('FeedReader', () => {
  it('open loads the snapshot, then replays only the entries after it', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(5);
    feed.snapshot = { entryId: 3, stateJson: JSON.stringify([1, 2, 3]) };
    await reader.open();
    assert.deepEqual(consumer.restores, ['[1,2,3]']);
    assert.deepEqual(consumer.appliedSeqs, [4, 5]);
    assert.deepEqual(consumer.state, [1, 2, 3, 4, 5]);
    await assertAppliedThrough(reader, 5);
    assert.equal(feed.opens, 1);
    assert.equal(feed.reads[0], 3, 'the first read starts after the snapshot');
  });

  it('open with no snapshot restores the empty state and replays from id 1', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(3);
    await reader.open();
    assert.deepEqual(consumer.restores, ['']);
    assert.deepEqual(
      consumer.applied,
      range(1, 3).map((id) => ({ id, deliver: true })),
    );
  });

  it('open reads in batches of at most 256 entries until the stream is exhausted', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(600);
    await reader.open();
    assert.deepEqual(consumer.appliedSeqs, range(1, 600));
    assert.deepEqual(feed.reads, [0, 256, 512]);
  });

  it('ignores offers before open', async () => {
    const { feed, consumer, reader } = setup();
    const [payload] = feed.appendMany(1);
    reader.offer(payload!);
    await settle();
    assert.deepEqual(consumer.applied, []);
    assert.deepEqual(feed.reads, []);
  });

  it('offer() of the next id applies it at once, without a read', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(2);
    await reader.open();
    const reads = feed.reads.length;
    const payload = feed.append();
    reader.offer(payload);
    assert.deepEqual(consumer.appliedSeqs, [1, 2, 3], 'applied synchronously');
    await assertAppliedThrough(reader, 3);
    await settle();
    assert.equal(feed.reads.length, reads, 'no read');
  });

  it('offer() of a id ahead reads the stream and fills the gap in order', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(2);
    await reader.open();
    const payloads = feed.appendMany(4); // ids 3..6: the topic brings only 6
    reader.offer(payloads[3]!);
    assert.deepEqual(consumer.appliedSeqs, [1, 2], 'not applied out of order');
    await settle();
    assert.deepEqual(consumer.appliedSeqs, [1, 2, 3, 4, 5, 6]);
    assert.ok(consumer.applied.every((a) => a.deliver));
    // The topic's late copies change nothing.
    for (const payload of payloads) reader.offer(payload);
    await settle();
    assert.deepEqual(consumer.appliedSeqs, range(1, 6));
  });

  it('offer() ignores duplicates (id <= applied) and malformed payloads', async () => {
    const { feed, consumer, reader } = setup();
    const payloads = feed.appendMany(3);
    await reader.open();
    const reads = feed.reads.length;
    for (const payload of payloads) reader.offer(payload);
    reader.offer(Buffer.from('0|m|1|s||x'));
    reader.offer(Buffer.from('garbage'));
    const next = feed.append();
    reader.offer(next);
    reader.offer(next);
    await settle();
    assert.deepEqual(consumer.appliedSeqs, [1, 2, 3, 4]);
    assert.equal(feed.reads.length, reads, 'duplicates trigger no read');
  });

  it('an entry the topic brings while a read of it is in flight is applied once', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(3);
    await reader.open();
    const payload = feed.append(); // id 4, in the stream before the read runs
    const release = feed.hold();
    const reading = reader.catchUp();
    reader.offer(payload);
    assert.deepEqual(consumer.appliedSeqs, [1, 2, 3, 4]);
    release();
    await reading;
    assert.deepEqual(consumer.appliedSeqs, [1, 2, 3, 4]);
  });

  it('resync() after missed entries delivers each missed one once and never re-delivers', async () => {
    const { feed, consumer, reader } = setup();
    const first = feed.appendMany(5);
    await reader.open();
    feed.snapshot = { entryId: 3, stateJson: '[1,2,3]' }; // a checkpoint at 3
    for (const payload of first) reader.offer(payload);
    const later = feed.appendMany(4); // 6..9: the topic (reconnecting) brings only 6
    reader.offer(later[0]!);
    await reader.resync();
    assert.equal(consumer.restores.at(-1), '[1,2,3]', 'restored from the snapshot');
    assert.deepEqual(consumer.state, range(1, 9), 'the state has every entry once');
    assert.deepEqual(consumer.delivered, range(1, 9), 'every entry delivered exactly once');
    const replayed = consumer.applied.slice(6);
    assert.deepEqual(replayed, [
      { id: 4, deliver: false },
      { id: 5, deliver: false },
      { id: 6, deliver: false },
      { id: 7, deliver: true },
      { id: 8, deliver: true },
      { id: 9, deliver: true },
    ]);
    await assertAppliedThrough(reader, 9);
  });

  it('resync() with nothing missed re-delivers nothing', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(4);
    await reader.open();
    await reader.resync();
    await reader.resync();
    assert.deepEqual(consumer.delivered, [1, 2, 3, 4]);
    assert.deepEqual(consumer.state, [1, 2, 3, 4]);
    assert.equal(feed.opens, 3);
  });

  it('resync() during a read reloads the snapshot once that read is done', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(2);
    await reader.open();
    feed.snapshot = { entryId: 1, stateJson: '[1]' };
    feed.appendMany(2);
    const release = feed.hold();
    const reading = reader.catchUp();
    const resyncing = reader.resync();
    release();
    await Promise.all([reading, resyncing]);
    assert.equal(feed.opens, 2);
    assert.deepEqual(consumer.state, [1, 2, 3, 4]);
    assert.deepEqual(consumer.delivered, [1, 2, 3, 4]);
  });

  it('reloads from the snapshot when the stream was trimmed past the reader, and continues', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(2);
    await reader.open();
    feed.appendMany(8); // 3..10, unseen by this node
    feed.snapshotAndTrim(7); // another node checkpointed at 7; 8..10 remain
    await reader.catchUp();
    assert.equal(feed.opens, 2);
    assert.equal(consumer.restores.at(-1), JSON.stringify(range(1, 7)));
    assert.deepEqual(consumer.state, range(1, 10));
    assert.deepEqual(
      consumer.applied.slice(2),
      [8, 9, 10].map((id) => ({ id, deliver: true })),
    );
    await assertAppliedThrough(reader, 10);
    const payload = feed.append();
    reader.offer(payload);
    await assertAppliedThrough(reader, 11); // the topic is followed again
  });

  it('open on a trimmed stream starts from the snapshot', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(6);
    feed.snapshotAndTrim(4);
    await reader.open();
    assert.deepEqual(consumer.state, range(1, 6));
    assert.deepEqual(consumer.appliedSeqs, [5, 6]);
    assert.equal(feed.opens, 1);
  });

  it('concurrent catchUp() calls share reads, and nothing published during a read is left behind', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(2);
    await reader.open();
    const readsBefore = feed.reads.length;
    feed.appendMany(2); // 3, 4
    const release = feed.hold();
    const first = reader.catchUp();
    // While that read is in flight: more callers, and entries 5 and 6 (the topic lost 5).
    const others = [reader.catchUp(), reader.catchUp(), reader.catchUp()];
    const late = feed.appendMany(2);
    reader.offer(late[1]!);
    assert.equal(feed.reads.length, readsBefore + 1, 'one read in flight for every caller');
    release();
    await Promise.all([first, ...others]);
    assert.deepEqual(consumer.appliedSeqs, range(1, 6), 'everything, in order, once');
    assert.equal(feed.reads.length, readsBefore + 2, 'the later callers shared one further read');
    assert.deepEqual(feed.reads.slice(readsBefore), [2, 4]);
  });

  it('catchUp() callers resolve only after the shared further read', async () => {
    const { feed, consumer, reader } = setup();
    await reader.open();
    const release = feed.hold();
    const first = reader.catchUp();
    feed.appendMany(3);
    const second = reader.catchUp();
    release();
    await second;
    assert.deepEqual(consumer.appliedSeqs, [1, 2, 3]);
    await first;
  });

  it('checkpoints after checkpointEvery entries with the state at that id', async () => {
    const { feed, reader } = setup({ checkpointEvery: 3, checkpointMs: 60_000 });
    await reader.open();
    const payloads = feed.appendMany(7);
    reader.offer(payloads[0]!);
    reader.offer(payloads[1]!);
    await settle();
    assert.equal(feed.checkpoints.length, 0);
    reader.offer(payloads[2]!);
    await settle();
    assert.equal(feed.checkpoints.length, 1);
    assert.equal(feed.checkpoints[0]!.entryId, 3);
    assert.equal(feed.checkpoints[0]!.stateJson, '[1,2,3]');
    assert.ok(feed.checkpoints[0]!.staleMs >= 60_000, 'a reader is stale only after several periods');
    reader.offer(payloads[3]!);
    reader.offer(payloads[4]!);
    await settle();
    assert.equal(feed.checkpoints.length, 1);
    reader.offer(payloads[5]!);
    await settle();
    assert.deepEqual(
      feed.checkpoints.map((c) => c.entryId),
      [3, 6],
    );
    assert.equal(feed.checkpoints[1]!.stateJson, '[1,2,3,4,5,6]');
  });

  it('a checkpoint in flight is not started again by further entries', async () => {
    const { feed, reader } = setup({ checkpointEvery: 1 });
    await reader.open();
    const payloads = feed.appendMany(3);
    for (const payload of payloads) reader.offer(payload);
    await settle();
    assert.equal(feed.checkpoints[0]!.entryId, 1);
    assert.ok(feed.checkpoints.length < 3, 'entries applied while checkpointing do not each start one');
  });

  it('tick() checkpoints once checkpointMs has passed since the last checkpoint', async () => {
    const { feed, reader } = setup({ checkpointEvery: 1000, checkpointMs: 1000 });
    await reader.open();
    const payloads = feed.appendMany(2);
    for (const payload of payloads) reader.offer(payload);
    reader.tick(Date.now());
    await settle();
    assert.equal(feed.checkpoints.length, 0, 'not yet: the open counts as a checkpoint');
    reader.tick(Date.now() + 1000);
    await settle();
    assert.deepEqual(
      feed.checkpoints.map((c) => [c.entryId, c.stateJson]),
      [[2, '[1,2]']],
    );
    assert.ok(feed.checkpoints[0]!.staleMs >= 12 * 1000);
    reader.tick(Date.now() + 500);
    await settle();
    assert.equal(feed.checkpoints.length, 1, 'the period restarts at the checkpoint');
    reader.tick(Date.now() + 1000);
    await settle();
    assert.equal(feed.checkpoints.length, 2, 'a quiet reader still checkpoints every period (liveness)');
  });

  it('a failed checkpoint is retried by the next tick()', async () => {
    const { feed, reader } = setup({ checkpointMs: 1000 });
    await reader.open();
    feed.failCheckpoints = 1;
    reader.tick(Date.now() + 1000);
    await settle();
    assert.equal(feed.checkpoints.length, 1);
    assert.equal(feed.snapshot.entryId, 0);
    reader.tick(Date.now() + 1000);
    await settle();
    assert.equal(feed.checkpoints.length, 2, 'the failure did not count as a checkpoint');
  });

  it('tick() reads what the topic did not bring', async () => {
    const { feed, consumer, reader } = setup();
    await reader.open();
    feed.appendMany(3);
    reader.tick();
    await settle();
    assert.deepEqual(consumer.appliedSeqs, [1, 2, 3]);
  });

  it('tick() before open does nothing', async () => {
    const { feed, consumer, reader } = setup({ checkpointMs: 1 });
    feed.appendMany(2);
    reader.tick(Date.now() + 10_000);
    await settle();
    assert.deepEqual(feed.reads, []);
    assert.equal(feed.checkpoints.length, 0);
    assert.deepEqual(consumer.applied, []);
  });

  it('a failing read (offer ahead) is retried by the next tick()', async () => {
    const { feed, consumer, reader } = setup();
    await reader.open();
    const payloads = feed.appendMany(3);
    feed.failReads = 1;
    reader.offer(payloads[2]!);
    await settle();
    assert.deepEqual(consumer.applied, [], 'the read failed (logged, not thrown)');
    reader.tick();
    await settle();
    assert.deepEqual(consumer.appliedSeqs, [1, 2, 3]);
  });

  it('an open whose read fails rejects, and the next tick() finishes the catch-up', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(2);
    feed.snapshot = { entryId: 1, stateJson: '[1]' };
    feed.failReads = 1;
    await assert.rejects(reader.open(), /read failed/);
    assert.deepEqual(consumer.restores, ['[1]']);
    reader.tick();
    await settle();
    assert.deepEqual(consumer.state, [1, 2]);
  });

  it('a resync whose snapshot load fails loads it on the next tick() instead of skipping it', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(2);
    await reader.open();
    feed.appendMany(3);
    feed.snapshotAndTrim(5); // trimmed past the reader, to the end: no gap for a read to notice
    feed.failOpens = 1;
    await assert.rejects(reader.resync(), /open failed/);
    reader.tick();
    await settle();
    assert.equal(feed.opens, 3, 'open, the failed resync, then the tick');
    assert.deepEqual(consumer.restores.at(-1), JSON.stringify([1, 2, 3, 4, 5]));
    await assertAppliedThrough(reader, 5);
  });

  it('waitFor resolves at once when the entry is already applied', async () => {
    const { feed, reader } = setup();
    feed.appendMany(2);
    await reader.open();
    assert.equal(await isSettled(reader.waitFor(2, 60_000)), true);
    assert.equal(await isSettled(reader.waitFor(1, 60_000)), true);
  });

  it('waitFor resolves when the entry is applied, not before', async () => {
    const { feed, reader } = setup();
    await reader.open();
    const payloads = feed.appendMany(3);
    const waiting = reader.waitFor(2, 60_000);
    const waitingLonger = reader.waitFor(3, 60_000);
    reader.offer(payloads[0]!);
    assert.equal(await isSettled(waiting), false);
    reader.offer(payloads[1]!);
    assert.equal(await isSettled(waiting), true);
    assert.equal(await isSettled(waitingLonger), false);
    reader.offer(payloads[2]!);
    assert.equal(await isSettled(waitingLonger), true);
  });

  it('waitFor resolves when a read applies the entry', async () => {
    const { feed, reader } = setup();
    await reader.open();
    feed.appendMany(4);
    const waiting = reader.waitFor(3, 60_000);
    await reader.catchUp();
    assert.equal(await isSettled(waiting), true);
  });

  it('waitFor resolves after its timeout when the entry never comes', async () => {
    const { reader } = setup();
    await reader.open();
    const started = Date.now();
    const waiting = reader.waitFor(5, 30);
    assert.equal(await isSettled(waiting), false);
    await waiting;
    assert.ok(Date.now() - started >= 25, 'not before the timeout');
    await assertAppliedThrough(reader, 0);
  });

  it('waiters with different timeouts are each ended at their own deadline', async () => {
    const { reader } = setup();
    await reader.open();
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    try {
      const long = reader.waitFor(7, 120);
      const short = reader.waitFor(6, 30);
      mock.timers.tick(29);
      assert.deepEqual([await isSettled(short), await isSettled(long)], [false, false]);
      mock.timers.tick(1);
      assert.deepEqual([await isSettled(short), await isSettled(long)], [true, false], 'the short one at 30 ms');
      mock.timers.tick(89);
      assert.equal(await isSettled(long), false, 'the long one not before its 120 ms');
      mock.timers.tick(1);
      assert.equal(await isSettled(long), true);
    } finally {
      mock.timers.reset();
    }
  });

  // A snapshot load moves applied without an entry: a waiter whose id the snapshot covers (here,
  // after a resync, another node's snapshot at the tail) must wake then, not at its timeout —
  // in ChannelActor.waitUntilPushed that would hold the sender's response for OWN_PUSH_WAIT_MS.
  it('waitFor resolves when a snapshot load moves applied past the entry', async () => {
    const { feed, reader } = setup();
    const payloads = feed.appendMany(5);
    await reader.open();
    reader.offer(payloads[0]!); // duplicate, ignored
    feed.appendMany(3); // 6..8, missed by the topic (Redis reconnect)
    feed.snapshotAndTrim(8); // another node's checkpoint at the tail
    const waiting = reader.waitFor(8, 2_000);
    await reader.resync();
    await assertAppliedThrough(reader, 8);
    assert.equal(await isSettled(waiting), true, 'applied is 8 but waitFor(8) is still waiting');
  });

  it('readThrough reads the stream when the topic has not brought the entry', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(2);
    await reader.open();
    feed.appendMany(3); // published, but the topic brought nothing
    await reader.readThrough(5);
    await assertAppliedThrough(reader, 5);
    assert.deepEqual(consumer.appliedSeqs, range(1, 5));
  });

  it('readThrough does not read when the entry is already applied', async () => {
    const { feed, reader } = setup();
    feed.appendMany(2);
    await reader.open();
    const reads = feed.reads.length;
    await reader.readThrough(2);
    await reader.readThrough(1);
    assert.equal(feed.reads.length, reads);
  });

  it('readThrough during a read in flight waits for a further read that includes the entry', async () => {
    const { feed, reader } = setup();
    await reader.open();
    const release = feed.hold();
    const inFlight = reader.catchUp(); // its result was fixed before id 1 existed
    feed.appendMany(1);
    const upTo = reader.readThrough(1);
    release();
    await upTo;
    await assertAppliedThrough(reader, 1);
    await inFlight;
  });

  it('pushes new entries that reuse ids after Redis lost acknowledged writes (the feed went back)', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(5);
    await reader.open();
    assert.deepEqual(consumer.delivered, [1, 2, 3, 4, 5]);
    // Redis restarts from an AOF that lacks entries 4 and 5 (appendfsync everysec, killed).
    feed.entries = feed.entries.slice(0, 3);
    feed.lastEntryId = 3;
    await reader.resync();
    const [fourAgain, fiveAgain] = feed.appendMany(2);
    reader.offer(fourAgain!);
    reader.offer(fiveAgain!);
    assert.deepEqual(consumer.delivered.slice(5), [4, 5], 'the new 4 and 5 are pushed, not taken for the lost ones');
  });

  it('does not take an entry delivered while a resync’s open was on its way for a loss, nor push it twice', async () => {
    const { feed, consumer, reader } = setup();
    feed.appendMany(2);
    await reader.open();
    const release = feed.holdOpens();
    const resync = reader.resync(); // its open reads lastId 2
    await settle();
    const [third] = feed.appendMany(1);
    reader.offer(third!); // published after the open ran, arrives before its reply
    release();
    await resync;
    assert.deepEqual(consumer.delivered, [1, 2, 3], 'each once');
  });

  it('close() stops following the topic and tells the store to forget this reader', async () => {
    const { feed, consumer, reader } = setup({ checkpointMs: 1 });
    await reader.open();
    await reader.close();
    assert.equal(feed.forgets, 1);
    const payload = feed.append();
    reader.offer(payload);
    reader.tick(Date.now() + 10_000);
    await settle();
    assert.deepEqual(consumer.applied, []);
    assert.equal(feed.checkpoints.length, 0);
  });

  it('close() ends the waits for entries it will never apply', async () => {
    const { reader } = setup();
    await reader.open();
    const waiting = reader.waitFor(1, 60_000);
    assert.equal(await isSettled(waiting), false);
    await reader.close();
    assert.equal(await isSettled(waiting), true, 'not after its minute');
  });
});
