/**
 * One WebSocket connection: its session UUID, its binding to a user, its
 * subscriptions, and the request pipeline. Requests are handled one at a
 * time in arrival order (a mailbox), so each sees the effects of the ones
 * before it and responses leave in request order.
 *
 * Faults are checked in PROTOCOL.md's order — 1, 3, 4, 10, 5, 2, then the
 * handler's 6-9 — and every error becomes a wire error here, in one place.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { type RawData, WebSocket } from 'ws';
import { parseAccessKey } from '../actors/access-key.js';
import { Mailbox } from '../actors/mailbox.js';
import type { ConnectionHandle, RequestContext, Services } from '../handlers/context.js';
import { handlers } from '../handlers/index.js';
import {
  checkRouting,
  echoableId,
  parseFrame,
  type RawEnvelope,
  readCredentials,
  readPayload,
} from '../protocol/envelope.js';
import { ErrorCode, ProtocolError, unavailable } from '../protocol/errors.js';
import { type RequestType, UNAUTHENTICATED_TYPES } from '../protocol/requests.js';
import { errorFrame, readyFrame } from '../protocol/responses.js';
import { isTracing, tracer } from '../telemetry/tracing.js';
import { type Flushable, flushAtEndOfTurn } from './end-of-turn.js';
import { textFrame } from './text-frame.js';
import { TokenBucket } from './token-bucket.js';

/** Requests queued on one connection before the server stops reading from its socket. */
const MAX_QUEUED_REQUESTS = 256;

const NO_CALLER = Object.freeze({ userUUID: '', keyId: '' });

/*
 * Socket events reach their session through one set of shared listener
 * functions (`this` is the socket) rather than closures made per session:
 * with thousands of idle connections, per-connection memory is what counts.
 */
const SESSION = Symbol('session');
type SessionSocket = WebSocket & { [SESSION]: Session };
const sessionOf = (ws: WebSocket): Session => (ws as SessionSocket)[SESSION];

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  sessionOf(this).receive(data, isBinary);
}
function onPong(this: WebSocket): void {
  sessionOf(this).alive = true;
}
function onError(this: WebSocket, error: Error): void {
  sessionOf(this).socketError(error);
}
function onClose(this: WebSocket): void {
  sessionOf(this).closed();
}

export class Session implements ConnectionHandle, Flushable {
  readonly sessionUUID = randomUUID();
  /** The bound user, or '' when unbound. */
  userUUID = '';
  readonly joined = new Set<string>();
  readonly #ws: WebSocket;
  readonly #services: Services;
  readonly #requests = new Mailbox();
  readonly #bucket: TokenBucket;
  /** Sessions of this server; a session leaves it once released. */
  readonly #live: Set<Session>;
  #paused = false;
  /** Framed pushes of this turn, not yet written (see deliver()). */
  #pushes: Buffer | Buffer[] | undefined;
  /** Whether a pong arrived since the last ping. */
  alive = true;
  #closed = false;
  /** Made only when someone waits for the release (shutdown). */
  #release: { promise: Promise<void>; resolve: () => void } | undefined;
  #released = false;

  /** @param live the server's set of sessions: this one is in it until released */
  constructor(ws: WebSocket, services: Services, live: Set<Session>) {
    this.#ws = ws;
    this.#services = services;
    this.#live = live;
    this.#bucket = new TokenBucket(services.config.rateLimitPerSec, services.config.rateLimitBurst);
    live.add(this);
    (ws as SessionSocket)[SESSION] = this;
    ws.on('message', onMessage);
    ws.on('pong', onPong);
    ws.on('error', onError);
    ws.on('close', onClose);
    this.#send(readyFrame(this.sessionUUID));
  }

