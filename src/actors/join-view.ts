/**
 * What a channelJoin response shows — the channel's latest messages and its
 * users — read from Redis once and shared by every join on this node until
 * it may be stale. A reconnect wave of thousands of joins then costs a few
 * reads and a few strings instead of one history read, one names lookup and
 * their garbage per join.
 *
 * A latest-messages page is good for a join if it holds every message this
 * node had applied when the join's subscription was made: older messages
 * reach the new subscriber through the page, newer ones as pushes. So the
 * channel actor reports each applied message's seq, and a page is reused
 * while it reaches at least that far. A private channel's users list (its
 * participants) is read once; the public channel's is its member list
 * (member-list.ts).
 */

/** The newest messages, newest first, each as JSON, and the history length they end at. */
export interface LatestPage {
  total: number;
  items: string[];
}

export interface JoinViewSources {
  /** Reads the `count` newest messages from Redis. */
  readLatest(count: number): Promise<LatestPage>;
  /** Reads a private channel's users list from Redis, as a JSON array. */
  readUsersJson(): Promise<string>;
}

export class JoinView {
  readonly #sources: JoinViewSources;
  /** Seq of the newest message applied on this node. */
  #newestApplied = 0;
  /** `count`: how many messages were asked for (a join with `since` wants more than a plain one). */
  #page: { reaches: number; count: number; promise: Promise<LatestPage> } | undefined;
  /** Dropped on a reset, so a read started before it is never handed out after. */
  #users: Promise<string> | undefined;

  constructor(sources: JoinViewSources) {
    this.#sources = sources;
  }

  /** The message with `seq` was applied (pushed or not). */
  messageApplied(seq: number): void {
    if (seq > this.#newestApplied) this.#newestApplied = seq;
  }

  /** The actor's state was replaced from a snapshot: nothing cached can be trusted. */
  reset(): void {
    this.#page = undefined;
    this.#users = undefined;
  }

  /**
   * A page of at least the `count` newest messages (fewer only when history
   * is shorter) holding every message applied so far; shared while no newer
   * message is applied.
   */
  latest(count: number): Promise<LatestPage> {
    const needed = this.#newestApplied;
    const cached = this.#page;
    if (cached !== undefined && cached.reaches >= needed && cached.count >= count) return cached.promise;
    // Read as many as the last page held: joins that asked for more are likely to come again.
    const size = Math.max(count, cached?.count ?? 0);
    const entry = { reaches: needed, count: size, promise: this.#sources.readLatest(size) };
    this.#page = entry;
    entry.promise.then(
      (page) => {
        entry.reaches = Math.max(entry.reaches, page.total);
      },
      () => {
        if (this.#page === entry) this.#page = undefined;
      },
    );
    return entry.promise;
  }

  /** The users list as JSON; shared until a reset. */
  usersJson(): Promise<string> {
    if (this.#users !== undefined) return this.#users;
    const users = this.#sources.readUsersJson();
    this.#users = users;
    users.catch(() => {
      if (this.#users === users) this.#users = undefined;
    });
    return users;
  }
}
