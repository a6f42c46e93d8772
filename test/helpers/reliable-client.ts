/**
 * A client that keeps its promises across failures, the way the protocol
 * 1.1 contract says a client can: every send carries a clientMessageId and
 * is sent again with it until it is answered (after error 11, or on a new
 * connection when its node dies); it follows one channel by seq, delivering
 * each message once, in order — filling a gap in its pushes, and the gap a
 * join with `since` reports as not recovered, from history with `before`.
 * Tests use it to prove the end-to-end promise: everything sent is stored
 * once and everyone sees everything once, in history order.
 */
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { type Auth, ChatClient, type Frame, sleep } from './client.js';

/** Longest a send keeps being retried. */
const SEND_WITHIN_MS = 60_000;
const RETRY_MS = 200;

export class ReliableClient {
  readonly auth: Auth;
  /** Every message of the channel, once each, in seq order, from the first join on. */
  readonly delivered: Frame[] = [];
  /** The stored message of each send, as acknowledged. */
  readonly acked: Frame[] = [];
  /** How many times the client had to connect again. */
  reconnects = 0;
  readonly #urls: string[];
  readonly #recipientUUID: unknown;
  #node: number;
  #client: ChatClient;
  /** The highest seq delivered (0: none yet). */
  #seq = 0;
  #joined = false;
  #following: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(urls: string[], node: number, client: ChatClient, recipientUUID: unknown) {
    this.#urls = urls;
    this.#node = node;
    this.#client = client;
    this.auth = { ...client.auth };
    this.#recipientUUID = recipientUUID;
  }

  /** A client signed in on node `node` of `urls`, following the channel with `recipientUUID` from now on. */
  static async start(
    urls: string[],
    node: number,
    client: ChatClient,
    recipientUUID: unknown,
  ): Promise<ReliableClient> {
    const reliable = new ReliableClient(urls, node, client, recipientUUID);
    await reliable.#join();
    return reliable;
  }

  get node(): number {
    return this.#node;
  }

  /** Sends `text` until it is stored, on whichever node is up; resolves with the stored message. */
  async send(text: string): Promise<Frame> {
    const clientMessageId = randomUUID();
    const deadline = Date.now() + SEND_WITHIN_MS;
    while (Date.now() < deadline) {
      const reply = await this.#request({
        type: 'channelMessage',
        channelMessage: { recipientUUID: this.#recipientUUID, message: text, clientMessageId },
      });
      if (reply?.type === 'channelMessage') {
        this.acked.push(reply.channelMessage);
        // The sending connection gets no push of its own message: the response is its place in the stream.
        await this.#following;
        if (reply.channelMessage.seq > this.#seq + 1) await this.#fill(reply.channelMessage.seq);
        this.#deliver(reply.channelMessage);
        return reply.channelMessage;
      }
      if (reply !== null && reply.error?.code !== 11 && reply.error?.code !== 10) {
        throw new Error(`send of ${text}: ${JSON.stringify(reply)}`);
      }
      await sleep(RETRY_MS);
    }
    throw new Error(`send of ${text} not stored within ${SEND_WITHIN_MS} ms`);
  }

  /** Waits (bounded) until `count` messages are delivered. */
  async waitForDelivered(count: number, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.delivered.length < count && Date.now() < deadline) {
      await this.#catchUp();
      await sleep(100);
    }
  }

  close(): void {
    this.#closed = true;
    this.#client.close();
  }

  /** One request; on a dead connection, connects again (another node if need be) and returns null. */
  async #request(body: Frame): Promise<Frame | null> {
    if (this.#client.ws.readyState !== WebSocket.OPEN) {
      await this.#reconnect();
      return null;
    }
    const closed = this.#client.closed.then(() => null);
    const reply = await Promise.race([this.#client.authed(body).catch(() => null), closed]);
    if (reply === null) await this.#reconnect();
    return reply;
  }

  /** A new connection with the same access key, to the first node that takes it, then the join again. */
  async #reconnect(): Promise<void> {
    if (this.#closed) return;
    for (let attempt = 0; attempt < 100; attempt++) {
      const node = (this.#node + attempt) % this.#urls.length;
      try {
        const client = await ChatClient.connect(this.#urls[node]!);
        client.auth = { ...this.auth };
        this.#client = client;
        this.#node = node;
        this.reconnects++;
        await this.#join();
        return;
      } catch {
        await sleep(RETRY_MS);
      }
    }
    throw new Error('could not connect again');
  }

  /** Joins with `since` (after the first join) and delivers what the response shows, then follows pushes. */
  async #join(): Promise<void> {
    const since = this.#joined ? this.#seq : undefined;
    const reply = await this.#client.authed({
      type: 'channelJoin',
      channelJoin: { recipientUUID: this.#recipientUUID, ...(since === undefined ? {} : { since }) },
    });
    if (reply.type !== 'channelJoin') throw new Error(`join: ${JSON.stringify(reply)}`);
    const shown = [...reply.channelJoin.messages].reverse();
    if (!this.#joined) {
      // The first join: follow from the newest message shown.
      this.#seq = shown.at(-1)?.seq ?? 0;
      this.#joined = true;
    } else {
      if (reply.channelJoin.recovered === false && shown.length > 0) await this.#fill(shown[0].seq);
      for (const m of shown) this.#deliver(m);
    }
    const client = this.#client;
    client.ws.on('message', () => {
      // A drain that fails (its connection died) leaves the rest to the next join.
      this.#following = this.#following.then(() => this.#drain(client)).catch(() => {});
    });
    await this.#drain(client);
  }

  /** Delivers the pushes that arrived, filling any gap before one from history. */
  async #drain(client: ChatClient): Promise<void> {
    while (client.pushes.length > 0) {
      const push = client.pushes.shift()!.channelMessage;
      if (push.seq > this.#seq + 1) await this.#fill(push.seq);
      this.#deliver(push);
    }
  }

  async #catchUp(): Promise<void> {
    await this.#following;
  }

  /** Fetches and delivers every message from the last delivered up to (not including) `seq`. */
  async #fill(seq: number): Promise<void> {
    while (this.#seq + 1 < seq) {
      const page = await this.#client
        .authed({
          type: 'channelMessages',
          channelMessages: { recipientUUID: this.#recipientUUID, after: this.#seq, limit: 99 },
        })
        .catch(() => null);
      if (page?.type !== 'channelRead') return; // the connection is going: the next join fills it
      const older = [...page.channelMessages.messages].reverse().filter((m: Frame) => m.seq < seq);
      if (older.length === 0) return;
      for (const m of older) this.#deliver(m);
    }
  }

  #deliver(m: Frame): void {
    if (m.seq !== this.#seq + 1) return; // already delivered, or a gap the next fill closes
    this.delivered.push(m);
    this.#seq = m.seq;
  }
}
