/**
 * The HTTP listener: upgrades `/ws` (a query string allowed) to WebSocket,
 * answers /healthz and /readyz (health.ts) and /metrics, serves the web page (web-ui.ts)
 * unless WEB_UI=false, answers every other
 * request with 404, pings every connection on the
 * heartbeat, and shuts down gracefully.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Services } from '../handlers/context.js';
import { Health, type Readiness } from './health.js';
import { Session } from './session.js';
import { WebUi } from './web-ui.js';

export const WS_PATH = '/ws';

/** How long a shutdown waits for the answers to requests already received (a bcrypt under load takes seconds). */
const ANSWER_LIMIT_MS = 5000;
/** How long closing clients then get to answer the close handshake before their sockets are cut. */
const CLOSE_GRACE_MS = 2000;

export class ChatServer {
  readonly #services: Services;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  /** Every session from its upgrade until it is released. */
  readonly #sessions = new Set<Session>();
  readonly #dropSession = (session: Session): void => {
    this.#sessions.delete(session);
  };
  #heartbeat: NodeJS.Timeout | undefined;
  /** Open connections per remote address (MAX_CONNECTIONS_PER_IP). */
  readonly #perAddress = new Map<string, number>();

  readonly #health: Health;

  constructor(services: Services, readiness: Readiness) {
    this.#services = services;
    this.#health = new Health(readiness);
    const webUi = services.config.webUi ? new WebUi() : undefined;
    const handshakeMs = services.config.handshakeTimeoutMs;
    const timeouts = {
      // A request (or upgrade) whose headers have not all arrived by then is dropped: no slowloris.
      headersTimeout: handshakeMs,
      requestTimeout: handshakeMs,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(handshakeMs / 2)),
    };
    this.#http = createServer(timeouts, (request, response) => {
      const path = pathOf(request);
      if (
        this.#health.serve(request, response, path) ||
        services.metrics.serve(request, response, path) ||
        webUi?.serve(request, response, path)
      ) {
        return;
      }
      const isWsPath = path === WS_PATH;
      response.writeHead(isWsPath ? 426 : 404, { 'content-type': 'text/plain' });
      response.end(isWsPath ? 'Upgrade Required\n' : 'Not Found\n');
    });
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: services.config.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.#http.on('upgrade', (request, socket, head) => this.#upgrade(request, socket, head));
  }

  /** Listens; resolves with the bound port (useful when PORT is 0). */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(port, host, () => {
        this.#http.off('error', reject);
        const address = this.#http.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
      this.#heartbeat = setInterval(() => {
        for (const session of this.#sessions) session.heartbeat();
      }, this.#services.config.heartbeatMs);
    });
  }

  get connections(): number {
    return this.#sessions.size;
  }

  /**
   * Stops accepting, answers the requests each connection had sent (for at
   * most ANSWER_LIMIT_MS), closes it with 1001 and waits until each has
   * released its subscriptions and presence — at most CLOSE_GRACE_MS more,
   * then the rest are cut. Both fit main.ts's 10 s limit with room for
   * leaving presence and closing Redis.
   */
  async close(): Promise<void> {
    this.#health.drain();
    clearInterval(this.#heartbeat);
    const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
    const sessions = [...this.#sessions];
    const answered = Promise.all(sessions.map((session) => session.shutdown()));
    const released = Promise.all(sessions.map((session) => session.released));
    await within(answered, ANSWER_LIMIT_MS);
    await within(released, CLOSE_GRACE_MS);
    for (const session of sessions) session.terminate();
    this.#http.closeAllConnections();
    await released;
    await closed;
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (pathOf(request) !== WS_PATH) {
      refuse(socket, '404 Not Found');
      return;
    }
    const address = clientAddress(request, this.#services.config.trustProxy);
    const refusal = this.#refusal(request, address);
    if (refusal !== undefined) {
      this.#services.metrics.connectionRefused(refusal.reason);
      refuse(socket, refusal.status);
      return;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
      ws.once('close', () => this.#leftAddress(address));
      this.#sessions.add(new Session(ws, this.#services, this.#dropSession, address));
    });
  }

  /** Why this upgrade is refused, in the order: another site's page (403), the node full (503), the address (429). */
  #refusal(request: IncomingMessage, address: string): { status: string; reason: RefusalReason } | undefined {
    const { allowedOrigins, maxConnections, maxConnectionsPerIp } = this.#services.config;
    const origin = request.headers.origin;
    if (allowedOrigins !== '*' && origin !== undefined && !allowedOrigins.includes(origin.toLowerCase())) {
      return { status: '403 Forbidden', reason: 'origin' };
    }
    if (this.#sessions.size >= maxConnections) return { status: '503 Service Unavailable', reason: 'node' };
    const fromAddress = this.#perAddress.get(address) ?? 0;
    if (maxConnectionsPerIp > 0 && fromAddress >= maxConnectionsPerIp) {
      return { status: '429 Too Many Requests', reason: 'address' };
    }
    return undefined;
  }

  #leftAddress(address: string): void {
    const left = (this.#perAddress.get(address) ?? 1) - 1;
    if (left === 0) this.#perAddress.delete(address);
    else this.#perAddress.set(address, left);
  }
}

/** Why an upgrade was refused, as metrics count it. */
export type RefusalReason = 'origin' | 'node' | 'address';

/**
 * The client's address: the peer's, unless the peer is a trusted proxy —
 * then the nearest X-Forwarded-For entry that is not one, read from the
 * right (entries further left were written by the client and prove nothing).
 */
function clientAddress(request: IncomingMessage, trustProxy: readonly string[]): string {
  let address = (request.socket.remoteAddress ?? '').toLowerCase();
  if (!trustProxy.includes(address)) return address;
  const forwarded = request.headers['x-forwarded-for'];
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
  for (let i = hops.length - 1; i >= 0 && trustProxy.includes(address); i--) {
    const hop = hops[i]!.trim().toLowerCase();
    if (hop !== '') address = hop;
  }
  return address;
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Resolves when `promise` settles or after `ms`, whichever is first. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
