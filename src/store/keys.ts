/**
 * Every Redis key and pub/sub topic name, in one place (docs/redis-schema.md
 * describes them). Keys are grouped by hash tag so that each atomic
 * operation touches one Redis Cluster slot:
 *   {users}      the user registry: names, password hashes, the sorted index,
 *                presence — one slot, because a username must be unique and
 *                listed in order across all users;
 *   {u:<uuid>}   one user's access keys;
 *   {c:<id>}     one channel's history and members.
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
  /** HASH user UUID → number of nodes where the user has a connection joined to the channel. */
  channelMembers(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:members`;
  }
  /** SET of user UUIDs with a connection joined to the channel on `nodeId`. */
  channelMembersOnNode(channelId: string, nodeId: string): string {
    return `${this.prefix}{c:${channelId}}:members:${nodeId}`;
  }
  /** Pub/sub topic carrying a channel's pushes to every node. */
  channelTopic(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:push`;
  }
  /** Pub/sub topic for node-to-node notices (revoked access keys). */
  get controlTopic(): string {
    return `${this.prefix}control`;
  }
}
