/**
 * Node liveness in Redis: each node keeps a heartbeat key with a TTL; a node
 * whose key ran out is dead, and any survivor may sweep it — take its users
 * out of presence (node-sweep.lua) and end its channel memberships.
 * All of it lives under the `{users}` tag, beside the presence it corrects.
 */
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

const nodeHeartbeat = new Script<0 | 1>('node-heartbeat', { keys: 2, args: 2 });
const nodeSweep = new Script<0 | 1>('node-sweep', { keys: 6, args: 1 });

export class NodeRegistry {
  readonly #redis: RedisClient;
  readonly #keys: Keys;
  readonly nodeId: string;

  constructor(redis: RedisClient, keys: Keys, nodeId: string) {
    this.#redis = redis;
    this.#keys = keys;
    this.nodeId = nodeId;
  }

  /** Renews this node's heartbeat; false when it had run out (the node may have been swept). */
  async heartbeat(ttlMs: number): Promise<boolean> {
    const k = this.#keys;
    return (await nodeHeartbeat.run(this.#redis, [k.nodeAlive(this.nodeId), k.nodes], [this.nodeId, ttlMs])) === 1;
  }

  /** Known nodes other than this one whose heartbeat has run out. */
  async deadNodes(): Promise<string[]> {
    const others = (await this.#redis.smembers(this.#keys.nodes)).filter((id) => id !== this.nodeId);
    if (others.length === 0) return [];
    const alive = await Promise.all(others.map((id) => this.#redis.exists(this.#keys.nodeAlive(id))));
    return others.filter((_, i) => alive[i] === 0);
  }

  /** Takes a dead node's users out of presence and lists it as gone; false if it is alive after all. */
  async sweep(nodeId: string): Promise<boolean> {
    const k = this.#keys;
    const swept = await nodeSweep.run(
      this.#redis,
      [k.nodeAlive(nodeId), k.usersOnlineOnNode(nodeId), k.usersOnline, k.nodes, k.nodesGone, k.userConnections],
      [nodeId],
    );
    return swept === 1;
  }

  /** Swept nodes whose channel memberships are still to be ended. */
  gone(): Promise<string[]> {
    return this.#redis.smembers(this.#keys.nodesGone);
  }

  /** The node's channel memberships are ended: nothing of it is left. */
  async settled(nodeId: string): Promise<void> {
    await this.#redis.srem(this.#keys.nodesGone, nodeId);
  }

  /** A graceful exit: this node's heartbeat goes now, so it can be swept at once. */
  async stopBeating(): Promise<void> {
    await this.#redis.del(this.#keys.nodeAlive(this.nodeId));
  }
}
