/**
 * A named Lua script run by SHA (EVALSHA), falling back to EVAL once when the
 * server does not know it yet (first use, or after a Redis restart).
 * The scripts themselves live in ./scripts/*.lua, one per atomic operation.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-client.js';

export type ScriptArg = string | number | Buffer;

export class Script<Result> {
  readonly name: string;
  readonly #lua: string;
  readonly #sha: string;

  /** @param name the file name in ./scripts without `.lua` */
  constructor(name: string) {
    this.name = name;
    this.#lua = readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');
    this.#sha = createHash('sha1').update(this.#lua).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<Result> {
    try {
      return (await redis.evalsha(this.#sha, keys.length, ...keys, ...args)) as Result;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await redis.eval(this.#lua, keys.length, ...keys, ...args)) as Result;
    }
  }
}
