/**
 * One WebSocket to one node: waits for `ready`, sends requests with an `id`
 * and settles each by the response or error that echoes it, hands every
 * other frame (the pushes) to `onPush`, and fails everything in flight when
 * the socket closes. Reconnecting is the client's business, not this one's.
 */
import type { Requests, WireError, WireRequestType } from '../src/protocol/wire.js';
import { ChatError } from './chat-error.js';
import { OPEN, type WebSocketConstructor, type WebSocketLike } from './socket.js';

/** Any frame the server sends. */
export interface Frame {
  type: string;
  id?: string;
  [key: string]: unknown;
}

/** The user a request is made as. */
export interface Credentials {
  userUUID: string;
  accessKey: string;
}

export interface ConnectionHandlers {
  onPush(frame: Frame): void;
  /** Once, when the socket has closed (by either side) or failed to open. */
  onClose(): void;
}

interface InFlight {
  resolve(payload: unknown): void;
  reject(error: ChatError): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Where a request's payload sits: under its type, except signIn's, which the seed calls `signId`. */
const requestKeyOf = (type: WireRequestType): string => (type === 'signIn' ? 'signId' : type);

/** Where a response's payload sits: under its type, except channelRead's, which the seed keys `channelMessages`. */
const responseKeyOf = (type: string): string => (type === 'channelRead' ? 'channelMessages' : type);

export class Connection {
  readonly url: string;
  /** When the last frame arrived (performance.now()); the client's watchdog reads it. */
  lastFrameAt: number;
  readonly #socket: WebSocketLike;
  readonly #handlers: ConnectionHandlers;
  readonly #inFlight = new Map<string, InFlight>();
  #sessionUUID: string | undefined;
  #nextId = 1;
  #closed = false;
  readonly #ready: Promise<void>;

  constructor(url: string, WebSocket: WebSocketConstructor, handlers: ConnectionHandlers, openTimeoutMs: number) {
    this.url = url;
    this.#handlers = handlers;
    this.lastFrameAt = performance.now();
    this.#socket = new WebSocket(url);
    this.#ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ChatError('timeout', `no ready frame from ${url} within ${openTimeoutMs} ms`));
        this.close();
      }, openTimeoutMs);
      this.#socket.onmessage = (event) => {
        const frame = parse(event.data);
        this.lastFrameAt = performance.now();
        if (this.#sessionUUID === undefined) {
          const ready = frame?.type === 'ready' ? (frame.ready as { sessionUUID?: unknown }) : undefined;
          if (typeof ready?.sessionUUID === 'string') {
            this.#sessionUUID = ready.sessionUUID;
            clearTimeout(timer);
            resolve();
          }
          return;
        }
        if (frame !== undefined) this.#receive(frame);
      };
      this.#socket.onclose = () => {
        clearTimeout(timer);
        reject(new ChatError('connection-lost', `connection to ${url} closed`));
        this.#onClosed();
      };
    });
    // A failed socket also closes; its error event says nothing more.
    this.#socket.onerror = () => {};
    // Whoever awaits `ready` sees the failure; an unawaited rejection must not crash the page or process.
    this.#ready.catch(() => {});
  }

  /** Resolves once the server's `ready` frame has arrived; rejects if the socket closes or times out first. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  get isOpen(): boolean {
    return !this.#closed && this.#socket.readyState === OPEN && this.#sessionUUID !== undefined;
  }

  /**
   * Sends a request and resolves with its response's payload, or rejects
   * with a ChatError: the server's error, 'timeout' after `timeoutMs`
   * (none when undefined), 'connection-lost' if the socket closes first.
   */
  request<T extends WireRequestType>(
    type: T,
    payload: Requests[T]['payload'],
    credentials: Credentials | undefined,
    timeoutMs: number | undefined,
  ): Promise<Requests[T]['response']> {
    if (!this.isOpen) return Promise.reject(new ChatError('connection-lost', 'not connected'));
    const id = String(this.#nextId++);
    const frame: Record<string, unknown> = { type, SUUID: this.#sessionUUID, id };
    if (credentials !== undefined) {
      frame.userUUID = credentials.userUUID;
      frame.userAccessKey = credentials.accessKey;
    }
    if (payload !== undefined) frame[requestKeyOf(type)] = payload;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.#inFlight.delete(id);
              reject(new ChatError('timeout', `no answer to ${type} within ${timeoutMs} ms`));
            }, timeoutMs);
      this.#inFlight.set(id, { resolve: resolve as (payload: unknown) => void, reject, timer });
      this.#socket.send(JSON.stringify(frame));
    });
  }

  close(): void {
    if (this.#closed) return;
    try {
      this.#socket.close(1000);
    } catch {
      // Closing a socket that never opened throws in some implementations; it is closed either way.
    }
    this.#onClosed();
  }

  #receive(frame: Frame): void {
    const inFlight = frame.id === undefined ? undefined : this.#inFlight.get(frame.id);
    if (inFlight === undefined) {
      if (frame.id === undefined) this.#handlers.onPush(frame);
      return;
    }
    this.#inFlight.delete(frame.id!);
    clearTimeout(inFlight.timer);
    if (frame.type === 'error') {
      const error = frame.error as WireError;
      inFlight.reject(new ChatError(error.code, error.message));
    } else {
      inFlight.resolve(frame[responseKeyOf(frame.type)]);
    }
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.onmessage = null;
    for (const inFlight of this.#inFlight.values()) {
      clearTimeout(inFlight.timer);
      inFlight.reject(new ChatError('connection-lost', `connection to ${this.url} closed before the answer`));
    }
    this.#inFlight.clear();
    this.#handlers.onClose();
  }
}

function parse(data: unknown): Frame | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const value = JSON.parse(data) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as Frame).type === 'string'
      ? (value as Frame)
      : undefined;
  } catch {
    return undefined;
  }
}
