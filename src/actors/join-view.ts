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
 * while it reaches at least that far. The users list is reused
 * until a membership change; a read started before the change is not.
 */

/** The latest messages, newest first, as a JSON array, and the history length they end at. */
export interface LatestPage {
  total: number;
  messagesJson: string;
}

export interface JoinViewSources {
  /** Reads the latest messages from Redis. */
  readLatest(): Promise<LatestPage>;
  /** Reads the users list from Redis, as a JSON array. */
  readUsersJson(): Promise<string>;
}

export class JoinView {
  readonly #sources: JoinViewSources;
  /** Seq of the newest message applied on this node. */
  #newestApplied = 0;
  #page: { reaches: number; promise: Promise<LatestPage> } | undefined;
  /** Dropped on a membership change, so a read started before it is never handed out after. */
  #users: Promise<string> | undefined;

  constructor(sources: JoinViewSources) {
    this.#sources = sources;
  }

  /** The message with `seq` was applied (pushed or not). */
  messageApplied(seq: number): void {
    if (seq > this.#newestApplied) this.#newestApplied = seq;
  }

  /** The channel's members changed: the users list must be read again. */
  membersChanged(): void {
    this.#users = undefined;
  }

  /** The actor's state was replaced from a snapshot: nothing cached can be trusted. */
  reset(): void {
    this.#page = undefined;
    this.membersChanged();
  }

  /** A page holding every message applied so far; shared while no newer message is applied. */
  latest(): Promise<LatestPage> {
    const needed = this.#newestApplied;
    const cached = this.#page;
    if (cached !== undefined && cached.reaches >= needed) return cached.promise;
    const entry = { reaches: needed, promise: this.#sources.readLatest() };
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

  /** The users list as JSON; shared until the members change. */
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
