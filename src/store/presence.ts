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
  /**
   * Records `count` connections bound to the user on this node; false (and
   * nothing recorded) when an increase would take them past `limit` on all
   * nodes together. `limit` 0: no limit.
   */
  setConnections(userUUID: string, count: number, limit: number): Promise<boolean>;
}

const presenceAdd = new Script<0 | 1>('presence-add', { keys: 2, args: 1 });
const presenceRemove = new Script<0 | 1>('presence-remove', { keys: 2, args: 1 });
const connectionsSet = new Script<0 | 1>('connections-set', { keys: 2, args: 4 });

export class RedisPresence implements Presence {
  readonly #redis: RedisClient;
  readonly #keys: readonly [online: string, onNode: string];
  readonly #connectionKeys: readonly [nodes: string, conns: string];
  readonly #nodeId: string;

  constructor(redis: RedisClient, keys: Keys, nodeId: string) {
    this.#redis = redis;
    this.#keys = [keys.usersOnline, keys.usersOnlineOnNode(nodeId)];
    this.#connectionKeys = [keys.nodes, keys.userConnections];
    this.#nodeId = nodeId;
  }

  async setConnections(userUUID: string, count: number, limit: number): Promise<boolean> {
    return (await connectionsSet.run(this.#redis, this.#connectionKeys, [this.#nodeId, userUUID, count, limit])) === 1;
  }

  async add(userUUID: string): Promise<void> {
    await presenceAdd.run(this.#redis, this.#keys, [userUUID]);
  }

  async remove(userUUID: string): Promise<void> {
    await presenceRemove.run(this.#redis, this.#keys, [userUUID]);
  }
}
