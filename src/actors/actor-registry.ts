/**
 * Actors by key, made on first use and evicted once idle: an actor whose
 * mailbox has been empty for `idleMs` and that holds nothing worth keeping
 * (`isEvictable()`) is dropped, and made afresh when next needed.
 */
import type { Mailbox } from './mailbox.js';

export interface Actor {
  readonly mailbox: Mailbox;
  /** True when dropping the actor loses nothing but caches. */
  isEvictable(): boolean;
}

export class ActorRegistry<A extends Actor> {
  readonly #actors = new Map<string, A>();
  readonly #create: (key: string) => A;
  readonly #idleMs: number;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param create makes the actor for a key
   * @param idleMs how long an evictable actor stays after its last letter
   */
  constructor(create: (key: string) => A, idleMs: number) {
    this.#create = create;
    this.#idleMs = idleMs;
  }

  /** The key's actor, made if there is none. */
  get(key: string): A {
    let actor = this.#actors.get(key);
    if (actor === undefined) {
      actor = this.#create(key);
      this.#actors.set(key, actor);
    }
    return actor;
  }

  /** The key's actor if it exists; never makes one. */
  peek(key: string): A | undefined {
    return this.#actors.get(key);
  }

  values(): IterableIterator<A> {
    return this.#actors.values();
  }

  /** Drops the actors idle since before `now - idleMs`; returns how many. */
  sweep(now = Date.now()): number {
    let evicted = 0;
    for (const [key, actor] of this.#actors) {
      if (actor.mailbox.idle && now - actor.mailbox.lastActiveAt >= this.#idleMs && actor.isEvictable()) {
        this.#actors.delete(key);
        evicted++;
      }
    }
    return evicted;
  }

  /** Sweeps every `idleMs / 2` until stop(); the timer does not keep the process alive. */
  start(): void {
    this.#timer ??= setInterval(() => this.sweep(), Math.max(5, this.#idleMs / 2)).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
