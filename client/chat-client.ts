/**
 * The client: keeps one connection to one of `urls` (failing over between
 * them, with full-jitter backoff), re-binds it with the access key after a
 * reconnect, rejoins every channel from the last seq it handed out, and
 * sends again, with the same clientMessageId, every send not yet answered.
 * So each channel's 'message' stream has no gap and no duplicate, and each
 * send is stored once, whatever happens to connections and nodes.
 */
import type {
  ChannelsPage,
  InboxNotice,
  Requests,
  SeenReceipt,
  TypingSignal,
  UsersPage,
  WatchEvent,
  WireMessage,
  WireRequestType,
} from '../src/protocol/wire.js';
import { Backoff } from './backoff.js';
import { Channel, type ChannelHost, type RequestFn } from './channel.js';
import { ChatError, UNAUTHORIZED } from './chat-error.js';
import { Connection, type Credentials, type Frame } from './connection.js';
import { Emitter } from './emitter.js';
import { channelKey, channelOfMessage, fromWire, type Message, wireRecipient } from './message.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { randomUUID, type WebSocketConstructor } from './socket.js';

export type ClientState = 'disconnected' | 'connecting' | 'connected';

export interface ChatClientOptions {
  /** ws:// or wss:// URLs of the nodes (path /ws); tried in turn, starting with the first. */
  urls: string[];
  /** The WebSocket class. Default: the global one (browsers, Node ≥ 22); on Node 20 pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor;
  /** How long a request may wait for its answer, reconnecting included. Default 5,000 ms. */
  requestTimeoutMs?: number;
  /** How long a send keeps being sent again before it is given up. Default 60,000 ms. */
  sendTimeoutMs?: number;
  /** Reconnect backoff bounds. Defaults 500 ms and 20,000 ms. */
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** After this long without a frame, a probe request; unanswered, the connection is dropped. Default 25,000 ms. */
  pingIntervalMs?: number;
  /** How long a new connection may take to open and say `ready`. Default 10,000 ms. */
  openTimeoutMs?: number;
  /** A number in [0, 1) for the backoff's jitter. Default Math.random. */
  random?: () => number;
}

export interface InboxMessage {
  message: Message;
  /** The recipient's unread count in that channel right after it. */
  unread: number;
}

export interface ClientEvents extends Record<string, unknown> {
  state: ClientState;
  /** A new message in one of the user's private channels, joined or not. */
  inbox: InboxMessage;
  /** The stored access key was refused (revoked or expired): the client is signed out. */
  unauthorized: ChatError;
}

export interface JoinOptions {
  /** The highest seq already held: the join brings every message after it (into `recent`). */
  since?: number;
}

/** The pushes the SDK asks for; it routes each to its channel or to 'inbox'. */
const WATCHED: WatchEvent[] = ['typing', 'channelSeen', 'inbox'];
/** Before sending again a send answered with 10 or 11. */
const RETRY_SEND_MS = 1000;

export class ChatClient extends Emitter<ClientEvents> {
  readonly #urls: string[];
  readonly #WebSocket: WebSocketConstructor;
  readonly #requestTimeoutMs: number;
  readonly #pingIntervalMs: number;
  readonly #openTimeoutMs: number;
  readonly #backoff: Backoff;
  readonly #outbox: Outbox<Channel>;
  readonly #channels = new Map<string, Channel>();
  readonly #host: ChannelHost;
  #state: ClientState = 'disconnected';
  /** The connection, once bound and rejoined. */
  #connection: Connection | undefined;
  #credentials: Credentials | undefined;
  #urlIndex = 0;
  #running = false;
  #closed = false;
  /** Ends the backoff wait early (the browser came back online). */
  #wake: (() => void) | undefined;
  readonly #waiters = new Set<{ resolve(connection: Connection): void; reject(error: ChatError): void }>();
  #watchdog: ReturnType<typeof setInterval> | undefined;
  readonly #online = (): void => this.#wake?.();