  /** Settles once the connection's subscriptions and binding are released. */
  get released(): Promise<void> {
    if (this.#released) return Promise.resolve();
    if (this.#release === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#release = { promise, resolve };
    }
    return this.#release.promise;
  }

  /** The socket closed: release the binding and subscriptions, after any request in flight. */
  closed(): void {
    this.#closed = true;
    // Queued behind any request in flight, so a join finishing late is undone too.
    void this.#requests
      .post(() => this.unbind())
      .catch((error: unknown) => this.#services.log.warn({ err: error, session: this.sessionUUID }, 'release failed'))
      .finally(() => {
        this.#released = true;
        this.#live.delete(this);
        this.#release?.resolve();
      });
  }

  socketError(error: Error): void {
    this.#services.log.debug({ err: error, session: this.sessionUUID }, 'socket error');
  }

  /**
   * Called every heartbeat interval: a connection that did not answer the
   * last ping is dropped — unless the server itself stopped reading it
   * (input back-pressure), since its pong may be waiting unread.
   */
  heartbeat(): void {
    if (!this.alive && !this.#paused) {
      this.#ws.terminate();
      return;
    }
    this.alive = false;
    this.#ws.ping();
  }

  /**
   * Server shutdown: read no more frames, answer the requests already
   * received (in order, as always), then close with 1001.
   */
  async shutdown(): Promise<void> {
    this.#paused = true;
    this.#ws.pause();
    await this.#requests.post(() => {});
    this.close(1001, 'server shutting down');
  }

  /** Closes the connection with `code` (1001 when the server shuts down), after the pushes already due. */
  close(code: number, reason: string): void {
    this.flush();
    if (this.#ws.readyState !== WebSocket.OPEN) return; // the pushes before it closed a slow consumer
    this.#ws.close(code, reason);
  }

  /** Cuts the socket without a close handshake. */
  terminate(): void {
    this.#ws.terminate();
  }

  /**
   * A push: the frame is built once for all sockets (text-frame.ts) and
   * written straight to this socket — ws's own send would frame it again
   * for every socket — at the end of this turn, together with the other
   * pushes of the turn (end-of-turn.ts). Anything else sent on the
   * connection writes the pushes due first, so frames keep their order.
   */
  deliver(payload: Buffer): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    const frame = textFrame(payload);
    const pushes = this.#pushes;
    if (pushes === undefined) {
      this.#pushes = frame;
      flushAtEndOfTurn(this);
    } else if (Array.isArray(pushes)) {
      pushes.push(frame);
    } else {
      this.#pushes = [pushes, frame];
    }
  }

  /** Writes the pushes due, in one write. With compression off ws's sender keeps no queue, so this keeps frame order. */
  flush(): void {
    const pushes = this.#pushes;
    if (pushes === undefined) return;
    this.#pushes = undefined;
    const ws = this.#ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    // A failed write does not throw: the socket reports it through its 'error' event.
    (ws as unknown as { _socket: Duplex })._socket.write(Array.isArray(pushes) ? Buffer.concat(pushes) : pushes);
    this.#closeIfSlow();
  }

  async bind(userUUID: string): Promise<void> {
    if (this.userUUID === userUUID) return;
    if (this.userUUID !== '') await this.unbind();
    this.userUUID = userUUID;
    await this.#services.users.get(userUUID).bind(this.sessionUUID);
  }

  async unbind(): Promise<void> {
    const userUUID = this.userUUID;
    if (userUUID === '') return;
    const { channels, users } = this.#services;
    await Promise.all([...this.joined].map((channelId) => channels.get(channelId).disconnect(this)));
    this.joined.clear();
    this.userUUID = '';
    await users.get(userUUID).unbind(this.sessionUUID);
  }

  /** A frame from the client: queued behind the requests before it. */
  receive(data: RawData, isBinary: boolean): void {
    // Every frame spends a token, whatever it holds: garbage is not free.
    const withinRate = this.#bucket.take();
    if (!this.#paused && this.#requests.pending >= MAX_QUEUED_REQUESTS) {
      this.#paused = true;
      this.#ws.pause();
    }
    void this.#requests.post(() => this.#handle(data as Buffer, isBinary, withinRate));
  }

  #handle(data: Buffer, isBinary: boolean, withinRate: boolean): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!isTracing()) return this.#process(data, isBinary, withinRate);
    // One trace per request: this span, then validate, the actor's, Redis's and every node's push.
    return tracer.startActiveSpan(
      'chat.receive',
      {
        kind: SpanKind.SERVER,
        attributes: { 'wschat.node': this.#services.nodeId, 'wschat.session': this.sessionUUID },
      },
      async (span) => {
        try {
          await this.#process(data, isBinary, withinRate);
        } finally {
          span.end();
        }
      },
    );
  }

  async #process(data: Buffer, isBinary: boolean, withinRate: boolean): Promise<void> {
    let raw: RawEnvelope | undefined;
    try {
      const validation = isTracing() ? tracer.startSpan('chat.validate') : undefined;
      let type: RequestType;
      let payload: unknown;
      let caller: RequestContext['caller'];
      try {
        if (isBinary) throw new ProtocolError(ErrorCode.MalformedFrame, 'binary frames are not accepted');
        raw = parseFrame(data.toString('utf8'));
        type = checkRouting(raw, this.sessionUUID);
        validation?.setAttribute('wschat.type', type);
        if (!withinRate) throw new ProtocolError(ErrorCode.RateLimited, 'too many requests; retry later');
        caller = UNAUTHENTICATED_TYPES.has(type) ? NO_CALLER : await this.#authenticate(raw);
        payload = readPayload(type, raw);
      } catch (error) {
        validation?.setStatus({ code: SpanStatusCode.ERROR, message: String((error as Error).message) });
        throw error;
      } finally {
        validation?.end();
      }
      const ctx: RequestContext = { services: this.#services, connection: this, caller, id: echoableId(raw) };
      const reply = await handlers[type](ctx, payload as never);
      if (typeof reply === 'string') {
        this.#send(reply);
      } else {
        this.#send(reply.frame);
        reply.afterSend();
      }
    } catch (error) {
      this.#send(this.#errorFor(error, raw));
    } finally {
      this.#resumeIfDrained();
    }
  }

  /** The caller, after error 5 checks; binds an unbound connection to them. */
  async #authenticate(raw: RawEnvelope): Promise<RequestContext['caller']> {
    const { userUUID, accessKey } = readCredentials(raw);
    const key = parseAccessKey(accessKey);
    if (key === null) throw new ProtocolError(ErrorCode.Unauthorized, 'invalid access key');
    if (this.userUUID !== '' && this.userUUID !== userUUID) {
      throw new ProtocolError(ErrorCode.Unauthorized, 'this connection is bound to another user');
    }
    if (!(await this.#services.users.get(userUUID).authenticate(key.keyId, key.secret))) {
      throw new ProtocolError(ErrorCode.Unauthorized, 'invalid, expired or revoked access key');
    }
    await this.bind(userUUID);
    return { userUUID, keyId: key.keyId };
  }

  #errorFor(error: unknown, raw: RawEnvelope | undefined): string {
    const id = raw === undefined ? undefined : echoableId(raw);
    if (error instanceof ProtocolError) return errorFrame(error.code, error.message, id);
    // Anything else is the store failing (or a bug): answer 11, never the raw text.
    this.#services.log.error({ err: error, type: raw?.type as RequestType | undefined }, 'request failed');
    const fallback = unavailable();
    return errorFrame(fallback.code, fallback.message, id);
  }

  #send(frame: string | Buffer): void {
    const ws = this.#ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    this.flush();
    if (ws.readyState !== WebSocket.OPEN) return; // the pushes before it closed a slow consumer
    ws.send(frame, { binary: false });
    this.#closeIfSlow();
  }

  #closeIfSlow(): void {
    if (this.#ws.bufferedAmount > this.#services.config.maxBufferedBytes) {
      this.#services.log.info({ session: this.sessionUUID }, 'slow consumer closed');
      this.#ws.close(1013, 'slow consumer');
    }
  }

  #resumeIfDrained(): void {
    if (this.#paused && this.#requests.pending <= MAX_QUEUED_REQUESTS / 2) {
      this.#paused = false;
      this.#ws.resume();
    }
  }
}
