/**
 * "User U is present on node N" records, counted per user across nodes:
 * presence (online users).
 * Per-node sets let a node's entries be removed as a whole when it goes.
 */
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

const nodeMemberAdd = new Script<0 | 1>('node-member-add');
const nodeMemberRemove = new Script<0 | 1>('node-member-remove');

export class NodeMembership {
  readonly #redis: RedisClient;
  readonly #countsKey: string;
  readonly #nodeSetKey: string;

  /**
   * @param countsKey HASH user UUID → number of nodes where the user is present
   * @param nodeSetKey SET of user UUIDs present on this node (same hash tag)
   */
  constructor(redis: RedisClient, countsKey: string, nodeSetKey: string) {
    this.#redis = redis;
    this.#countsKey = countsKey;
    this.#nodeSetKey = nodeSetKey;
  }

  async add(userUUID: string): Promise<void> {
    await nodeMemberAdd.run(this.#redis, [this.#countsKey, this.#nodeSetKey], [userUUID]);
  }

  async remove(userUUID: string): Promise<void> {
    await nodeMemberRemove.run(this.#redis, [this.#countsKey, this.#nodeSetKey], [userUUID]);
  }
}
