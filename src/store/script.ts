/**
 * A named Lua script run by SHA (EVALSHA), falling back to EVAL once when the
 * server does not know it yet (first use, or after a Redis restart).
 * The scripts themselves live in ./scripts/*.lua, one per atomic operation.
 *
 * Unknown outcomes. When a write's reply is lost (the connection dropped
 * with it in flight, or it timed out), Redis may or may not have run it —
 * yet the contract says error 11 means nothing happened. A script that is
 * safe to run twice (message-send.lua dedupes on the message UUID,
 * user-create.lua on the user UUID, most others are idempotent) is
 * `rerunnable`: instead of guessing, `run` runs it again until Redis answers, for at
 * most OUTCOME_SETTLE_MS; the answer then says what happened. Only when
 * Redis stays away that long does the error reach the caller (error 11),
 * and the outcome is then truly unknown (docs/architecture.md). Reads, and
 * the sign-in attempt counters (where a lost count only errs on the safe
 * side), are not rerunnable: their error goes straight to the caller.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOutcomeUnknown, type RedisClient, wasNotSent } from './redis-client.js';

export type ScriptArg = string | number | Buffer;

/** Longest time spent settling an unknown outcome. */
const OUTCOME_SETTLE_MS = 10_000;
const SETTLE_RETRY_MS = 100;

export class Script<Result> {
  readonly name: string;
  readonly #lua: string;
  readonly #sha: string;
  readonly #rerunnable: boolean;

  /**
   * @param name the file name in ./scripts without `.lua`
   * @param rerunnable safe to run twice, so a lost reply is settled by running it again. Default true.
   */
  constructor(name: string, { rerunnable = true } = {}) {
    this.name = name;
    this.#lua = readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');
    this.#sha = createHash('sha1').update(this.#lua).digest('hex');
    this.#rerunnable = rerunnable;
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<Result> {
    try {
      return await this.#run(redis, keys, args);
    } catch (error) {
      if (!this.#rerunnable || !isOutcomeUnknown(error)) throw error;
      return this.#settle(redis, keys, args, error);
    }
  }

  /** Runs the script again until Redis answers (it is safe to run twice), within OUTCOME_SETTLE_MS. */
  async #settle(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly ScriptArg[],
    cause: unknown,
  ): Promise<Result> {
    const deadline = Date.now() + OUTCOME_SETTLE_MS;
    while (Date.now() < deadline) {
      await sleep(SETTLE_RETRY_MS);
      try {
        return await this.#run(redis, keys, args);
      } catch (error) {
        if (!isOutcomeUnknown(error) && !wasNotSent(error)) throw error;
      }
    }
    throw new Error(`${this.name}: outcome unknown (no reply, and Redis did not answer for ${OUTCOME_SETTLE_MS} ms)`, {
      cause,
    });
  }

  async #run(redis: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<Result> {
    try {
      return (await redis.evalsha(this.#sha, keys.length, ...keys, ...args)) as Result;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await redis.eval(this.#lua, keys.length, ...keys, ...args)) as Result;
    }
  }
}
