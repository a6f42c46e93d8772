/**
 * Reconnect delays: exponential with full jitter — a random delay between 0
 * and min(max, min · 2^attempt) — so that a node's clients, cut at once, do
 * not come back at once. The defaults are centrifuge-js's: 500 ms to 20 s.
 */
export interface BackoffOptions {
  /** The first ceiling, in ms. Default 500. */
  minDelayMs?: number;
  /** The largest ceiling, in ms. Default 20,000. */
  maxDelayMs?: number;
  /** A number in [0, 1); default Math.random. */
  random?: () => number;
}

export class Backoff {
  readonly #min: number;
  readonly #max: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#min = options.minDelayMs ?? 500;
    this.#max = options.maxDelayMs ?? 20_000;
    this.#random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call raises the ceiling until it reaches the maximum. */
  next(): number {
    const ceiling = Math.min(this.#max, this.#min * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.floor(this.#random() * ceiling);
  }

  /** After a connection that worked: the next delay starts from the minimum again. */
  reset(): void {
    this.#attempt = 0;
  }
}
