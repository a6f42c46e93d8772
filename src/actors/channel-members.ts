/**
 * The public channel's members: which users have a connection joined on
 * which node. It is the channel actor's state, built only from its feed
 * entries (in order) and saved in its snapshots, so every node that
 * replays the same entries holds the same members.
 */
import type { FeedEntry } from '../store/feed-entry.js';

/** Snapshot form: user UUID → the nodes where the user is joined. */
export type MembersSnapshot = Record<string, string[]>;

/** Who an entry made a member (first node) and who it made stop being one (last node gone). */
export interface MembershipChange {
  added: string | undefined;
  removed: readonly string[];
}

const NO_CHANGE: MembershipChange = { added: undefined, removed: [] };

export class ChannelMembers {
  /**
   * user UUID → the node where the user is joined, or a Set of the nodes when
   * more than one: nearly every member is on one node, and every node holds
   * every member, so one string each, not a Set (~170 bytes) each.
   */
  readonly #nodesByUser = new Map<string, string | Set<string>>();
  /** Each node's id held once: every entry brings a copy of its own (56 bytes), and members share a few nodes. */
  readonly #nodeIds = new Map<string, string>();

  static fromSnapshot(snapshot: MembersSnapshot): ChannelMembers {
    const members = new ChannelMembers();
    for (const [userUUID, nodes] of Object.entries(snapshot)) {
      if (!Array.isArray(nodes) || nodes.length === 0) continue;
      const ids = nodes.map((nodeId) => members.#nodeId(String(nodeId)));
      const unique = ids.length === 1 ? undefined : new Set(ids);
      members.#nodesByUser.set(userUUID, unique === undefined || unique.size === 1 ? ids[0]! : unique);
    }
    return members;
  }

  /** Applies a membership entry; message entries change nothing. */
  apply(entry: FeedEntry): MembershipChange {
    switch (entry.kind) {
      case 'join': {
        const nodes = this.#nodesByUser.get(entry.userUUID);
        const nodeId = this.#nodeId(entry.nodeId);
        if (nodes === undefined) {
          this.#nodesByUser.set(entry.userUUID, nodeId);
          return { added: entry.userUUID, removed: [] };
        }
        if (typeof nodes !== 'string') nodes.add(nodeId);
        else if (nodes !== nodeId) this.#nodesByUser.set(entry.userUUID, new Set([nodes, nodeId]));
        return NO_CHANGE;
      }
      case 'leave': {
        const nodes = this.#nodesByUser.get(entry.userUUID);
        if (nodes === undefined || !this.#leaves(entry.userUUID, nodes, entry.nodeId)) return NO_CHANGE;
        return { added: undefined, removed: [entry.userUUID] };
      }
      case 'nodeGone': {
        const removed: string[] = [];
        for (const [userUUID, nodes] of this.#nodesByUser) {
          if (this.#leaves(userUUID, nodes, entry.nodeId)) removed.push(userUUID);
        }
        this.#nodeIds.delete(entry.nodeId);
        return { added: undefined, removed };
      }
      case 'message':
        return NO_CHANGE;
    }
  }

  /** UUIDs of the users joined on at least one node, in the order they became members. */
  users(): string[] {
    return [...this.#nodesByUser.keys()];
  }

  toSnapshot(): MembersSnapshot {
    const snapshot: MembersSnapshot = {};
    for (const [userUUID, nodes] of this.#nodesByUser)
      snapshot[userUUID] = typeof nodes === 'string' ? [nodes] : [...nodes];
    return snapshot;
  }

  #nodeId(nodeId: string): string {
    const known = this.#nodeIds.get(nodeId);
    if (known !== undefined) return known;
    this.#nodeIds.set(nodeId, nodeId);
    return nodeId;
  }

  /** Takes `nodeId` off the user's nodes; true when that leaves the user on none: no longer a member. */
  #leaves(userUUID: string, nodes: string | Set<string>, nodeId: string): boolean {
    if (typeof nodes === 'string') {
      if (nodes !== nodeId) return false;
      this.#nodesByUser.delete(userUUID);
      return true;
    }
    // A Set holds two nodes or more: one left is held as a string again.
    if (nodes.delete(nodeId) && nodes.size === 1) this.#nodesByUser.set(userUUID, nodes.values().next().value!);
    return false;
  }
}
