/**
 * A reconnect storm (ours only): 10,000 connections, each its own user,
 * joined to the public channel while a sender keeps sending; node 0 is
 * stopped (SIGTERM) and started again on its port. Every client reconnects
 * with its access key and rejoins with `since` (the highest seq it holds),
 * paging with `before` when the join could not cover the gap, exactly as a
 * client of docs/protocol.md does. Figures: how long the recovery took
 * against how long the same clients took to connect and join at the start,
 * and every receiver's messages counted against history: lost, duplicated.
 */
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { Keys } from '../../src/store/keys.js';
import { sleep } from '../lib/pacer.js';
import { type Credentials, seedUsers } from '../lib/seed-users.js';
import { type LoadgenTask, PASSWORD, restartNode, sourceAddress } from '../lib/workload.js';

/** A reconnecting client waits a random 0–500 ms first (then 250–750 ms between refused tries), as the SDK's jitter spreads a storm. */
const jitter = (from: number) => from + Math.random() * 500;
/** Seqs a follower counts: the sender's rate times the scenario's length, with room to spare. */
const MAX_SEQ = 2000;
/** Pages asked for while filling a gap `before` the join's oldest message. */
const PAGE = 99;
const SEQ = Buffer.from('"seq":');
/** A response ends `"id":"q"}`, a push `"seq":N}}`. */
const QUOTE = 0x22;

/** Every message seq in a frame's text, in order. */
const seqsIn = (text: string): number[] => Array.from(text.matchAll(/"seq":(\d+)/g), (match) => Number(match[1]));

/** One connection that follows the public channel by seq across reconnects. */
class Follower {
  /** How many times each seq arrived (join lists, pages, pushes); index = seq. */
  readonly counts: Uint8Array;
  /** Highest seq held: what a rejoin passes as `since`. */
  since = 0;
  joins = 0;
  /** When (Date.now()) the latest join was answered. */
  joinedAt = 0;
  tries = 0;
  #ws: WebSocket | undefined;
  #session = '';
  #pending: ((frame: Buffer) => void)[] = [];
  #stopped = false;
  #onJoined: (() => void) | undefined;

  constructor(
    private readonly url: string,
    private readonly localAddress: string,
    private readonly credentials: Credentials,
    maxSeq: number,
  ) {
    this.counts = new Uint8Array(maxSeq + 1);
  }

  /** Connects (after a jitter) and joins; resolves at the first join. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.#onJoined = resolve;
      setTimeout(() => this.#connect(), jitter(0));
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#ws?.terminate();
  }

  #connect(): void {
    if (this.#stopped) return;
    this.tries++;
    this.#session = '';
    const ws = new WebSocket(this.url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      localAddress: this.localAddress,
    });
    this.#ws = ws;
    ws.on('message', (data: Buffer) => this.#receive(data));
    ws.on('error', () => {});
    ws.on('close', () => {
      this.#pending = [];
      if (!this.#stopped) setTimeout(() => this.#connect(), jitter(250));
    });
  }

  #receive(data: Buffer): void {
    if (this.#session === '') {
      this.#session = JSON.parse(data.toString()).ready.sessionUUID;
      void this.#join().catch(() => this.#ws?.terminate());
      return;
    }
    // A response carries the id every request sets; a push does not.
    if (data[data.length - 2] === QUOTE) {
      this.#pending.shift()?.(data);
      return;
    }
    const at = data.lastIndexOf(SEQ);
    if (at !== -1) this.#hold(Number.parseInt(data.toString('latin1', at + SEQ.length, data.length - 2), 10));
  }

  #hold(seq: number): void {
    if (seq < this.counts.length) this.counts[seq]!++;
    if (seq > this.since) this.since = seq;
  }

  /** A request's answer, as its raw frame: a join's lists every user of the channel, too big to parse whole ten thousand times. */
  #request(body: object): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#pending.push((frame) => {
        const text = frame.toString('latin1');
        if (text.startsWith('{"type":"error"')) reject(new Error(text));
        else resolve(text);
      });
      this.#ws!.send(JSON.stringify({ SUUID: this.#session, id: 'q', ...this.credentials, ...body }));
    });
  }

  async #join(): Promise<void> {
    const since = this.since;
    const reply = await this.#request({ type: 'channelJoin', channelJoin: { recipientUUID: 0, since } });
    // The messages come first, the users after; only the messages carry a seq.
    const seqs = seqsIn(reply.slice(0, reply.indexOf(',"users":')));
    let oldest = seqs.at(-1) ?? since + 1;
    for (const seq of seqs) this.#hold(seq);
    // The join held the newest 100: the rest of the gap, page by page, newest first.
    const recovered = reply.endsWith('"recovered":true},"id":"q"}');
    for (let pages = 0; !recovered && oldest > since + 1 && pages < 1000; pages++) {
      const page = await this.#request({
        type: 'channelMessages',
        channelMessages: { recipientUUID: 0, before: oldest, limit: PAGE },
      });
      for (const seq of seqsIn(page)) if (seq > since) this.#hold(seq);
      oldest = Math.max(since + 1, oldest - PAGE);
    }
    this.joins++;
    this.joinedAt = Date.now();
    this.#onJoined?.();
    this.#onJoined = undefined;
  }
}

