/**
 * One joined channel: hands out its messages exactly once, in seq order —
 * holding back any that arrive ahead of a gap and paging the gap from
 * history — and carries its typing and read-receipt events.
 */
import type { ChannelUser, Requests, WireRequestType } from '../src/protocol/wire.js';
import { Emitter } from './emitter.js';
import { fromJoin, fromWire, type Message, wireRecipient } from './message.js';

/** The largest page the server gives (channelMessages `limit`). */
const PAGE_LIMIT = 99;
/** How often `typing(true)` is repeated while it lasts (the contract's ~3 s). */
const TYPING_REPEAT_MS = 3000;
/** How long a received `typing: true` lasts unless repeated (the contract's 6 s). */
const TYPING_EXPIRES_MS = 6000;

export type RequestFn = <T extends WireRequestType>(
  type: T,
  payload: Requests[T]['payload'],
) => Promise<Requests[T]['response']>;

/** What a channel needs of its client. */
export interface ChannelHost {
  /** An authenticated request on the client's connection, waiting for one if it is reconnecting. */
  request: RequestFn;
  send(channel: Channel, text: string, clientMessageId: string | undefined): Promise<Message>;
  forget(channel: Channel): void;
}

export interface TypingEvent {
  userUUID: string;
  typing: boolean;
}

export interface SeenEvent {
  userUUID: string;
  seq: number;
}

export interface ChannelEvents extends Record<string, unknown> {
  /** Every message after the join, once each, in seq order — across reconnects. */
  message: Message;
  /** Another user started or stopped typing (a `true` not repeated within 6 s ends as `false`). */
  typing: TypingEvent;
  /** The other participant of a private channel read up to `seq`. */
  seen: SeenEvent;
}

export interface HistoryOptions {
  before?: number;
  after?: number;
  offset?: number;
  /** 1–99, default 10. */
  limit?: number;
}

export interface HistoryPage {
  messagesTotal: number;
  /** Newest first, as the server lists them. */
  messages: Message[];
}

