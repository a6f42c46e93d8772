/**
 * A test client over a real WebSocket. `request()` stamps SUUID and a fresh
 * `id`, and resolves with the frame echoing that id; pushes (frames of type
 * channelMessage without an id) are collected apart, in arrival order.
 */
import { WebSocket } from 'ws';

export type Frame = Record<string, any>;

export interface Auth {
  userUUID: string;
  userAccessKey: string;
}

/** How long a test waits for a frame: generous, the machine may be loaded. */
const WAIT_MS = 10_000;
let nextId = 0;

export class ChatClient {
  readonly ws: WebSocket;
  sessionUUID = '';
  /** The wire credentials (userUUID, userAccessKey) from the last signIn/signUp through this client. */
  auth: Auth = { userUUID: '', userAccessKey: '' };
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  readonly pushes: Frame[] = [];
  /** Resolves with the close code. */
  readonly closed: Promise<number>;
  #replies: Frame[] = [];
  #waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      if (frame.type === 'channelMessage' && !('id' in frame)) this.pushes.push(frame);
      else this.#replies.push(frame);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    ws.on('error', () => {});
  }

  static async connect(url: string): Promise<ChatClient> {
    return ChatClient.connectWith(new WebSocket(url));
  }

  /** A client over a WebSocket made elsewhere (another source address, extra headers), once it is ready. */
  static async connectWith(ws: WebSocket): Promise<ChatClient> {
    const client = new ChatClient(ws);
    const ready = await client.nextReply();
    if (ready.type !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(ready)}`);
    client.sessionUUID = ready.ready.sessionUUID;
    return client;
  }

  /** Connects and signs up a new user. */
  static async signedUp(url: string, username: string, password = 'correct horse'): Promise<ChatClient> {
    const client = await ChatClient.connect(url);
    await client.signUp(username, password);
    return client;
  }

  /** Sends `body` with SUUID and a fresh id; resolves with the response or error echoing that id (within `ms`). */
  async request(body: Frame, ms = WAIT_MS): Promise<Frame> {
    const id = `r${++nextId}`;
    this.sendJson({ SUUID: this.sessionUUID, id, ...body });
    return this.#take((frame) => frame.id === id, ms);
  }

  /** A request carrying this client's credentials. */
  authed(body: Frame, ms = WAIT_MS): Promise<Frame> {
    return this.request({ ...this.auth, ...body }, ms);
  }

  async signUp(username: string, password = 'correct horse'): Promise<Frame> {
    return this.#keepAuth(await this.request({ type: 'signUp', signUp: { username, password } }));
  }

  async signIn(username: string, password = 'correct horse'): Promise<Frame> {
    return this.#keepAuth(await this.request({ type: 'signIn', signId: { username, password } }));
  }

  sendJson(body: unknown): void {
    this.ws.send(JSON.stringify(body));
  }

  /** The next reply (any frame but a push), in order. */
  nextReply(): Promise<Frame> {
    return this.#take(() => true);
  }

  /** Waits until `count` pushes have arrived in total; returns them all. */
  async waitForPushes(count: number, ms = WAIT_MS): Promise<Frame[]> {
    const deadline = Date.now() + ms;
    while (this.pushes.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} pushes, got ${this.pushes.length}`);
      await this.#wait(deadline - Date.now());
    }
    return this.pushes;
  }

  close(): void {
    this.ws.close();
  }

  #keepAuth(frame: Frame): Frame {
    if (frame.type === 'authorized') {
      this.auth = { userUUID: frame.authorized.userUUID, userAccessKey: frame.authorized.accessKey };
    }
    return frame;
  }

  async #take(match: (frame: Frame) => boolean, ms = WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.#replies.findIndex(match);
      if (index !== -1) return this.#replies.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no matching frame within ${ms} ms`);
      await this.#wait(deadline - Date.now());
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, ms));
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `probe` (at most `attempts` times, `intervalMs` apart, and until `withinMs`) until `done`; returns the last value. */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  withinMs: number,
  intervalMs = 200,
): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const attempts = Math.ceil(withinMs / intervalMs) + 1;
  let value = await probe();
  for (let i = 0; i < attempts && !done(value) && Date.now() - started < withinMs; i++) {
    await sleep(intervalMs);
    value = await probe();
  }
  return { value, ms: Date.now() - started };
}
