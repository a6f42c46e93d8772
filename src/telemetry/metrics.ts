/**
 * Prometheus metrics, served at GET /metrics (prom-client: the registry,
 * the text format and Node's default process metrics, well kept and
 * exact, rather than hand-written). Each node has its own registry, so
 * several nodes in one process (tests) do not mix their counts.
 *
 * The hot path records by calling methods on pre-labelled children: no
 * per-delivery allocation. `METRICS=false` swaps in NO_METRICS, whose
 * methods do nothing (the bench compares the two).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the node reports; every method is cheap enough for the hot path. */
export interface ChatMetrics {
  /** A request answered: its type ('invalid' before the type was known) and code (0 = success). */
  requestDone(type: string, code: number, seconds: number): void;
  connectionClosed(code: number): void;
  /** An upgrade refused: another site's page ('origin'), the node full ('node'), too many from one address ('address'). */
  connectionRefused(reason: string): void;
  slowConsumerClosed(): void;
  messageStored(): void;
  /** `count` pushes of one message written to this node's connections, `lagSeconds` after it was stored. */
  pushed(count: number, lagSeconds: number): void;
  redisError(): void;
  feedResynced(): void;
  /** Answers GET /metrics; false for any other path. */
  serve(request: IncomingMessage, response: ServerResponse, path: string): boolean;
  stop(): void;
}

export interface MetricsSources {
  connections(): number;
  workerQueueLength(): number;
}

/** Buckets in seconds: a request (bcrypt included), and a push's lag behind its store. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Error 6: a sign-in with a wrong username or password. */
const WRONG_PASSWORD = 6;
const LAG_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export class PromMetrics implements ChatMetrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: 'wschat_requests_total',
    help: 'Requests answered, by type and code (0 = success, else the error code).',
    labelNames: ['type', 'code'] as const,
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: 'wschat_request_duration_seconds',
    help: 'Time from a request being taken up to its answer, by type.',
    labelNames: ['type'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly #closed = new Counter({
    name: 'wschat_connections_closed_total',
    help: 'Connections closed, by WebSocket close code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly #refused = new Counter({
    name: 'wschat_connections_refused_total',
    help: 'Upgrades refused: origin (403), node full (503), address over its limit (429).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly #slowConsumers = counter(
    this.registry,
    'wschat_slow_consumer_closes_total',
    'Connections closed with 1013 for not reading their pushes.',
  );
  readonly #stored = counter(
    this.registry,
    'wschat_messages_stored_total',
    'Messages stored by this node (repeats of an idempotent send excluded).',
  );
  readonly #pushes = counter(
    this.registry,
    'wschat_pushes_total',
    'Message pushes written to this node’s connections.',
  );
  readonly #lag = new Histogram({
    name: 'wschat_push_lag_seconds',
    help: 'From a message being stored to its pushes being written to this node’s connections (one observation per message per node).',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });
  readonly #redisErrors = counter(
    this.registry,
    'wschat_redis_errors_total',
    'Redis connection errors, and requests that failed because Redis did.',
  );
  readonly #resyncs = counter(
    this.registry,
    'wschat_feed_resyncs_total',
    'Channel feeds read again after a gap in pub/sub.',
  );
  readonly #signInFailures = counter(
    this.registry,
    'wschat_signin_failures_total',
    'Sign-ins answered 6: a wrong username or password.',
  );
  readonly #loopDelay = monitorEventLoopDelay({ resolution: 10 });
  /** Per type, made once: the hot path looks them up instead of labelling anew. */
  readonly #byType = new Map<string, { duration: Histogram.Internal<'type'>; codes: Map<number, Counter.Internal> }>();

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'wschat_connections',
      help: 'Open WebSocket connections on this node.',
      registers: [this.registry],
      collect() {
        this.set(sources.connections());
      },
    });
    new Gauge({
      name: 'wschat_worker_queue_length',
      help: 'Tasks (bcrypt, history pages) waiting for a worker thread.',
      registers: [this.registry],
      collect() {
        this.set(sources.workerQueueLength());
      },
    });
    const loopDelay = this.#loopDelay;
    loopDelay.enable();
    new Gauge({
      name: 'wschat_event_loop_delay_seconds',
      help: 'Event-loop delay since the previous scrape, by quantile.',
      labelNames: ['quantile'] as const,
      registers: [this.registry],
      collect() {
        for (const quantile of [0.5, 0.99, 1]) {
          this.set({ quantile: String(quantile) }, loopDelay.percentile(quantile * 100) / 1e9);
        }
        loopDelay.reset();
      },
    });
  }

  requestDone(type: string, code: number, seconds: number): void {
    let children = this.#byType.get(type);
    if (children === undefined) {
      children = { duration: this.#duration.labels(type), codes: new Map() };
      this.#byType.set(type, children);
    }
    let requests = children.codes.get(code);
    if (requests === undefined) {
      requests = this.#requests.labels(type, String(code));
      children.codes.set(code, requests);
    }
    requests.inc();
    children.duration.observe(seconds);
    if (code === WRONG_PASSWORD && type === 'signIn') this.#signInFailures.inc();
  }

  connectionClosed(code: number): void {
    this.#closed.labels(String(code)).inc();
  }

  connectionRefused(reason: string): void {
    this.#refused.labels(reason).inc();
  }

  slowConsumerClosed(): void {
    this.#slowConsumers.inc();
  }

  messageStored(): void {
    this.#stored.inc();
  }

  pushed(count: number, lagSeconds: number): void {
    this.#pushes.inc(count);
    this.#lag.observe(lagSeconds);
  }

  redisError(): void {
    this.#redisErrors.inc();
  }

  feedResynced(): void {
    this.#resyncs.inc();
  }

  serve(request: IncomingMessage, response: ServerResponse, path: string): boolean {
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
    this.registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': this.registry.contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end('metrics unavailable\n');
      },
    );
    return true;
  }

  stop(): void {
    this.#loopDelay.disable();
    this.registry.clear();
  }
}

function counter(registry: Registry, name: string, help: string): Counter {
  return new Counter({ name, help, registers: [registry] });
}

/** METRICS=false: nothing is counted and /metrics is 404. */
export const NO_METRICS: ChatMetrics = {
  requestDone() {},
  connectionClosed() {},
  connectionRefused() {},
  slowConsumerClosed() {},
  messageStored() {},
  pushed() {},
  redisError() {},
  feedResynced() {},
  serve: () => false,
  stop() {},
};
