/**
 * The public channel's members: which users have a connection joined on
 * which node. It is the channel actor's state, built only from its feed
 * entries (in order) and saved in its snapshots, so every node that
 * replays the same entries holds the same members.
 */
import type { FeedEntry } from '../store/feed-entry.js';
import { FewSet } from './few.js';

/** Snapshot form: user UUID → the nodes where the user is joined. */
export type MembersSnapshot = Record<string, string[]>;

/** Who an entry made a member (first node) and who it made stop being one (last node gone). */
export interface MembershipChange {
  added: string | undefined;
  removed: readonly string[];
}

const NO_CHANGE: MembershipChange = { added: undefined, removed: [] };

export class ChannelMembers {
  /** user UUID → the nodes where the user is joined: nearly always one, so a FewSet. */
  readonly #nodesByUser = new Map<string, FewSet>();
  /** Each node's id held once: every entry brings a copy of its own (56 bytes), and members share a few nodes. */
  readonly #nodeIds = new Map<string, string>();

  static fromSnapshot(snapshot: MembersSnapshot): ChannelMembers {
    const members = new ChannelMembers();
    for (const [userUUID, nodes] of Object.entries(snapshot)) {
      if (!Array.isArray(nodes) || nodes.length === 0) continue;
      const held = new FewSet();
      for (const nodeId of nodes) held.add(members.#nodeId(String(nodeId)));
      members.#nodesByUser.set(userUUID, held);
    }
    return members;
  }

  /** Applies a membership entry; message entries change nothing. */
  apply(entry: FeedEntry): MembershipChange {
    switch (entry.kind) {
      case 'join': {
        const nodes = this.#nodesByUser.get(entry.userUUID);
        if (nodes !== undefined) {
          nodes.add(this.#nodeId(entry.nodeId));
          return NO_CHANGE;
        }
        this.#nodesByUser.set(entry.userUUID, new FewSet().add(this.#nodeId(entry.nodeId)));
        return { added: entry.userUUID, removed: [] };
      }
      case 'leave': {
        const nodes = this.#nodesByUser.get(entry.userUUID);
        if (nodes === undefined || !nodes.delete(entry.nodeId) || nodes.size > 0) return NO_CHANGE;
        this.#nodesByUser.delete(entry.userUUID);
        return { added: undefined, removed: [entry.userUUID] };
      }
      case 'nodeGone': {
        const removed: string[] = [];
        for (const [userUUID, nodes] of this.#nodesByUser) {
          if (nodes.delete(entry.nodeId) && nodes.size === 0) {
            this.#nodesByUser.delete(userUUID);
            removed.push(userUUID);
          }
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
    for (const [userUUID, nodes] of this.#nodesByUser) snapshot[userUUID] = [...nodes];
    return snapshot;
  }

  #nodeId(nodeId: string): string {
    const known = this.#nodeIds.get(nodeId);
    if (known !== undefined) return known;
    this.#nodeIds.set(nodeId, nodeId);
    return nodeId;
  }
}