/** Sends `m<n>` for n = 0, 1, … at a rate, each with its own clientMessageId, retried on any failure until acknowledged. */
class Sender {
  acknowledged = 0;
  retries = 0;
  #ws: WebSocket | undefined;
  #session = '';
  #answer: ((frame: any) => void) | undefined;
  #stopped = false;

  constructor(
    private readonly url: string,
    private readonly credentials: Credentials,
  ) {}

  async run(ratePerSec: number, until: () => boolean): Promise<void> {
    const start = performance.now();
    for (let n = 0; !until() && n < 100_000; ) {
      const due = start + (n * 1000) / ratePerSec;
      if (performance.now() < due) await sleep(due - performance.now());
      if (await this.#send(n)) {
        this.acknowledged++;
        n++;
      } else {
        this.retries++;
        await sleep(100);
      }
    }
    this.#stopped = true;
    this.#ws?.terminate();
  }

  /** One try: true once the server acknowledged message n. */
  async #send(n: number): Promise<boolean> {
    if (this.#ws?.readyState !== WebSocket.OPEN || this.#session === '') {
      if (this.#ws === undefined || this.#ws.readyState >= WebSocket.CLOSING) this.#connect();
      return false;
    }
    const answer = new Promise<any>((resolve) => (this.#answer = resolve));
    this.#ws.send(
      JSON.stringify({
        type: 'channelMessage',
        SUUID: this.#session,
        id: 'q',
        ...this.credentials,
        channelMessage: { recipientUUID: 0, message: `m${n}`, clientMessageId: `m${n}` },
      }),
    );
    const frame = await Promise.race([answer, sleep(5000).then(() => undefined)]);
    return frame?.type === 'channelMessage';
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#session = '';
    const ws = new WebSocket(this.url, { perMessageDeflate: false });
    this.#ws = ws;
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'ready') this.#session = frame.ready.sessionUUID;
      else if (frame.id === 'q') this.#answer?.(frame);
    });
    ws.on('error', () => {});
    ws.on('close', () => this.#answer?.(undefined));
  }
}

export async function reconnectStorm(task: LoadgenTask) {
  const count = task.quick ? 200 : 10_000;
  const rate = 5;
  const url = `ws://127.0.0.1:${task.port}/ws`;
  const [senderCredentials, ...users] = await seedUsers(task.redisUrl, 'bench-storm', count + 1, PASSWORD);
  const followers = users.map((user, i) => new Follower(url, sourceAddress(i), user, MAX_SEQ));

  // The same clients' first connect and join: all at once, each after the same jitter as a reconnect.
  const startedAt = Date.now();
  await Promise.all(followers.map((follower) => follower.start()));
  const initialMs = Math.max(...followers.map((f) => f.joinedAt)) - startedAt;

  const sender = new Sender(url, senderCredentials!);
  let sending = true;
  const sent = sender.run(rate, () => !sending);
  await sleep(3000);
  const restarted = await restartNode();
  // Every follower has joined again once its latest join is later than the stop.
  const deadline = Date.now() + (task.quick ? 30_000 : 120_000);
  while (followers.some((f) => f.joinedAt < restarted.stoppedAt) && Date.now() < deadline) await sleep(100);
  const notRecovered = followers.filter((f) => f.joinedAt < restarted.stoppedAt).length;
  const lastRejoin = Math.max(...followers.map((f) => f.joinedAt));
  await sleep(3000);
  sending = false;
  await sent;
  await sleep(2000);
  for (const follower of followers) follower.stop();

  const redis = new Redis(task.redisUrl);
  const stored = Number(await redis.get(new Keys('chat:').channelMessageCount('pub')));
  redis.disconnect();
  let lost = 0;
  let duplicated = 0;
  for (const follower of followers) {
    for (let seq = 1; seq <= stored; seq++) {
      const times = follower.counts[seq] ?? 0;
      if (times === 0) lost++;
      else duplicated += times - 1;
    }
  }
  return {
    connections: count,
    initialConnectJoinMs: initialMs,
    recoveryMs: lastRejoin - restarted.listeningAt,
    recoveryFromStopMs: lastRejoin - restarted.stoppedAt,
    recoveryRatio: (lastRejoin - restarted.listeningAt) / initialMs,
    notRecovered,
    messagesAcknowledged: sender.acknowledged,
    messagesStored: stored,
    sendRetries: sender.retries,
    lost,
    duplicated,
    reconnectTries: followers.reduce((sum, f) => sum + f.tries, 0),
  };
}
