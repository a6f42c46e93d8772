/**
 * Presence: which users are online. A user is online while some node counts
 * them present; each node keeps its own set ("U is present on node N") and
 * a count per user across nodes, so a node's records can be removed as a
 * whole when it goes (node-sweep.lua). Here: the contract the user actor
 * sees, and its Redis form for one node.
 */
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

export interface Presence {
  /** Counts the user present on this node (idempotent). */
  add(userUUID: string): Promise<void>;
  /** Stops counting the user present on this node (idempotent). */
  remove(userUUID: string): Promise<void>;
}

const presenceAdd = new Script<0 | 1>('presence-add', { keys: 2, args: 1 });
const presenceRemove = new Script<0 | 1>('presence-remove', { keys: 2, args: 1 });

export class RedisPresence implements Presence {
  readonly #redis: RedisClient;
  readonly #keys: readonly [online: string, onNode: string];

  constructor(redis: RedisClient, keys: Keys, nodeId: string) {
    this.#redis = redis;
    this.#keys = [keys.usersOnline, keys.usersOnlineOnNode(nodeId)];
  }

  async add(userUUID: string): Promise<void> {
    await presenceAdd.run(this.#redis, this.#keys, [userUUID]);
  }

  async remove(userUUID: string): Promise<void> {
    await presenceRemove.run(this.#redis, this.#keys, [userUUID]);
  }
}