  constructor(options: ChatClientOptions) {
    super();
    if (options.urls.length === 0) throw new TypeError('ChatClient needs at least one URL');
    const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (WebSocket === undefined) throw new TypeError('no global WebSocket: pass one in the options');
    this.#urls = [...options.urls];
    this.#WebSocket = WebSocket;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.#pingIntervalMs = options.pingIntervalMs ?? 25_000;
    this.#openTimeoutMs = options.openTimeoutMs ?? 10_000;
    this.#backoff = new Backoff({
      minDelayMs: options.minReconnectDelayMs,
      maxDelayMs: options.maxReconnectDelayMs,
      random: options.random,
    });
    this.#outbox = new Outbox(options.sendTimeoutMs ?? 60_000);
    this.#host = {
      request: (type, payload) => this.#request(type, payload, true),
      send: (channel, text, clientMessageId) => this.#send(channel, text, clientMessageId),
      forget: (channel) => this.#forget(channel, new ChatError('closed', 'left the channel')),
    };
  }

  get state(): ClientState {
    return this.#state;
  }

  /** Who the client is signed in as, and the key that proves it: store it to `resume` later. */
  get credentials(): Credentials | undefined {
    return this.#credentials === undefined ? undefined : { ...this.#credentials };
  }

  /** The channel joined with this recipient ('0' or 0 for the public channel), if any. */
  channel(recipientUUID: string | 0): Channel | undefined {
    return this.#channels.get(channelKey(recipientUUID));
  }

  /** Starts connecting (sign-in, sign-up and resume do it themselves); it keeps reconnecting until `close()`. */
  connect(): void {
    if (this.#closed) throw new ChatError('closed', 'the client is closed');
    if (this.#running) return;
    this.#running = true;
    (globalThis as { addEventListener?: (type: string, fn: () => void) => void }).addEventListener?.(
      'online',
      this.#online,
    );
    this.#watchdog = setInterval(() => this.#probe(), Math.max(100, this.#pingIntervalMs / 2));
    void this.#run();
  }

  async signIn(username: string, password: string): Promise<Credentials> {
    return this.#authorize(await this.#request('signIn', { username, password }, false));
  }

  async signUp(username: string, password: string): Promise<Credentials> {
    return this.#authorize(await this.#request('signUp', { username, password }, false));
  }

  /** Signs in with stored credentials, without the password; rejects with code 5 when they are no longer valid. */
  async resume(credentials: Credentials): Promise<void> {
    this.#adopt({ userUUID: credentials.userUUID.toLowerCase(), accessKey: credentials.accessKey });
    try {
      await this.#request('watch', { events: WATCHED }, true);
    } catch (error) {
      if (error instanceof ChatError && error.code === UNAUTHORIZED) this.#signedOut(error);
      throw error;
    }
  }

  /** Revokes the access key on every node; channels are dropped and unanswered sends given up. */
  async signOut(): Promise<void> {
    await this.#request('signOut', undefined, true);
    this.#signedOut(new ChatError(UNAUTHORIZED, 'signed out'));
  }

  /** Joins (0 = the public channel); the same Channel again when already joined. */
  async join(recipientUUID: string | 0, options: JoinOptions = {}): Promise<Channel> {
    const key = channelKey(recipientUUID);
    const existing = this.#channels.get(key);
    if (existing !== undefined) return existing;
    const channel = new Channel(key, this.#host);
    this.#channels.set(key, channel);
    try {
      await channel.join(this.#host.request, options.since);
    } catch (error) {
      this.#channels.delete(key);
      channel.stop();
      throw error;
    }
    return channel;
  }

  async users(page: { offset?: number; limit?: number } = {}): Promise<UsersPage> {
    return this.#request('users', page, true);
  }

  async channels(page: { offset?: number; limit?: number } = {}): Promise<ChannelsPage> {
    return this.#request('channels', page, true);
  }

  /** Stops for good: the connection closes, waiting requests and sends fail with code 'closed'. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    (globalThis as { removeEventListener?: (type: string, fn: () => void) => void }).removeEventListener?.(
      'online',
      this.#online,
    );
    const closed = new ChatError('closed', 'the client is closed');
    for (const waiter of this.#waiters) waiter.reject(closed);
    this.#waiters.clear();
    this.#outbox.rejectAll(closed);
    for (const channel of this.#channels.values()) channel.stop();
    this.#channels.clear();
    this.#wake?.();
    this.#connection?.close();
    this.#connection = undefined;
    this.#setState('disconnected');
  }

  /** Connect, bind, rejoin, resend; on any failure or drop, back off and go to the next URL. */
  async #run(): Promise<void> {
    while (!this.#closed) {
      this.#setState('connecting');
      let dropped!: () => void;
      const closed = new Promise<void>((resolve) => {
        dropped = resolve;
      });
      const url = this.#urls[this.#urlIndex]!;
      const connection = new Connection(
        url,
        this.#WebSocket,
        { onPush: (frame) => this.#onPush(frame), onClose: () => dropped() },
        this.#openTimeoutMs,
      );
      try {
        await connection.ready;
        await this.#restore(connection);
        if (this.#closed) break;
        this.#connection = connection;
        this.#backoff.reset();
        for (const entry of this.#outbox.unsent()) this.#attempt(entry, connection);
        this.#setState('connected');
        for (const waiter of this.#waiters) waiter.resolve(connection);
        this.#waiters.clear();
        await closed;
      } catch {
        connection.close();
      }
      this.#connection = undefined;
      this.#urlIndex = (this.#urlIndex + 1) % this.#urls.length;
      if (this.#closed) break;
      this.#setState('connecting');
      await this.#sleep(this.#backoff.next());
    }
  }

  /** A new connection: bound with the access key, every channel rejoined from where it was. */
  async #restore(connection: Connection): Promise<void> {
    const request: RequestFn = (type, payload) =>
      connection.request(type, payload, this.#credentials, this.#requestTimeoutMs);
    if (this.#credentials !== undefined) {
      try {
        await request('watch', { events: WATCHED });
      } catch (error) {
        if (!(error instanceof ChatError) || error.code !== UNAUTHORIZED) throw error;
        this.#signedOut(error);
        this.emit('unauthorized', error);
      }
    }
    await Promise.all([...this.#channels.values()].map((channel) => channel.rejoin(request)));
  }

  /** Waits `ms`, or less if #wake is called (the browser came back online, or close()). */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  /** A request on the connection, waiting for one while reconnecting; the whole within requestTimeoutMs. */
  async #request<T extends WireRequestType>(
    type: T,
    payload: Requests[T]['payload'],
    authenticated: boolean,
  ): Promise<Requests[T]['response']> {
    const deadline = performance.now() + this.#requestTimeoutMs;
    const connection = await this.#whenConnected();
    if (authenticated && this.#credentials === undefined) throw new ChatError(UNAUTHORIZED, 'not signed in');
    const left = Math.max(1, deadline - performance.now());
    return connection.request(type, payload, authenticated ? this.#credentials : undefined, left);
  }

  #whenConnected(): Promise<Connection> {
    if (this.#closed) return Promise.reject(new ChatError('closed', 'the client is closed'));
    if (this.#state === 'connected' && this.#connection?.isOpen) return Promise.resolve(this.#connection);
    this.connect();
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (connection: Connection) => {
          clearTimeout(timer);
          resolve(connection);
        },
        reject: (error: ChatError) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new ChatError('timeout', `not connected within ${this.#requestTimeoutMs} ms`));
      }, this.#requestTimeoutMs);
      this.#waiters.add(waiter);
    });
  }

  #send(channel: Channel, text: string, clientMessageId: string | undefined): Promise<Message> {
    if (this.#closed) return Promise.reject(new ChatError('closed', 'the client is closed'));
    if (channel.left) return Promise.reject(new ChatError('closed', 'the channel was left'));
    const { entry, sent } = this.#outbox.add(channel, text, clientMessageId ?? randomUUID());
    if (this.#state === 'connected' && this.#connection !== undefined) this.#attempt(entry, this.#connection);
    return sent;
  }

  /** One attempt of a send; a temporary failure is tried again, a dropped connection by the next restore. */
  #attempt(entry: OutboxEntry<Channel>, connection: Connection): void {
    entry.inFlight = true;
    const payload = {
      recipientUUID: wireRecipient(entry.channel.recipientUUID),
      message: entry.text,
      clientMessageId: entry.clientMessageId,
    };
    connection.request('channelMessage', payload, this.#credentials, undefined).then(
      (sent: WireMessage) => {
        const message = fromWire(sent);
        entry.channel.receive(message);
        this.#outbox.resolve(entry, message);
      },
      (error: ChatError) => {
        entry.inFlight = false;
        if (!this.#outbox.has(entry) || error.code === 'connection-lost') return;
        if (!error.temporary) {
          this.#outbox.reject(entry, error);
          return;
        }
        setTimeout(() => {
          const now = this.#connection;
          if (this.#outbox.has(entry) && !entry.inFlight && this.#state === 'connected' && now !== undefined) {
            this.#attempt(entry, now);
          }
        }, RETRY_SEND_MS);
      },
    );
  }

  #authorize(credentials: Credentials): Promise<Credentials> {
    this.#adopt(credentials);
    return this.#request('watch', { events: WATCHED }, true).then(() => ({ ...credentials }));
  }

  /** New credentials; those of another user end the previous user's channels and sends. */
  #adopt(credentials: Credentials): void {
    if (this.#credentials !== undefined && this.#credentials.userUUID !== credentials.userUUID) {
      this.#signedOut(new ChatError(UNAUTHORIZED, 'signed in as another user'));
    }
    this.#credentials = credentials;
  }

  #signedOut(error: ChatError): void {
    this.#credentials = undefined;
    this.#outbox.rejectAll(error);
    for (const channel of this.#channels.values()) channel.stop();
    this.#channels.clear();
  }

  #forget(channel: Channel, error: ChatError): void {
    if (this.#channels.get(channel.recipientUUID) === channel) this.#channels.delete(channel.recipientUUID);
    this.#outbox.rejectAll(error, channel);
  }

  #onPush(frame: Frame): void {
    const me = this.#credentials?.userUUID;
    if (me === undefined) return;
    switch (frame.type) {
      case 'channelMessage': {
        const message = frame.channelMessage as WireMessage;
        this.#channels.get(channelOfMessage(message, me))?.receive(fromWire(message));
        break;
      }
      case 'typing': {
        const signal = frame.typing as TypingSignal;
        const key = signal.recipientUUID === 0 ? '0' : signal.userUUID;
        this.#channels.get(key)?.onTyping(signal.userUUID, signal.typing);
        break;
      }
      case 'channelSeen': {
        const receipt = frame.channelSeen as SeenReceipt;
        this.#channels.get(receipt.userUUID)?.onSeen(receipt.userUUID, receipt.seq);
        break;
      }
      case 'inbox': {
        const notice = frame.inbox as InboxNotice;
        this.emit('inbox', { message: fromWire(notice.message), unread: notice.unread });
        break;
      }
    }
  }

  /** The watchdog: a connection silent for pingIntervalMs gets a probe; no answer in time, and it is dropped. */
  #probe(): void {
    const connection = this.#connection;
    if (connection === undefined || performance.now() - connection.lastFrameAt < this.#pingIntervalMs) return;
    connection.lastFrameAt = performance.now();
    connection.request('watch', { events: WATCHED }, this.#credentials, this.#requestTimeoutMs).catch((error) => {
      // Any answer, an error included, shows the connection alive.
      if (error instanceof ChatError && error.code === 'timeout') connection.close();
    });
  }

  #setState(state: ClientState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }
}
