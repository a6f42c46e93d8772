/**
 * One interface over the two servers' protocols, so every scenario runs the
 * same steps against ours (raw WebSocket, docs/protocol.md) and the Socket.IO
 * peer. Message texts start with `T<send time>;` (performance.now() of the
 * load generator) so latency is measured end to end.
 */
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';

export type ServerKind = 'ours' | 'peer';

export interface BenchClient {
  signIn(username: string, password: string): Promise<void>;
  /** Reuses credentials from another client's sign-in (no bcrypt). */
  resume(credentials: unknown): Promise<void>;
  readonly credentials: unknown;
  joinPublic(): Promise<void>;
  /**
   * Sends to the public channel; with a clientMessageId, as an idempotent send (ours only).
   * Resolves with the stored message's seq (ours; the peer has none: 0).
   */
  sendPublic(text: string, clientMessageId?: string): Promise<number>;
  history(offset: number, limit: number): Promise<number>;
  /** A page by cursor: the `limit` messages below `before` (ours only: the peer has no cursor). */
  historyBefore(before: number, limit: number): Promise<number>;
  /** A page by cursor: the `limit` messages above `after` (ours only). */
  historyAfter(after: number, limit: number): Promise<number>;
  /** Ours only: joins a private channel with `recipientUUID`. */
  joinPrivate(recipientUUID: string): Promise<void>;
  /** Ours only: sends to the private channel with `recipientUUID`. */
  sendPrivate(recipientUUID: string, text: string): Promise<void>;
  /** Ours only: sets the connection's watched events. */
  watch(events: string[]): Promise<void>;
  /** Ours only: tells a channel the user is typing. */
  typing(recipientUUID: string | 0, typing: boolean): Promise<void>;
  /** Ours only: a page of the conversation list; how many entries it held. */
  channels(offset: number, limit: number): Promise<number>;
  /** Called with the send time carried by each pushed message. */
  onPush(handler: (sentAt: number) => void): void;
  /** Called for each other push (typing, receipts, inbox). */
  onSignal(handler: () => void): void;
  close(): void;
}

/** @param localAddress the loopback source address (127.0.0.2, …) when one address runs short of ports */
export async function connectClient(kind: ServerKind, port: number, localAddress?: string): Promise<BenchClient> {
  return kind === 'ours' ? OursClient.connect(port, localAddress) : PeerClient.connect(port);
}

/** The send time in a text `T<ms>;…`. */
export function sentAtOf(text: string): number {
  return Number(text.slice(1, text.indexOf(';')));
}

const MESSAGE_MARKER = Buffer.from('"message":"T');
const SEMICOLON = 0x3b;
/** Every request carries this id, so a response is told from a push by its last bytes. */
const ID_SUFFIX = Buffer.from(',"id":"q"}');

class OursClient implements BenchClient {
  readonly #ws: WebSocket;
  #session = '';
  #auth: { userUUID: string; userAccessKey: string } = { userUUID: '', userAccessKey: '' };
  /** `parse` false: the caller needs no more than success (a join's users list is too big to parse for nothing). */
  #pending: { resolve: (frame: any) => void; reject: (error: Error) => void; parse?: boolean }[] = [];
  #onPush: (sentAt: number) => void = () => {};
  #onSignal: () => void = () => {};

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => this.#receive(data));
    ws.on('error', () => {});
    ws.on('close', () => {
      for (const waiter of this.#pending.splice(0)) waiter.reject(new Error('closed'));
    });
  }

