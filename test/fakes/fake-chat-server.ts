/**
 * The server side of the SDK's unit tests: a WebSocket class to pass as
 * `ChatClient`'s `WebSocket`, whose sockets a test opens, drops and reads,
 * and a small in-memory chat server behind them that answers as the real
 * one does — sign-in, watch, one channel's history with seqs, idempotent
 * sends, cursor pages, joins with `since` (capped at `recoverLimit`). A
 * test can hold requests of a type unanswered, or answer them itself.
 */
import type { WebSocketConstructor, WebSocketLike } from '../../client/socket.js';

type Frame = Record<string, any>;

export interface StoredMessage {
  UUID: string;
  senderUUID: string;
  recipientUUID: 0 | string;
  message: string;
  createdAt: string;
  seq: number;
}

export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  readonly url: string;
  /** Every frame the client sent, parsed. */
  readonly sent: Frame[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly #server: FakeChatServer;

  constructor(url: string, server: FakeChatServer) {
    this.url = url;
    this.#server = server;
  }

  /** The server accepts: open, then `ready`. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
    this.push({ type: 'ready', ready: { sessionUUID: `session-${this.#server.sockets.indexOf(this)}` } });
  }

  /** A frame from the server. */
  push(frame: Frame): void {
    if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** The server (or the network) cuts the connection. */
  drop(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }

  send(data: string): void {
    const frame = JSON.parse(data) as Frame;
    this.sent.push(frame);
    this.#server.handle(this, frame);
  }

  close(): void {
    this.drop();
  }
}

export class FakeChatServer {
  readonly sockets: FakeWebSocket[] = [];
  /** Open each new socket at once (else the test calls `open()`). */
  autoOpen = true;
  /** Request types received but left unanswered. */
  readonly hold = new Set<string>();
  /** The public channel's history, seq 1 first. */
  readonly history: StoredMessage[] = [];
  /** The most messages a join with `since` gives before it says `recovered: false`. */
  recoverLimit = 100;
  readonly userUUID = '11111111-1111-4111-8111-111111111111';
  readonly #byClientId = new Map<string, StoredMessage>();

  readonly WebSocket: WebSocketConstructor;

  constructor() {
    const server = this;
    this.WebSocket = class extends FakeWebSocket {
      constructor(url: string) {
        super(url, server);
        server.sockets.push(this);
        if (server.autoOpen) queueMicrotask(() => this.open());
      }
    };
  }

  /** The socket opened last. */
  get socket(): FakeWebSocket {
    return this.sockets.at(-1)!;
  }

  /** Every frame of `type` the client sent, on all sockets, in order. */
  sentOf(type: string): Frame[] {
    return this.sockets.flatMap((socket) => socket.sent.filter((frame) => frame.type === type));
  }

  /** Stores a message from another user, as if sent on another connection, and pushes it to `to` (if given). */
  store(text: string, to?: FakeWebSocket): StoredMessage {
    const message = this.#append('22222222-2222-4222-8222-222222222222', text);
    to?.push({ type: 'channelMessage', channelMessage: message });
    return message;
  }

  /** Answers `frame` on `socket` (tests replace this to answer otherwise). */
  handle(socket: FakeWebSocket, frame: Frame): void {
    if (!this.hold.has(frame.type)) socket.push({ ...this.#answer(frame), id: frame.id });
  }

  #answer(frame: Frame): Frame {
    const answer = (type: string, payload: unknown, key = type): Frame => ({ type, [key]: payload });
    switch (frame.type) {
      case 'signIn':
      case 'signUp':
        return answer('authorized', { userUUID: this.userUUID, accessKey: 'key' });
      case 'watch':
        if (frame.userAccessKey !== 'key') return answer('error', { code: 5, message: 'unauthorized' });
        return answer('watch', frame.watch);
      case 'users':
        return answer('users', { total: 0, received: 0, users: [] });
      case 'channelJoin': {
        const since: number | undefined = frame.channelJoin.since;
        const newer = this.history.filter((m) => since === undefined || m.seq > since);
        const shown = newer.slice(since === undefined ? -10 : -this.recoverLimit).reverse();
        const messages = shown.map(({ createdAt, ...m }) => ({ ...m, created_at: createdAt }));
        const recovered = since === undefined ? undefined : shown.length === newer.length;
        return answer('channelJoin', { messages, users: [], ...(recovered === undefined ? {} : { recovered }) });
      }
      case 'channelMessage': {
        const { message, clientMessageId } = frame.channelMessage;
        let stored = this.#byClientId.get(clientMessageId);
        if (stored === undefined) {
          stored = this.#append(this.userUUID, message);
          this.#byClientId.set(clientMessageId, stored);
        }
        return answer('channelMessage', { ...stored, clientMessageId });
      }
      case 'channelMessages': {
        const { before, limit = 10 } = frame.channelMessages;
        const below = this.history.filter((m) => before === undefined || m.seq < before);
        const messages = below.slice(-limit).reverse();
        return answer(
          'channelRead',
          { messagesTotal: this.history.length, messagesReceived: messages.length, messages },
          'channelMessages',
        );
      }
      default:
        return answer('error', { code: 3, message: 'unknown type' });
    }
  }

  #append(senderUUID: string, text: string): StoredMessage {
    const seq = this.history.length + 1;
    const message: StoredMessage = {
      UUID: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      senderUUID,
      recipientUUID: 0,
      message: text,
      createdAt: new Date(1_700_000_000_000 + seq).toISOString(),
      seq,
    };
    this.history.push(message);
    return message;
  }
}
