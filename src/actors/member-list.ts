/**
 * The public channel's `users` list as join responses show it, kept per
 * member: each member's JSON object (`{"UUID":…,"username":…}`, exactly as
 * JSON.stringify writes it) is made once, when its name is first needed,
 * and a list is the members' objects joined in the order they became
 * members (channel-members.ts). In a reconnect wave every join is a
 * membership change, so a list is rebuilt at most once per
 * USERS_LIST_MAX_AGE_MS while members keep changing — and not at all while
 * they do not; a caller that became a member after the list was built is
 * added at its end, so a join always sees itself. A list is kept as UTF-8
 * bytes, which every join's frame copies instead of encoding it again.
 */
import type { TextPieces } from '../protocol/responses.js';
import type { UserNames } from '../store/user-directory.js';

/**
 * How long one built list serves the joins that follow it while members
 * keep changing. Rebuilding on every change would cost O(members) per join
 * in a wave of joins (O(members²) for the wave); 50 ms lets the joins of
 * each 50 ms share one rebuild and keeps the list at most that much behind.
 */
export const USERS_LIST_MAX_AGE_MS = 50;

interface Built {
  /** The JSON array without its closing `]`, as UTF-8. */
  open: Buffer;
  /** Whose objects it holds. */
  listed: Set<string>;
}

export class MemberList {
  readonly #names: UserNames;
  readonly #now: () => number;
  /** user UUID → its JSON object (undefined until its name is known), in the order users became members. */
  #objects = new Map<string, string | undefined>();
  /** Members whose name is not known yet (not looked up, or not found). */
  readonly #unnamed = new Set<string>();
  /** Counts changes, so an unchanged list is never rebuilt. */
  #version = 0;
  #build: { startedAt: number; version: number; promise: Promise<Built> } | undefined;

  /** `now`: a monotonic clock in ms (tests pass their own). */
  constructor(names: UserNames, now: () => number = () => performance.now()) {
    this.#names = names;
    this.#now = now;
  }

  added(userUUID: string): void {
    this.#objects.set(userUUID, undefined);
    this.#unnamed.add(userUUID);
    this.#version++;
  }

  removed(userUUID: string): void {
    this.#objects.delete(userUUID);
    this.#unnamed.delete(userUUID);
    this.#version++;
  }

  /** The members were replaced from a snapshot: objects already made are kept, no list built before is used. */
  replace(userUUIDs: readonly string[]): void {
    const before = this.#objects;
    this.#objects = new Map();
    this.#unnamed.clear();
    for (const userUUID of userUUIDs) {
      const object = before.get(userUUID);
      this.#objects.set(userUUID, object);
      if (object === undefined) this.#unnamed.add(userUUID);
    }
    this.#version++;
    this.#build = undefined;
  }

  /**
   * The members as a JSON array of {UUID, username}, in pieces, as of at most
   * USERS_LIST_MAX_AGE_MS ago, with `joiner` in it if it is a member now
   * (members whose name the directory does not have are left out).
   */
  async json(joiner: string): Promise<TextPieces> {
    const built = await this.#current();
    const whole = [built.open, ']'];
    if (built.listed.has(joiner) || !this.#objects.has(joiner)) return whole;
    if (this.#objects.get(joiner) === undefined) await this.#lookUp([joiner]);
    const object = this.#objects.get(joiner);
    if (object === undefined) return whole;
    return [built.open, built.listed.size === 0 ? `${object}]` : `,${object}]`];
  }

  /** The list built last, or a new one if members changed since and it is older than USERS_LIST_MAX_AGE_MS. */
  #current(): Promise<Built> {
    const now = this.#now();
    const last = this.#build;
    if (last !== undefined && (last.version === this.#version || now - last.startedAt < USERS_LIST_MAX_AGE_MS)) {
      return last.promise;
    }
    const build = { startedAt: now, version: this.#version, promise: this.#built() };
    this.#build = build;
    build.promise.catch(() => {
      if (this.#build === build) this.#build = undefined;
    });
    return build.promise;
  }

  async #built(): Promise<Built> {
    if (this.#unnamed.size > 0) await this.#lookUp([...this.#unnamed]);
    const listed = new Set<string>();
    const objects: string[] = [];
    for (const [userUUID, object] of this.#objects) {
      if (object === undefined) continue;
      listed.add(userUUID);
      objects.push(object);
    }
    return { open: Buffer.from(`[${objects.join(',')}`), listed };
  }

  /** Makes the objects of those users that are still members (the directory caches names). */
  async #lookUp(userUUIDs: string[]): Promise<void> {
    for (const { UUID, username } of await this.#names.names(userUUIDs)) {
      if (!this.#objects.has(UUID)) continue;
      this.#objects.set(UUID, JSON.stringify({ UUID, username }));
      this.#unnamed.delete(UUID);
    }
  }
}