  static async connect(port: number, localAddress?: string): Promise<OursClient> {
    // The load generator shares the machine with the server: spend as little CPU per frame as possible.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    const client = new OursClient(ws);
    const ready = await new Promise<any>((resolve, reject) => client.#pending.push({ resolve, reject }));
    client.#session = ready.ready.sessionUUID;
    return client;
  }

  get credentials(): unknown {
    return this.#auth;
  }

  async signIn(username: string, password: string): Promise<void> {
    const reply = await this.#request({ type: 'signIn', signId: { username, password } });
    this.#auth = { userUUID: reply.authorized.userUUID, userAccessKey: reply.authorized.accessKey };
  }

  async resume(credentials: unknown): Promise<void> {
    this.#auth = credentials as { userUUID: string; userAccessKey: string };
  }

  async joinPublic(): Promise<void> {
    await this.#request({ type: 'channelJoin', ...this.#auth, channelJoin: { recipientUUID: 0 } }, false);
  }

  async sendPublic(text: string, clientMessageId?: string): Promise<number> {
    return this.#send(0, text, clientMessageId);
  }

  async history(offset: number, limit: number): Promise<number> {
    const reply = await this.#request({
      type: 'channelMessages',
      ...this.#auth,
      channelMessages: { recipientUUID: 0, offset, limit },
    });
    return reply.channelMessages.messagesReceived;
  }

  async historyBefore(before: number, limit: number): Promise<number> {
    const reply = await this.#request({
      type: 'channelMessages',
      ...this.#auth,
      channelMessages: { recipientUUID: 0, before, limit },
    });
    return reply.channelMessages.messagesReceived;
  }

  async historyAfter(after: number, limit: number): Promise<number> {
    const reply = await this.#request({
      type: 'channelMessages',
      ...this.#auth,
      channelMessages: { recipientUUID: 0, after, limit },
    });
    return reply.channelMessages.messagesReceived;
  }

  async joinPrivate(recipientUUID: string): Promise<void> {
    await this.#request({ type: 'channelJoin', ...this.#auth, channelJoin: { recipientUUID } }, false);
  }

  async sendPrivate(recipientUUID: string, text: string): Promise<void> {
    await this.#send(recipientUUID, text, undefined);
  }

  async watch(events: string[]): Promise<void> {
    await this.#request({ type: 'watch', ...this.#auth, watch: { events } });
  }

  async typing(recipientUUID: string | 0, typing: boolean): Promise<void> {
    await this.#request({ type: 'typing', ...this.#auth, typing: { recipientUUID, typing } });
  }

  async channels(offset: number, limit: number): Promise<number> {
    const reply = await this.#request({ type: 'channels', ...this.#auth, channels: { offset, limit } });
    return reply.channels.received;
  }

  onPush(handler: (sentAt: number) => void): void {
    this.#onPush = handler;
  }

  onSignal(handler: () => void): void {
    this.#onSignal = handler;
  }

  close(): void {
    this.#ws.terminate();
  }

  /** A channelMessage; resolves with the stored message's seq. */
  async #send(recipientUUID: string | 0, text: string, clientMessageId: string | undefined): Promise<number> {
    const reply = await this.#request({
      type: 'channelMessage',
      ...this.#auth,
      channelMessage: { recipientUUID, message: text, clientMessageId },
    });
    return reply.channelMessage.seq;
  }

  #request(body: object, parse = true): Promise<any> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject, parse });
      this.#ws.send(JSON.stringify({ SUUID: this.#session, id: 'q', ...body }));
    });
  }

  #receive(data: Buffer): void {
    const isResponse = this.#session === '' || endsWith(data, ID_SUFFIX);
    if (!isResponse) {
      // A push: read the send time without parsing the whole frame.
      const at = data.indexOf(MESSAGE_MARKER);
      if (at === -1) {
        this.#onSignal();
        return;
      }
      const start = at + MESSAGE_MARKER.length;
      this.#onPush(Number(data.toString('latin1', start, data.indexOf(SEMICOLON, start))));
      return;
    }
    const waiter = this.#pending.shift();
    if (waiter?.parse === false && !startsWith(data, ERROR_PREFIX)) {
      waiter.resolve(undefined);
      return;
    }
    const frame = JSON.parse(data.toString());
    if (frame.type === 'error') waiter?.reject(new Error(`error ${frame.error.code}: ${frame.error.message}`));
    else waiter?.resolve(frame);
  }
}

const ERROR_PREFIX = Buffer.from('{"type":"error"');
const startsWith = (data: Buffer, prefix: Buffer): boolean => data.subarray(0, prefix.length).equals(prefix);

function endsWith(data: Buffer, suffix: Buffer): boolean {
  const offset = data.length - suffix.length;
  if (offset < 0) return false;
  for (let i = 0; i < suffix.length; i++) if (data[offset + i] !== suffix[i]) return false;
  return true;
}

class PeerClient implements BenchClient {
  readonly #socket: Socket;
  #auth: unknown;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  static async connect(port: number): Promise<PeerClient> {
    const socket = io(`ws://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return new PeerClient(socket);
  }

  get credentials(): unknown {
    return this.#auth;
  }

  async signIn(username: string, password: string): Promise<void> {
    const reply = await this.#socket.emitWithAck('signIn', { username, password });
    if (reply.error) throw new Error(`peer signIn error ${reply.error}`);
    this.#auth = reply;
  }

  async resume(credentials: unknown): Promise<void> {
    const reply = await this.#socket.emitWithAck('resume', credentials);
    if (reply.error) throw new Error(`peer resume error ${reply.error}`);
    this.#auth = credentials;
  }

  async joinPublic(): Promise<void> {
    await this.#socket.emitWithAck('join', { room: 'public' });
  }

  async sendPublic(text: string): Promise<number> {
    const reply = await this.#socket.emitWithAck('send', { room: 'public', message: text });
    if (reply.error) throw new Error(`peer send error ${reply.error}`);
    return 0;
  }

  async history(offset: number, limit: number): Promise<number> {
    const reply = await this.#socket.emitWithAck('history', { room: 'public', offset, limit });
    return reply.messages.length;
  }

  async historyBefore(): Promise<number> {
    throw new Error('the peer has no cursor paging');
  }

  async historyAfter(): Promise<number> {
    throw new Error('the peer has no cursor paging');
  }

  async joinPrivate(): Promise<void> {
    throw new Error('ours only');
  }

  async sendPrivate(): Promise<void> {
    throw new Error('ours only');
  }

  async watch(): Promise<void> {
    throw new Error('the peer has no watch');
  }

  async typing(): Promise<void> {
    throw new Error('the peer has no typing');
  }

  async channels(): Promise<number> {
    throw new Error('the peer has no conversation list');
  }

  onSignal(): void {}

  onPush(handler: (sentAt: number) => void): void {
    this.#socket.on('message', (message: { message: string }) => handler(sentAtOf(message.message)));
  }

  close(): void {
    this.#socket.disconnect();
  }
}
