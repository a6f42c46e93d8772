/**
 * Every Redis key and pub/sub topic name, in one place (docs/redis-schema.md
 * describes them). Keys are grouped by hash tag so that each atomic
 * operation touches one Redis Cluster slot:
 *   {users}      the user directory: names, password hashes, the sorted
 *                index, presence — one slot, because a username must be
 *                unique and listed in order across all users;
 *   {u:<uuid>}   one user's access keys, conversation index and inbox topic;
 *   {c:<id>}     one channel: its history and its feed (the stream every
 *                node's channel actor reads), snapshot and readers.
 *
 * Key names are data that deployments already hold: a method may be renamed,
 * the string it returns may not (so the feed is still `:mailbox`, history
 * `:log`).
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
  /** HASH user UUID → number of nodes where the user has a bound connection (presence). */
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
  /**
   * STRING counter of failed sign-ins for a normalized username from one
   * address, expiring with its window. The address comes first: it never
   * holds '|', so no two pairs share a key.
   */
  signInFailures(normalizedName: string, address: string): string {
    return `${this.prefix}{users}:fails:${address}|${normalizedName}`;
  }
  /** STRING counter of failed sign-ins from one address, whatever the name. */
  signInFailuresFrom(address: string): string {
    return `${this.prefix}{users}:failsfrom:${address}`;
  }
  /** HASH "<node>|<user uuid>" -> connections that node has bound to the user (MAX_CONNECTIONS_PER_USER). */
  get userConnections(): string {
    return `${this.prefix}{users}:conns`;
  }
  /** STRING counter of sign-ups from one address in the window. */
  signUpsFrom(address: string): string {
    return `${this.prefix}{users}:signups:${address}`;
  }

  /** STRING sha256(secret) of one access key; its TTL is the key's idle expiry. */
  accessKey(userUUID: string, keyId: string): string {
    return `${this.prefix}{u:${userUUID}}:key:${keyId}`;
  }
  /**
   * ZSET of a user's private conversations: member the other participant
   * (the user, for their notes), score minus the newest message's creation
   * time — newest first, ties by the other participant's UUID.
   */
  userConversations(userUUID: string): string {
    return `${this.prefix}{u:${userUUID}}:channels`;
  }
  /** HASH other participant → seq of the newest message the user's conversation index holds. */
  userConversationSeqs(userUUID: string): string {
    return `${this.prefix}{u:${userUUID}}:channels:seq`;
  }
  /** HASH other participant → `<sends in flight>:<ms>`: conversations possibly behind their channels. */
  userConversationsPending(userUUID: string): string {
    return `${this.prefix}{u:${userUUID}}:channels:pending`;
  }
  /** Pub/sub topic of a user's inbox pushes (new messages from others in their private channels). */
  userInboxTopic(userUUID: string): string {
    return `${this.prefix}{u:${userUUID}}:inbox`;
  }

  /**
   * STREAM: the older form of a channel's history, entry ID `<seq>-0` for the
   * seq-th message — its first messages, stored before the history lists
   * (channelHistoryLists) came; read, never written (store/scripts/lib/history.lua).
   */
  channelHistory(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:log`;
  }
  /** Prefix of the LISTs `…:msgs:<n>` holding the channel's later messages as JSON objects, 1024 to a list. */
  channelHistoryLists(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:msgs:`;
  }
  /** STRING: messages in the channel's history, both forms; absent until the first message in a list. */
  channelMessageCount(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:count`;
  }
  /**
   * STREAM: the channel's feed, read by every node's channel actor. Entry
   * ID `<id>-0`; a message's push (`k=m`) or a membership change
   * (`k=j|l|g`). Trimmed once every reader and the snapshot have passed an
   * entry.
   */
  channelFeed(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:mailbox`;
  }
  /** STRING counter: the last feed entry id handed out. */
  channelFeedCounter(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:seq`;
  }
  /** STRING `<seq>:<feed entry id>` of a stored message, kept a minute: a re-run send is not stored twice. */
  channelSent(channelId: string, messageUUID: string): string {
    return `${this.prefix}{c:${channelId}}:sent:${messageUUID}`;
  }
  /**
   * STRING `<seq>:<feed entry id>` of a message stored with a clientMessageId,
   * kept for the idempotency window: the same sender's repeat is not stored again.
   */
  channelClientMessage(channelId: string, senderUUID: string, clientMessageId: string): string {
    return `${this.prefix}{c:${channelId}}:cmid:${senderUUID}:${clientMessageId}`;
  }
  /** HASH user UUID → seq of the last message the user has seen in the channel (their read marker). */
  channelSeen(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:seen`;
  }
  /** STRING `<entry id>|<state JSON>`: the channel actor's state after feed entry `<entry id>`. */
  channelSnapshot(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:snapshot`;
  }
  /** HASH node id → `<entry id read>:<ms recorded>`: how far each node has read the feed. */
  channelFeedReaders(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:readers`;
  }
  /** Pub/sub topic carrying each new feed entry of a channel to every node. */
  channelTopic(channelId: string): string {
    return `${this.prefix}{c:${channelId}}:push`;
  }
  /** Pub/sub topic for node-to-node notices (revoked access keys). */
  get controlTopic(): string {
    return `${this.prefix}control`;
  }
}
