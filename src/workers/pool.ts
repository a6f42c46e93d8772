/**
 * The Piscina pool that keeps CPU-heavy and blocking work off the event loop.
 * Its queue is bounded: when it is full a request gets error 10 at once
 * rather than waiting behind an unbounded backlog.
 */
import { Piscina } from 'piscina';
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import { buildHistoryPage, type HistoryPageResult, type HistoryPages, type HistoryPageTask } from './history-page.js';
import type { WorkerSettings } from './tasks.js';

export interface WorkerPoolOptions {
  settings: WorkerSettings;
  /** Worker threads, fixed (no growing or shrinking under load). */
  threads: number;
  /** Tasks allowed to wait for a thread. */
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
  readonly #pool: Piscina;
  readonly #maxQueue: number;
  readonly #inlineHistory: WorkerPoolOptions['inlineHistory'];

  constructor(options: WorkerPoolOptions) {
    this.#maxQueue = options.maxQueue;
    this.#inlineHistory = options.inlineHistory;
    this.#pool = new Piscina({
      filename: new URL('./tasks.js', import.meta.url).href,
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: Infinity,
      // The default 'sync' freezes a worker's event loop between tasks, so its
      // Redis client could never run its reconnect timer after a Redis restart.
      atomics: 'async',
      workerData: options.settings,
    });
  }

  hashPassword(password: string): Promise<string> {
    return this.#run({ password }, 'hashPassword');
  }

  verifyPassword(password: string, hash: string): Promise<boolean> {
    return this.#run({ password, hash }, 'verifyPassword');
  }

  /** A history page read from Redis and serialized by a worker (or inline, if so configured). */
  historyPage(task: HistoryPageTask): Promise<HistoryPageResult> {
    if (this.#inlineHistory) return buildHistoryPage(this.#inlineHistory.redis, this.#inlineHistory.keys, task);
    return this.#run(task, 'historyPage');
  }

  /** Tasks waiting for a thread. */
  get queueLength(): number {
    return this.#pool.queueSize;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  #run<R>(task: object, name: string): Promise<R> {
    if (this.#pool.queueSize >= this.#maxQueue) {
      return Promise.reject(new ProtocolError(ErrorCode.RateLimited, 'server busy'));
    }
    return this.#pool.run(task, { name }) as Promise<R>;
  }
}