export class Channel extends Emitter<ChannelEvents> {
  /** '0' for the public channel, else the other participant's UUID (one's own for one's notes). */
  readonly recipientUUID: string;
  /** The messages the join showed, oldest first: the latest 10, or with `since` every message after it. */
  recent: Message[] = [];
  /** The channel's users as the last join listed them. */
  users: ChannelUser[] = [];
  readonly #host: ChannelHost;
  /** The highest seq handed out (in `recent` or a 'message' event). */
  #lastSeq = 0;
  /** Messages received ahead of a gap, by seq. */
  readonly #ahead = new Map<number, Message>();
  /** While a rejoin or a gap fill reads history, a message ahead of a gap waits for it. */
  #syncing = false;
  #left = false;
  #typingRepeat: ReturnType<typeof setInterval> | undefined;
  readonly #typingExpiry = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(recipientUUID: string, host: ChannelHost) {
    super();
    this.recipientUUID = recipientUUID;
    this.#host = host;
  }

  /** The highest seq this channel has handed out: what a later `join(…, { since })` would start from. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  get left(): boolean {
    return this.#left;
  }

  send(text: string, options: { clientMessageId?: string } = {}): Promise<Message> {
    return this.#host.send(this, text, options.clientMessageId);
  }

  async history(options: HistoryOptions = {}): Promise<HistoryPage> {
    const page = await this.#host.request('channelMessages', { recipientUUID: this.#wire, ...options });
    return { messagesTotal: page.messagesTotal, messages: page.messages.map(fromWire) };
  }

  /** Moves the caller's read marker up to `seq`; resolves with the marker as it now is. */
  async markSeen(seq: number): Promise<number> {
    return (await this.#host.request('channelSeen', { recipientUUID: this.#wire, seq })).seq;
  }

  /** Tells the others; `true` is repeated every 3 s until `typing(false)`, a leave or a close. */
  async typing(typing: boolean): Promise<void> {
    clearInterval(this.#typingRepeat);
    this.#typingRepeat = undefined;
    if (typing) {
      this.#typingRepeat = setInterval(() => {
        this.#host.request('typing', { recipientUUID: this.#wire, typing: true }).catch(() => {});
      }, TYPING_REPEAT_MS);
    }
    await this.#host.request('typing', { recipientUUID: this.#wire, typing });
  }

  async leave(): Promise<void> {
    this.stop();
    this.#host.forget(this);
    await this.#host.request('channelLeave', { recipientUUID: this.#wire });
  }

  /** The first join: `recent` gets what it shows; 'message' events follow from there. */
  async join(request: RequestFn, since: number | undefined): Promise<void> {
    const joined = await request('channelJoin', {
      recipientUUID: this.#wire,
      ...(since === undefined ? {} : { since }),
    });
    this.users = joined.users;
    const shown = joined.messages.map(fromJoin).reverse();
    const stale = since !== undefined && (shown[0]?.seq ?? 0) <= since && joined.recovered === false;
    if (since === undefined || stale) {
      // Without `since`, or with one this server never had: start from what it shows.
      this.recent = shown;
      this.#lastSeq = shown.at(-1)?.seq ?? 0;
      return;
    }
    const missing = joined.recovered ? [] : await this.#between(request, since, shown[0]?.seq ?? since + 1);
    this.recent = [...missing, ...shown];
    this.#lastSeq = this.recent.at(-1)?.seq ?? since;
  }

  /**
   * After a reconnect: joins again with `since` = the last seq handed out
   * and hands out what was missed. When the server did not recover it all
   * (`recovered: false`), the gap below what it showed is paged with
   * `before` like any other gap.
   */
  async rejoin(request: RequestFn): Promise<void> {
    this.#syncing = true;
    try {
      const joined = await request('channelJoin', { recipientUUID: this.#wire, since: this.#lastSeq });
      this.users = joined.users;
      const newest = joined.messages[0]?.seq ?? 0;
      if (joined.recovered === false && newest <= this.#lastSeq) {
        // History went back (Redis lost writes): what it has now is the channel; start again from its oldest shown.
        this.#lastSeq = (joined.messages.at(-1)?.seq ?? 1) - 1;
      }
      for (const m of joined.messages) this.#hold(fromJoin(m));
    } finally {
      this.#syncing = false;
    }
    this.#release();
  }

  /** A message of this channel from a push or a send's response. */
  receive(message: Message): void {
    this.#hold(message);
    this.#release();
  }

  onTyping(userUUID: string, typing: boolean): void {
    clearTimeout(this.#typingExpiry.get(userUUID));
    this.#typingExpiry.delete(userUUID);
    if (typing) {
      this.#typingExpiry.set(
        userUUID,
        setTimeout(() => {
          this.#typingExpiry.delete(userUUID);
          this.emit('typing', { userUUID, typing: false });
        }, TYPING_EXPIRES_MS),
      );
    }
    this.emit('typing', { userUUID, typing });
  }

  onSeen(userUUID: string, seq: number): void {
    this.emit('seen', { userUUID, seq });
  }

  /** Stops its timers; nothing more is handed out. */
  stop(): void {
    this.#left = true;
    clearInterval(this.#typingRepeat);
    for (const timer of this.#typingExpiry.values()) clearTimeout(timer);
    this.#typingExpiry.clear();
    this.#ahead.clear();
  }

  get #wire() {
    return wireRecipient(this.recipientUUID);
  }

  #hold(message: Message): void {
    if (!this.#left && message.seq > this.#lastSeq) this.#ahead.set(message.seq, message);
  }

  /** Hands out every held message that follows the last one; a gap left behind is paged from history. */
  #release(): void {
    for (let next = this.#ahead.get(this.#lastSeq + 1); next !== undefined; next = this.#ahead.get(this.#lastSeq + 1)) {
      this.#ahead.delete(next.seq);
      this.#lastSeq = next.seq;
      this.emit('message', next);
    }
    if (this.#ahead.size > 0 && !this.#syncing) void this.#fillGap();
  }

  async #fillGap(): Promise<void> {
    this.#syncing = true;
    try {
      const top = Math.min(...this.#ahead.keys());
      for (const m of await this.#between(this.#host.request, this.#lastSeq, top)) this.#hold(m);
      if (this.#ahead.size > 0 && !this.#ahead.has(this.#lastSeq + 1)) {
        // History no longer has them (Redis lost writes): go on from what exists.
        this.#lastSeq = Math.min(...this.#ahead.keys()) - 1;
      }
    } catch {
      // The connection went: the rejoin after the reconnect brings everything after lastSeq.
      return;
    } finally {
      this.#syncing = false;
    }
    this.#release();
  }

  /** The messages with floor < seq < top, oldest first, paged down from `top` with `before`. */
  async #between(request: RequestFn, floor: number, top: number): Promise<Message[]> {
    const pages: Message[][] = [];
    for (let before = top; before > floor + 1; ) {
      const page = await request('channelMessages', { recipientUUID: this.#wire, before, limit: PAGE_LIMIT });
      const got = page.messages.filter((m) => m.seq > floor).map(fromWire);
      if (got.length === 0) break;
      pages.push(got);
      before = got.at(-1)!.seq;
    }
    return pages.flat().reverse();
  }
}
