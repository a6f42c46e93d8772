/**
 * This node's share of the public channel's members: how many of its
 * connections each user has joined. A user's first joined connection on the
 * node is a join entry in the channel's feed, the last one's departure a
 * leave entry; every node builds the members (channel-members.ts) from
 * those entries. A leave that Redis can not take when a connection drops is
 * kept and retried; after the node was swept as dead, every user it holds
 * is recorded again. Only the channel actor calls it, one letter at a time.
 */
import type { ChannelFeed } from '../store/channel-feed.js';
import type { Logger } from '../telemetry/logger.js';

export class PublicMembership {
  readonly #feed: ChannelFeed;
  readonly #log: Logger;
  /** Joined connections on this node, per user. */
  readonly #connections = new Map<string, number>();
  /** Users whose leave Redis could not take yet. */
  readonly #pendingLeaves = new Set<string>();

  constructor(feed: ChannelFeed, log: Logger) {
    this.#feed = feed;
    this.#log = log;
  }

  /** True while a leave waits to be retried: the actor must not be evicted. */
  get hasPendingLeaves(): boolean {
    return this.#pendingLeaves.size > 0;
  }

  /** Counts a joined connection; returns the join entry's id for the user's first, else 0. */
  async add(userUUID: string): Promise<number> {
    const connections = this.#connections.get(userUUID) ?? 0;
    let entryId = 0;
    if (connections === 0) {
      entryId = await this.#feed.appendJoin(userUUID);
      this.#pendingLeaves.delete(userUUID);
    }
    this.#connections.set(userUUID, connections + 1);
    return entryId;
  }

  /**
   * Uncounts a joined connection. `strict` (a leave request): if Redis can
   * not record the user's leave, nothing changes and the error propagates.
   * Not strict (the connection is gone): the count follows the connection
   * regardless, and the leave is retried by retryLeaves().
   */
  async remove(userUUID: string, strict: boolean): Promise<void> {
    const connections = this.#connections.get(userUUID) ?? 0;
    if (connections > 1) {
      this.#connections.set(userUUID, connections - 1);
      return;
    }
    try {
      await this.#feed.appendLeave(userUUID);
    } catch (error) {
      if (strict) throw error;
      this.#log.warn({ err: error, channelId: this.#feed.channelId }, 'leave not recorded yet; retrying');
      this.#pendingLeaves.add(userUUID);
    }
    this.#connections.delete(userUUID);
  }

  /** Records the leaves Redis could not take before; stops at the first failure (the next tick tries again). */
  async retryLeaves(): Promise<void> {
    for (const userUUID of this.#pendingLeaves) {
      if (!this.#connections.has(userUUID)) {
        try {
          await this.#feed.appendLeave(userUUID);
        } catch {
          return;
        }
      }
      this.#pendingLeaves.delete(userUUID);
    }
  }

  /** The node had been swept as dead: records every joined user again. */
  async reassert(): Promise<void> {
    for (const userUUID of this.#connections.keys()) await this.#feed.appendJoin(userUUID);
  }
}
