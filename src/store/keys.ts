/**
 * Every Redis key and pub/sub topic name, in one place (docs/redis-schema.md
 * describes them). Keys are grouped by hash tag so that each atomic
 * operation touches one Redis Cluster slot:
 *   {users}      the user registry: names, password hashes, the sorted index,
 *                presence — one slot, because a username must be unique and
 *                listed in order across all users;
 *   {u:<uuid>}   one user's access keys;
 *   {c:<id>}     one channel: its history and its mailbox (the channel
 *                actor's input stream), snapshot and readers.
 */
export class Keys {
  /** @param prefix prepended to every key and topic (default `chat:`). */
  constructor(readonly prefix: string) {}

  /** HASH normalized username → user UUID. */
  get usersByName(): string {
    return `${this.prefix}{users}:byname`;
  }
  /** HASH user UUID → display username. */
  get userNames(): string {
    return `${this.prefix}{users}:names`;
  }
  /** HASH user UUID → bcrypt hash. */
  get userPasswords(): string {
    return `${this.prefix}{users}:passwords`;
  }
  /** ZSET, all scores 0, member `<normalized name>\0<uuid>`: the users list in order. */
  get userIndex(): string {
    return `${this.prefix}{users}:index`;
  }
  /** HASH user UUID → number of nodes where the user has a bound connection. */
  get usersOnline(): string {
    return `${this.prefix}{users}:online`;
  }
  /** SET of user UUIDs with a bound connection on `nodeId`. */
  usersOnlineOnNode(nodeId: string): string {
    return `${this.prefix}{users}:online:${nodeId}`;
  }
  /** STRING that exists while node `nodeId` is alive: its heartbeat, with a TTL. */
  nodeAlive(nodeId: string): string {
    return `${this.prefix}{users}:node:${nodeId}`;
  }
  /** SET of node ids that may hold presence or membership records. */
  get nodes(): string {
    return `${this.prefix}{users}:nodes`;
  }
  /** SET of dead node ids swept from presence whose channel memberships are still to be ended. */
  get nodesGone(): string {
    return `${this.prefix}{users}:nodes:gone`;
  }
  /** STRING counter of failed sign-ins for a normalized username, expiring with its window. */
  signInFailures(normalizedName: string): string {
    return `${this.prefix}{users}:fails:${normalizedName}`;
  }

  /** STRING sha256(secret) of one access key; its TTL is the key's idle expiry. */
  accessKey(userUUID: string, keyId: string): string {
    return `${this.prefix}{u:${userUUID}}:key:${keyId}`;
  }

  /** STREAM of a channel's messages; entry ID `<n>-0` for the n-th message. */
  channelLog(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:log`;
  }
  /**
   * STREAM: the channel actor's mailbox. Entry ID `<seq>-0`; a message's
   * push (`k=m`) or a membership change (`k=j|l|g`). Trimmed once every
   * reader and the snapshot have passed an entry.
   */
  channelMailbox(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:mailbox`;
  }
  /** STRING counter: the last mailbox seq handed out. */
  channelSeq(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:seq`;
  }
  /** STRING `<position>:<seq>` of a stored message, kept a minute: a re-run send is not stored twice. */
  channelSent(channelId: string, messageUUID: string): string {
    return `${this.prefix}{c:${channelId}}:sent:${messageUUID}`;
  }
  /** STRING `<seq>|<state JSON>`: the channel actor's state after mailbox entry `seq`. */
  channelSnapshot(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:snapshot`;
  }
  /** HASH node id → `<seq read>:<ms recorded>`: how far each node has read the mailbox. */
  channelReaders(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:readers`;
  }
  /** Pub/sub topic carrying each new mailbox entry of a channel to every node. */
  channelTopic(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:push`;
  }
  /** Pub/sub topic for node-to-node notices (revoked access keys). */
  get controlTopic(): string {
    return `${this.prefix}control`;
  }
}
