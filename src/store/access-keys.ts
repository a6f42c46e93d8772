/**
 * Access keys in Redis: one STRING per key holding sha256 of its secret, with
 * a TTL that is the key's idle expiry. Reading a key renews the TTL (GETEX),
 * so a key expires after that long unused; revoking deletes it and tells
 * every node. Here: the contract the user actor sees, and its Redis form.
 */
import { publishOnEveryNode, revokeNotice } from './control-topic.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

export interface AccessKeys {
  save(userUUID: string, keyId: string, secretDigest: Buffer): Promise<void>;
  /** The stored digest, renewing the key's TTL; null when unknown, expired or revoked. */
  touch(userUUID: string, keyId: string): Promise<Buffer | null>;
  /** Deletes the key and publishes its revocation to every node. */
  revoke(userUUID: string, keyId: string): Promise<void>;
}

const accessKeyRevoke = new Script<0 | 1>('access-key-revoke', { keys: 1, args: 2 });

export class RedisAccessKeys implements AccessKeys {
  readonly #redis: RedisClient;
  readonly #keys: Keys;
  readonly #ttlMs: number;

  /** @param ttlMs how long a key lives unused */
  constructor(redis: RedisClient, keys: Keys, ttlMs: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#ttlMs = ttlMs;
  }

  async save(userUUID: string, keyId: string, secretDigest: Buffer): Promise<void> {
    await this.#redis.set(this.#keys.accessKey(userUUID, keyId), secretDigest, 'PX', this.#ttlMs);
  }

  touch(userUUID: string, keyId: string): Promise<Buffer | null> {
    return this.#redis.getexBuffer(this.#keys.accessKey(userUUID, keyId), 'PX', this.#ttlMs);
  }

  async revoke(userUUID: string, keyId: string): Promise<void> {
    const notice = revokeNotice(userUUID, keyId);
    await accessKeyRevoke.run(this.#redis, [this.#keys.accessKey(userUUID, keyId)], [this.#keys.controlTopic, notice]);
    await publishOnEveryNode(this.#redis, this.#keys.controlTopic, notice);
  }
}
