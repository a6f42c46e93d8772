/**
 * The Piscina pools that keep CPU-heavy and blocking work off the event loop:
 * one for bcrypt, one for history pages. They are apart because they want
 * opposite priorities: bcrypt runs at the lowest (a sign-in storm must not
 * slow chat), while a page is a short, latency-sensitive task that a
 * lowest-priority thread would only start once every other process on the
 * machine has had its turn. Each queue is bounded: when it is full a request
 * gets error 10 at once rather than waiting behind an unbounded backlog.
 */
import { Piscina } from 'piscina';
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import type { BcryptSettings } from './bcrypt-tasks.js';
import { buildHistoryPage, type HistoryPageResult, type HistoryPages, type HistoryPageTask } from './history-page.js';
import type { HistorySettings } from './history-tasks.js';

/** How many threads a pool has, and at what niceness (0-19) they run. */
export interface ThreadsOptions {
  /** Fixed (no growing or shrinking under load). */
  threads: number;
  nice: number;
}

export interface WorkerPoolOptions {
  /** What the history threads connect to Redis with. */
  redis: Omit<HistorySettings, 'nice'>;
  bcryptCost: number;
  /** The bcrypt threads (WORKER_THREADS, WORKER_NICE). */
  bcrypt: ThreadsOptions;
  /** The history page threads (HISTORY_WORKER_THREADS, HISTORY_WORKER_NICE); none are started with inlineHistory. */
  history: ThreadsOptions;
  /** Tasks allowed to wait for a thread, in each pool. */
  maxQueue: number;
  /** When set, history pages are read on the main thread with this client instead (HISTORY_IN_POOL=false). */
  inlineHistory?: { redis: RedisClient; keys: Keys } | undefined;
}

/** The work kept off the event loop, as handlers see it. */
export interface Workers extends HistoryPages {
  hashPassword(password: string): Promise<string>;
  verifyPassword(password: string, hash: string): Promise<boolean>;
}

export class WorkerPool implements Workers {
  readonly #bcrypt: Piscina;
  readonly #history: Piscina | undefined;
  readonly #maxQueue: number;
  readonly #inlineHistory: WorkerPoolOptions['inlineHistory'];

  constructor(options: WorkerPoolOptions) {
    this.#maxQueue = options.maxQueue;
    this.#inlineHistory = options.inlineHistory;
    const bcrypt: BcryptSettings = { bcryptCost: options.bcryptCost, nice: options.bcrypt.nice };
    this.#bcrypt = startPool('./bcrypt-tasks.js', options.bcrypt.threads, bcrypt);
    const history: HistorySettings = { ...options.redis, nice: options.history.nice };
    this.#history = options.inlineHistory
      ? undefined
      : startPool('./history-tasks.js', options.history.threads, history);
  }

  hashPassword(password: string): Promise<string> {
    return this.#run(this.#bcrypt, { password }, 'hashPassword');
  }

  verifyPassword(password: string, hash: string): Promise<boolean> {
    return this.#run(this.#bcrypt, { password, hash }, 'verifyPassword');
  }

  /** A history page read from Redis and serialized by a worker (or inline, if so configured). */
  historyPage(task: HistoryPageTask): Promise<HistoryPageResult> {
    if (!this.#history) return buildHistoryPage(this.#inlineHistory!.redis, this.#inlineHistory!.keys, task);
    return this.#run(this.#history, task, 'historyPage');
  }

  /** Tasks waiting for a thread, in both pools. */
  get queueLength(): number {
    return this.#bcrypt.queueSize + (this.#history?.queueSize ?? 0);
  }

  async close(): Promise<void> {
    await Promise.all([this.#bcrypt.close(), this.#history?.close()]);
  }

  #run<R>(pool: Piscina, task: object, name: string): Promise<R> {
    if (pool.queueSize >= this.#maxQueue) {
      return Promise.reject(new ProtocolError(ErrorCode.RateLimited, 'server busy'));
    }
    return pool.run(task, { name }) as Promise<R>;
  }
}

/** A pool of `threads` running `tasks` (a module beside this one), each thread started with `settings`. */
function startPool(tasks: string, threads: number, settings: BcryptSettings | HistorySettings): Piscina {
  return new Piscina({
    filename: new URL(tasks, import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    // Tasks arrive as messages on the worker's event loop. The default 'sync'
    // freezes that loop between tasks, so a worker's Redis client could never
    // run its reconnect timer after a Redis restart; 'async' (Atomics.waitAsync)
    // keeps it running but doubles the hop: an empty task's round trip was
    // p50 112 µs, p99 2.2 ms with it, 55 µs and 0.37 ms without (2 cores, idle).
    atomics: 'disabled',
    workerData: settings,
  });
}
