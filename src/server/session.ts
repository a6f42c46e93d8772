/**
 * One WebSocket connection: its session UUID, its binding to a user, its
 * subscriptions, and the request pipeline. Requests are handled in arrival
 * order and answered in it (request-pipeline.ts): each request but a
 * channelMessage waits for the ones before it to be answered, so it sees
 * their effects; consecutive channelMessage requests overlap, each started
 * once the one before has sent its Redis write, which keeps them in order.
 *
 * Faults are checked in docs/protocol.md's order — 1, 3, 4, 10, 5, 2, then
 * the handler's 6-9 — and every error becomes a wire error here, in one
 * place. Everything sent goes through the connection's PushWriter.
 */
import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { RawData, WebSocket } from 'ws';
import { parseAccessKey } from '../actors/access-key.js';
import { FewSet } from '../actors/few.js';
import type { ConnectionHandle, Reply, RequestContext, Services } from '../handlers/context.js';
import { handlers } from '../handlers/index.js';
import {
  checkRouting,
  echoableId,
  parseFrame,
  type RawEnvelope,
  readPayload,
  readPresentedKey,
} from '../protocol/envelope.js';
import { ERRORS, ErrorCode, ProtocolError } from '../protocol/errors.js';
import {
  isRequestType,
  type RequestType,
  UNAUTHENTICATED_TYPES,
  WATCHABLE_EVENTS,
  type WatchableEvent,
} from '../protocol/requests.js';
import { errorFrame, readyFrame } from '../protocol/responses.js';
import { isRedisFailure } from '../store/redis-client.js';
import { isTracing, tracer, withSpan } from '../telemetry/tracing.js';
import { PushWriter } from './push-writer.js';
import { type Answer, RequestPipeline, type Turn } from './request-pipeline.js';
import { TokenBucket } from './token-bucket.js';

/** Requests queued on one connection before the server stops reading from its socket. */
const MAX_QUEUED_REQUESTS = 256;

const NO_CALLER = Object.freeze({ userUUID: '', keyId: '' });
const NO_ANSWER: Answer = () => {};

/** A watched event's bit in a session's `watching` set. */
const bitOf = (event: WatchableEvent): number => 1 << WATCHABLE_EVENTS.indexOf(event);
const INBOX = bitOf('inbox');

/**
 * A session's life:
 * - open: frames are read and handled;
 * - paused: too many requests are queued, so the socket is not read until half are answered;
 * - draining: the server is shutting down: nothing more is read, the queued requests are answered;
 * - closed: the socket closed; the binding and subscriptions are being released;
 * - released: nothing of the session is left in any actor.
 */
type SessionState = 'open' | 'paused' | 'draining' | 'closed' | 'released';

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
  sessionOf(this).onSocketError(error);
}
function onClose(this: WebSocket, code: number): void {
  sessionOf(this).onSocketClose(code);
}

export class Session implements ConnectionHandle {
  readonly sessionUUID = randomUUID();
  /** The bound user, or '' when unbound. */
  userUUID = '';
  readonly joined = new FewSet();
  readonly address: string;
  /** Whether a pong arrived since the last ping. */
  alive = true;
  readonly #ws: WebSocket;
  readonly #services: Services;
  readonly #writer: PushWriter;
  readonly #requests: RequestPipeline;
  readonly #bucket: TokenBucket;
  readonly #onReleased: (session: Session) => void;
  #state: SessionState = 'open';
  /** Made on first use: most connections never need it. */
  #closing: AbortController | undefined;
  /** The pushes this connection asked for (`watch`), one bit per event; none for a new connection. */
  #watching = 0;
  /** Made only when someone waits for the release (shutdown). */
  #release: { promise: Promise<void>; resolve: () => void } | undefined;

