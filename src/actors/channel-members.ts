/**
 * The public channel's members: which users have a connection joined on
 * which node. It is the channel actor's state, built only from its feed
 * entries (in order) and saved in its snapshots, so every node that
 * replays the same entries holds the same members.
 */
import type { FeedEntry } from '../store/feed-entry.js';

/** Snapshot form: user UUID → the nodes where the user is joined. */
export type MembersSnapshot = Record<string, string[]>;

export class ChannelMembers {
  readonly #nodesByUser = new Map<string, Set<string>>();

  static fromSnapshot(snapshot: MembersSnapshot): ChannelMembers {
    const members = new ChannelMembers();
    for (const [userUUID, nodes] of Object.entries(snapshot)) {
      if (Array.isArray(nodes) && nodes.length > 0) members.#nodesByUser.set(userUUID, new Set(nodes.map(String)));
    }
    return members;
  }

  /** Applies a membership entry; message entries change nothing. */
  apply(entry: FeedEntry): void {
    switch (entry.kind) {
      case 'join': {
        const nodes = this.#nodesByUser.get(entry.userUUID);
        if (nodes === undefined) this.#nodesByUser.set(entry.userUUID, new Set([entry.nodeId]));
        else nodes.add(entry.nodeId);
        break;
      }
      case 'leave': {
        const nodes = this.#nodesByUser.get(entry.userUUID);
        nodes?.delete(entry.nodeId);
        if (nodes?.size === 0) this.#nodesByUser.delete(entry.userUUID);
        break;
      }
      case 'nodeGone':
        for (const [userUUID, nodes] of this.#nodesByUser) {
          if (nodes.delete(entry.nodeId) && nodes.size === 0) this.#nodesByUser.delete(userUUID);
        }
        break;
      case 'message':
        break;
    }
  }

  /** UUIDs of the users joined on at least one node. */
  users(): string[] {
    return [...this.#nodesByUser.keys()];
  }

  toSnapshot(): MembersSnapshot {
    const snapshot: MembersSnapshot = {};
    for (const [userUUID, nodes] of this.#nodesByUser) snapshot[userUUID] = [...nodes];
    return snapshot;
  }
}
