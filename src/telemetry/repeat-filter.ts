/**
 * Identical failures logged once per interval with a count: during a Redis
 * outage every request and every reconnect attempt fails the same way, and
 * one line each (with a stack) buried everything else — 2,416 lines in 14 s.
 * The first of a kind is logged at once; the repeats within the interval
 * are summed into one line (`repeated: N`) when it ends. A kind is the
 * message with the error's message.
 */
import type { Logger } from './logger.js';

/** Default interval: at most two lines of a kind per 10 s. */
const REPEAT_INTERVAL_MS = 10_000;

interface Kind {
  repeated: number;
  last: Record<string, unknown>;
}

export class RepeatFilter {
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #kinds = new Map<string, Kind>();
  #timer: NodeJS.Timeout | undefined;

  constructor(log: Logger, intervalMs = REPEAT_INTERVAL_MS) {
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  warn(fields: Record<string, unknown>, message: string): void {
    const error = fields.err as { message?: unknown } | undefined;
    const key = `${message}\n${String(error?.message ?? '')}`;
    const kind = this.#kinds.get(key);
    if (kind !== undefined) {
      kind.repeated++;
      kind.last = fields;
      return;
    }
    this.#log.warn(fields, message);
    this.#kinds.set(key, { repeated: 0, last: fields });
    this.#timer ??= setTimeout(() => this.#flush(), this.#intervalMs).unref();
  }

  /** Logs the counts of the interval that ended; kinds seen again start a new one. */
  #flush(): void {
    this.#timer = undefined;
    const kinds = [...this.#kinds];
    this.#kinds.clear();
    for (const [key, { repeated, last }] of kinds) {
      if (repeated > 0) this.#log.warn({ ...last, repeated }, key.slice(0, key.indexOf('\n')));
    }
  }
}
