/**
 * The load balancer's questions, on the same port as /ws:
 * `GET /healthz` — is the process serving? (200 while it is);
 * `GET /readyz` — should it get new connections? 200 when Redis answers and
 * the node is not shutting down, else 503 naming the reason. Both bodies are
 * JSON; /readyz also states what Redis's persistence promises.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DurabilityLevel } from '../store/durability.js';

/** A Redis PING slower than this counts as Redis unreachable. */
const PING_LIMIT_MS = 1000;

export interface Readiness {
  /** Resolves when Redis answers a PING; rejects otherwise. */
  pingRedis(): Promise<unknown>;
  /** What Redis's persistence settings promised at start-up. */
  readonly durability: DurabilityLevel;
}

export class Health {
  readonly #readiness: Readiness;
  #draining = false;

  constructor(readiness: Readiness) {
    this.#readiness = readiness;
  }

  /** From now on /readyz answers 503 "shutting down". */
  drain(): void {
    this.#draining = true;
  }

  /** Answers /healthz and /readyz; false for any other path. */
  serve(request: IncomingMessage, response: ServerResponse, path: string): boolean {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    if (path === '/healthz') {
      answer(response, 200, { status: 'ok' });
      return true;
    }
    if (path !== '/readyz') return false;
    const durability = this.#readiness.durability;
    if (this.#draining) {
      answer(response, 503, { status: 'unavailable', reason: 'shutting down', durability });
      return true;
    }
    within(this.#readiness.pingRedis(), PING_LIMIT_MS).then(
      () => answer(response, 200, { status: 'ready', durability }),
      () => answer(response, 503, { status: 'unavailable', reason: 'redis unreachable', durability }),
    );
    return true;
  }
}

function answer(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