  /**
   * @param onReleased called once the session holds nothing in any actor (the server drops it then)
   * @param address the client's address (limits on sign-ins and sign-ups count by it)
   */
  constructor(ws: WebSocket, services: Services, onReleased: (session: Session) => void, address = '') {
    this.address = address;
    this.#ws = ws;
    this.#services = services;
    this.#onReleased = onReleased;
    this.#writer = new PushWriter(ws, services.config.maxBufferedBytes, () => {
      services.metrics.slowConsumerClosed();
      services.log.info({ session: this.sessionUUID }, 'slow consumer closed');
    });
    this.#requests = new RequestPipeline(services.config.maxPipelinedSends);
    this.#bucket = new TokenBucket(services.config.rateLimitPerSec, services.config.rateLimitBurst);
    (ws as SessionSocket)[SESSION] = this;
    ws.on('message', onMessage);
    ws.on('pong', onPong);
    ws.on('error', onError);
    ws.on('close', onClose);
    this.#writer.reply(readyFrame(this.sessionUUID));
  }

  /** Settles once the connection's subscriptions and binding are released. */
  get released(): Promise<void> {
    if (this.#state === 'released') return Promise.resolve();
    if (this.#release === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#release = { promise, resolve };
    }
    return this.#release.promise;
  }

  get closedSignal(): AbortSignal {
    if (this.#closing === undefined) {
      this.#closing = new AbortController();
      if (this.#state === 'closed' || this.#state === 'released') this.#closing.abort();
    }
    return this.#closing.signal;
  }

  /** The socket closed: release the binding and subscriptions, after any request in flight. */
  onSocketClose(code: number): void {
    this.#services.metrics.connectionClosed(code);
    this.#state = 'closed';
    this.#closing?.abort();
    // Queued behind any request in flight, so a join finishing late is undone too.
    void this.#requests.post(async (turn) => {
      await turn.earlierSettled();
      try {
        await this.unbind();
      } catch (error) {
        this.#services.log.warn({ err: error, session: this.sessionUUID }, 'release failed');
      }
      return () => {
        this.#state = 'released';
        this.#onReleased(this);
        this.#release?.resolve();
      };
    });
  }

  onSocketError(error: Error): void {
    this.#services.log.debug({ err: error, session: this.sessionUUID }, 'socket error');
  }

  /**
   * Called every heartbeat interval: a connection that did not answer the
   * last ping is dropped — unless the server itself stopped reading it
   * (input back-pressure, shutdown), since its pong may be waiting unread.
   */
  heartbeat(): void {
    if (!this.alive && this.#state === 'open') {
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
    if (this.#state === 'open' || this.#state === 'paused') {
      this.#state = 'draining';
      this.#ws.pause();
    }
    // Frames ws had already read when the socket paused still arrive: answer them too.
    do await this.#requests.drained();
    while (this.#requests.pending > 0);
    this.#writer.close(1001, 'server shutting down');
  }

  /** Cuts the socket without a close handshake. */
  terminate(): void {
    this.#ws.terminate();
  }

  /** A push (actors call this): leaves with the other pushes of this turn. */
  deliver(payload: Buffer): void {
    this.#writer.push(payload);
  }

  watches(event: WatchableEvent): boolean {
    return (this.#watching & bitOf(event)) !== 0;
  }

  async watch(events: readonly WatchableEvent[]): Promise<WatchableEvent[]> {
    let watching = 0;
    for (const event of events) watching |= bitOf(event);
    const user = this.#services.userActors.get(this.userUUID);
    if (watching & INBOX && !(this.#watching & INBOX)) await user.watchInbox(this);
    if (!(watching & INBOX) && this.#watching & INBOX) await user.unwatchInbox(this.sessionUUID);
    this.#watching = watching;
    return WATCHABLE_EVENTS.filter((event) => this.watches(event));
  }

  async bind(userUUID: string): Promise<void> {
    if (this.userUUID === userUUID) return;
    if (this.userUUID !== '') await this.unbind();
    this.userUUID = userUUID;
    await this.#services.userActors.get(userUUID).bind(this.sessionUUID);
  }

  async unbind(): Promise<void> {
    const userUUID = this.userUUID;
    if (userUUID === '') return;
    const { channelActors, userActors } = this.#services;
    await Promise.all([...this.joined].map((channelId) => channelActors.get(channelId).disconnect(this)));
    this.joined.clear();
    // What the connection watched was the user's: signing out, or in as another user, clears it.
    if (this.#watching & INBOX) await userActors.get(userUUID).unwatchInbox(this.sessionUUID);
    this.#watching = 0;
    this.userUUID = '';
    await userActors.get(userUUID).unbind(this.sessionUUID);
  }

  /** A frame from the client: queued behind the requests before it. */
  receive(data: RawData, isBinary: boolean): void {
    // Every frame spends a token, whatever it holds: garbage is not free.
    const withinRate = this.#bucket.take();
    if (this.#state === 'open' && this.#requests.pending >= MAX_QUEUED_REQUESTS) {
      this.#state = 'paused';
      this.#ws.pause();
    }
    void this.#requests.post((turn) => this.#handle(data as Buffer, isBinary, withinRate, turn));
  }

  #handle(data: Buffer, isBinary: boolean, withinRate: boolean, turn: Turn): Promise<Answer> {
    if (this.#state === 'closed' || this.#state === 'released') return Promise.resolve(NO_ANSWER);
    // One trace per request: this span, then validate, the actor's, Redis's and every node's push.
    return withSpan(
      'chat.receive',
      () => ({
        kind: SpanKind.SERVER,
        attributes: { 'wschat.node': this.#services.nodeId, 'wschat.session': this.sessionUUID },
      }),
      () => this.#process(data, isBinary, withinRate, turn),
    );
  }

  /** Handles the request; what it gives is its answer, which the pipeline sends in request order. */
  async #process(data: Buffer, isBinary: boolean, withinRate: boolean, turn: Turn): Promise<Answer> {
    const started = performance.now();
    let raw: RawEnvelope | undefined;
    let code = 0;
    let reply: Reply;
    try {
      const validation = isTracing() ? tracer.startSpan('chat.validate') : undefined;
      let type: RequestType;
      let payload: unknown;
      let caller: RequestContext['caller'];
      try {
        if (isBinary) throw new ProtocolError(ErrorCode.MalformedFrame, 'a binary frame');
        raw = parseFrame(data.toString('utf8'));
        type = checkRouting(raw, this.sessionUUID);
        validation?.setAttribute('wschat.type', type);
        // A send overlaps the sends before it (Redis keeps their order); anything else sees them done.
        if (type !== 'channelMessage') await turn.earlierSettled();
        if (!withinRate) throw new ProtocolError(ErrorCode.RateLimited);
        caller = UNAUTHENTICATED_TYPES.has(type) ? NO_CALLER : await this.#authenticate(raw);
        payload = readPayload(type, raw);
      } catch (error) {
        validation?.setStatus({ code: SpanStatusCode.ERROR, message: String((error as Error).message) });
        throw error;
      } finally {
        validation?.end();
      }
      const ctx: RequestContext = {
        services: this.#services,
        connection: this,
        caller,
        id: echoableId(raw),
        order: turn,
      };
      reply = await handlers[type](ctx, payload as never);
    } catch (error) {
      code = error instanceof ProtocolError ? error.code : ErrorCode.Unavailable;
      reply = this.#errorFor(error, raw);
    }
    const type = raw !== undefined && isRequestType(raw.type) ? raw.type : 'invalid';
    this.#services.metrics.requestDone(type, code, (performance.now() - started) / 1000);
    return () => {
      if (typeof reply === 'string') {
        this.#writer.reply(reply);
      } else {
        this.#writer.reply(reply.frame);
        reply.afterSend();
      }
      this.#resumeIfDrained();
    };
  }

  /** The caller, after error 5 checks; binds an unbound connection to them. */
  async #authenticate(raw: RawEnvelope): Promise<RequestContext['caller']> {
    const { userUUID, accessKey } = readPresentedKey(raw);
    const key = parseAccessKey(accessKey);
    if (key === null) throw new ProtocolError(ErrorCode.Unauthorized);
    if (this.userUUID !== '' && this.userUUID !== userUUID) {
      throw new ProtocolError(ErrorCode.Unauthorized, 'this connection is bound to another user');
    }
    if (!(await this.#services.userActors.get(userUUID).authenticate(key.keyId, key.secret))) {
      throw new ProtocolError(ErrorCode.Unauthorized);
    }
    if (this.userUUID !== userUUID) await this.bind(userUUID);
    return { userUUID, keyId: key.keyId };
  }

  /**
   * The wire error for what a request threw. Anything but a ProtocolError
   * is Redis failing or a bug: logged as which, and answered 11 (the store
   * scripts settle a lost reply before failing, so nothing was stored).
   */
  #errorFor(error: unknown, raw: RawEnvelope | undefined): string {
    const id = raw === undefined ? undefined : echoableId(raw);
    if (error instanceof ProtocolError) return errorFrame(error.code, error.message, id);
    const type = raw?.type as RequestType | undefined;
    if (isRedisFailure(error)) {
      this.#services.metrics.redisError();
      this.#services.failures.warn({ err: error, type }, 'request failed: Redis unavailable');
    } else this.#services.log.error({ err: error, type }, 'request failed: bug');
    return errorFrame(ErrorCode.Unavailable, ERRORS[ErrorCode.Unavailable].message, id);
  }

  #resumeIfDrained(): void {
    if (this.#state === 'paused' && this.#requests.pending <= MAX_QUEUED_REQUESTS / 2) {
      this.#state = 'open';
      this.#ws.resume();
    }
  }
}
