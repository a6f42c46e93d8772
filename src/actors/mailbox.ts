/**
 * The actor runtime's core: a mailbox runs the work posted to it one item at
 * a time, in the order posted. An item that throws rejects only its own
 * promise; the next one runs as usual.
 */

interface Letter {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Past this many handled letters the queue array is compacted. */
const COMPACT_AFTER = 1024;

export class Mailbox {
  /** Made on the first letter, dropped when drained: an idle mailbox holds no array. */
  #queue: (Letter | undefined)[] | undefined;
  #head = 0;
  #running = false;
  #lastActiveAt = Date.now();

  /** Runs `work` after everything posted before it has finished. */
  post<R>(work: () => R | Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      (this.#queue ??= []).push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#running) void this.#drain();
    });
  }

  /** Letters not yet finished, the running one included. */
  get pending(): number {
    return this.#queue === undefined ? 0 : this.#queue.length - this.#head;
  }

  /** True when nothing is queued or running. */
  get idle(): boolean {
    return !this.#running && this.pending === 0;
  }

  /** When the mailbox last finished a letter (or was made). */
  get lastActiveAt(): number {
    return this.#lastActiveAt;
  }

  async #drain(): Promise<void> {
    this.#running = true;
    // post() appends to this same array while we run; compaction replaces both together.
    let queue = this.#queue!;
    while (this.#head < queue.length) {
      const letter = queue[this.#head]!;
      try {
        letter.resolve(await letter.work());
      } catch (error) {
        letter.reject(error);
      }
      queue[this.#head++] = undefined;
      if (this.#head >= COMPACT_AFTER && this.#head * 2 >= queue.length) {
        queue = this.#queue = queue.slice(this.#head);
        this.#head = 0;
      }
    }
    this.#queue = undefined;
    this.#head = 0;
    this.#running = false;
    this.#lastActiveAt = Date.now();
  }
}
