/**
 * A named Lua script run by SHA (EVALSHA), falling back to EVAL once when the
 * server does not know it yet (first use, or after a Redis restart).
 * The scripts themselves live in ./scripts/*.lua, one per atomic operation,
 * each opening with a header that lists its KEYS, ARGV and return value;
 * the wrapper declares how many of each it passes, and a unit test holds the
 * two to each other. A line `-- @include <name>` is replaced by
 * ./scripts/lib/<name>.lua (BullMQ's habit), so a snippet lives once.
 *
 * Unknown outcomes. When a write's reply is lost (the connection dropped
 * with it in flight, or it timed out), Redis may or may not have run it —
 * yet the contract says error 11 means nothing happened. A script that is
 * safe to run twice (message-send.lua dedupes on the message UUID,
 * user-create.lua on the user UUID, most others are idempotent) is
 * `rerunnable`: instead of guessing, `run` runs it again until Redis
 * answers, and the answer then says what happened. A caller that passes a
 * `signal` (a request whose connection is still open) waits for as long as
 * that takes, so its client is never told 11 for a write that may be
 * stored; it stops when the signal aborts (the connection is gone, nobody
 * is left to answer). Without a signal (upkeep in the background) it waits
 * at most OUTCOME_SETTLE_MS, then fails with OutcomeUnknownError.
 * Reads, and the sign-in attempt counters (where a lost count only errs on
 * the safe side), are not rerunnable: their error goes straight to the
 * caller.
 *
 * Overlapping writes. A caller that sends its next write before this one is
 * answered (a connection's pipelined sends) passes a `WriteOrder`: Redis runs
 * writes sent on one connection in that order, but a write sent again — a
 * lost reply settled, or EVAL after NOSCRIPT — would land behind later
 * ones. So it is sent again only once every earlier write of the caller has
 * settled, and the caller's writes not sent yet wait for it. Nor does a
 * write overlap while the script may be missing from Redis (NOSCRIPT seen,
 * nothing run since): another client's EVAL could load it between two of
 * the caller's writes, so that the later one runs and the earlier one not.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOutcomeUnknown, type RedisClient, wasNotSent } from './redis-client.js';

export type ScriptArg = string | number | Buffer;

export interface ScriptShape {
  /** How many KEYS the script takes. */
  keys: number;
  /** How many ARGV the script takes. */
  args: number;
  /** Safe to run twice, so a lost reply is settled by running it again. Default true. */
  rerunnable?: boolean;
}

/** How one caller's overlapping writes keep their order (see above). */
export interface WriteOrder {
  /** True while an earlier write of the caller is being sent again: a new write waits. */
  readonly held: boolean;
  /** Resolves once every earlier write of the caller has settled. */
  earlierSettled(): Promise<void>;
  /** This write was handed to the connection: the caller's next write may follow it. */
  sent(): void;
  /** This write is to be sent again: later ones not sent yet wait until it has settled. */
  resend(): void;
}

/** Longest time spent settling an unknown outcome for a caller that gave no signal. */
const OUTCOME_SETTLE_MS = 10_000;
const SETTLE_RETRY_MS = 100;

const INCLUDE = /^-- @include (\S+)$/gm;

/** The script's source with its includes expanded. */
export function loadScriptSource(name: string): string {
  const source = readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');
  return source.replace(INCLUDE, (_, included: string) =>
    readFileSync(new URL(`./scripts/lib/${included}.lua`, import.meta.url), 'utf8').trimEnd(),
  );
}

/** A write whose reply was lost and whose outcome could not be settled in time. */
export class OutcomeUnknownError extends Error {
  override name = 'OutcomeUnknownError';
}

/** A write whose reply was lost, given up because the caller's signal aborted: nobody waits for the answer. */
export class SettleAbortedError extends Error {
  override name = 'SettleAbortedError';
}

export class Script<Result> {
  /** Every script made so far, for the test that checks each against its header. */
  static readonly all: Script<unknown>[] = [];

  readonly name: string;
  readonly shape: Readonly<Required<ScriptShape>>;
  readonly #lua: string;
  readonly #sha: string;
  /** False until the script ran, and again once Redis answered NOSCRIPT (its cache was emptied). */
  #loaded = false;

  /** @param name the file name in ./scripts without `.lua` */
  constructor(name: string, shape: ScriptShape) {
    this.name = name;
    this.shape = { rerunnable: true, ...shape };
    this.#lua = loadScriptSource(name);
    this.#sha = createHash('sha1').update(this.#lua).digest('hex');
    Script.all.push(this);
  }

  /**
   * @param signal while it has not aborted, a lost reply is settled however long Redis stays away
   * @param order for a write that overlaps the caller's others: keeps them in order
   */
  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly ScriptArg[],
    signal?: AbortSignal,
    order?: WriteOrder,
  ): Promise<Result> {
    if (keys.length !== this.shape.keys || args.length !== this.shape.args) {
      throw new TypeError(
        `${this.name}: ${keys.length} keys and ${args.length} args given, ${this.shape.keys} and ${this.shape.args} declared`,
      );
    }
    if (order !== undefined && (order.held || !this.#loaded)) await order.earlierSettled();
    try {
      return await this.#run(redis, keys, args, order);
    } catch (error) {
      if (!this.shape.rerunnable || !isOutcomeUnknown(error)) throw error;
      await this.#again(order);
      return this.#settle(redis, keys, args, error, signal);
    }
  }

  /**
   * Runs the script again until Redis answers (it is safe to run twice):
   * until `signal` aborts, or within OUTCOME_SETTLE_MS without one.
   */
  async #settle(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly ScriptArg[],
    cause: unknown,
    signal: AbortSignal | undefined,
  ): Promise<Result> {
    const deadline = Date.now() + OUTCOME_SETTLE_MS;
    while (signal !== undefined || Date.now() < deadline) {
      try {
        await sleep(SETTLE_RETRY_MS, undefined, { signal });
      } catch {
        throw new SettleAbortedError(`${this.name}: outcome unknown, and nobody waits for it any more`, { cause });
      }
      try {
        return await this.#run(redis, keys, args);
      } catch (error) {
        if (!isOutcomeUnknown(error) && !wasNotSent(error)) throw error;
      }
    }
    throw new OutcomeUnknownError(
      `${this.name}: outcome unknown (no reply, and Redis did not answer for ${OUTCOME_SETTLE_MS} ms)`,
      { cause },
    );
  }

  /** Before a write of an ordered caller goes again: behind every earlier one. */
  async #again(order: WriteOrder | undefined): Promise<void> {
    if (order === undefined) return;
    order.resend();
    await order.earlierSettled();
  }

  #ran(result: unknown): Result {
    this.#loaded = true;
    return result as Result;
  }

  /** One run: EVALSHA, and EVAL if Redis does not know the script. `order` is told once EVALSHA is sent. */
  async #run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly ScriptArg[],
    order?: WriteOrder,
  ): Promise<Result> {
    const reply = redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    order?.sent();
    try {
      return this.#ran(await reply);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      this.#loaded = false;
      await this.#again(order);
      return this.#ran(await redis.eval(this.#lua, keys.length, ...keys, ...args));
    }
  }
}
