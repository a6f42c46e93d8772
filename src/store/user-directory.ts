/**
 * The user directory in Redis: names, password hashes and the sorted users
 * list, all under the {users} hash tag (see keys.ts for why one slot).
 */
import type { ChannelUser } from '../protocol/responses.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

const userCreate = new Script<[0 | 1, string]>('user-create', { keys: 4, args: 4 });
// Not rerun after a lost reply: a read, and attempt counters that may err on the safe side.
const userLookup = new Script<[string | null, string | null, -1 | 0 | 1]>('user-lookup', {
  keys: 4,
  args: 4,
  rerunnable: false,
});
const signInRelease = new Script<number>('sign-in-release', { keys: 2, args: 0, rerunnable: false });
// Not rerun either: a lost reply may cost the address one sign-up of its allowance, never give one more.
const signUpReserve = new Script<0 | 1>('sign-up-reserve', { keys: 1, args: 2, rerunnable: false });

/** Where a sign-in or sign-up comes from, and what it is allowed per window. */
export interface AttemptLimits {
  /** The client's address (docs/operations.md: TRUST_PROXY). */
  address: string;
  /** Failed sign-ins for one name from this address. */
  perNameAndAddress: number;
  /** Failed sign-ins from this address, whatever the name. */
  perAddress: number;
  windowMs: number;
}
const usersPage = new Script<(string | number)[]>('users-page', { keys: 3, args: 2, rerunnable: false });

/** What the channel actor needs of the directory: display names. */
export interface UserNames {
  /** Display names of the given users, in the same order (missing users are left out). */
  names(userUUIDs: readonly string[]): Promise<ChannelUser[]>;
}

/** The users: names, password hashes and the sorted list. */
export interface UserDirectory extends UserNames {
  /** The user holding `normalizedName`, if any. */
  lookup(normalizedName: string): Promise<PasswordRecord | null>;
  /**
   * The user holding `normalizedName`, if any, with one sign-in attempt
   * reserved against the name's limit (`refused` when it is reached). An
   * attempt stays counted until releaseSignInAttempt() gives it back.
   */
  lookupForSignIn(
    normalizedName: string,
    limits: AttemptLimits,
  ): Promise<{ user: PasswordRecord | null; refused: boolean }>;
  /** Gives back the attempt reserved by a sign-in whose password was right. */
  releaseSignInAttempt(normalizedName: string, address: string): Promise<void>;
  /** Reserves one sign-up for `address`; false when it has had `allowed` in the window. */
  reserveSignUp(address: string, allowed: number, windowMs: number): Promise<boolean>;
  /** Creates the user, or returns the UUID of the one already holding the name. */
  create(
    normalizedName: string,
    userUUID: string,
    username: string,
    passwordHash: string,
  ): Promise<{ created: boolean; userUUID: string }>;
  /** One page of all users, sorted by normalized name, with their online status. */
  page(offset: number, limit: number): Promise<{ total: number; users: UsersPageEntry[] }>;
  exists(userUUID: string): Promise<boolean>;
}

/** A user's password hash, for checking a sign-in. */
export interface PasswordRecord {
  userUUID: string;
  passwordHash: string;
}

export interface UsersPageEntry {
  userUUID: string;
  username: string;
  online: boolean;
}

/** How many known users' names to remember; users are never deleted or renamed, so a hit is final. */
const KNOWN_USERS_CACHE_SIZE = 100_000;

export class RedisUserDirectory implements UserDirectory {
  readonly #redis: RedisClient;
  readonly #keys: Keys;
  /** user UUID → username, for users known to exist. */
  readonly #knownNames = new Map<string, string>();

  constructor(redis: RedisClient, keys: Keys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async lookup(normalizedName: string): Promise<PasswordRecord | null> {
    return (await this.#lookup(normalizedName, undefined)).user;
  }

  async lookupForSignIn(
    normalizedName: string,
    limits: AttemptLimits,
  ): Promise<{ user: PasswordRecord | null; refused: boolean }> {
    return this.#lookup(normalizedName, limits);
  }

  async releaseSignInAttempt(normalizedName: string, address: string): Promise<void> {
    const k = this.#keys;
    await signInRelease.run(
      this.#redis,
      [k.signInFailures(normalizedName, address), k.signInFailuresFrom(address)],
      [],
    );
  }

  async reserveSignUp(address: string, allowed: number, windowMs: number): Promise<boolean> {
    return (await signUpReserve.run(this.#redis, [this.#keys.signUpsFrom(address)], [allowed, windowMs])) === 1;
  }

  async #lookup(normalizedName: string, limits: AttemptLimits | undefined) {
    const k = this.#keys;
    const address = limits?.address ?? '';
    const [userUUID, passwordHash, attempt] = await userLookup.run(
      this.#redis,
      [k.usersByName, k.userPasswords, k.signInFailures(normalizedName, address), k.signInFailuresFrom(address)],
      [normalizedName, limits?.perNameAndAddress ?? 0, limits?.perAddress ?? 0, limits?.windowMs ?? 0],
    );
    const user = userUUID !== null && passwordHash !== null ? { userUUID, passwordHash } : null;
    return { user, refused: attempt === 0 };
  }

  async create(
    normalizedName: string,
    userUUID: string,
    username: string,
    passwordHash: string,
  ): Promise<{ created: boolean; userUUID: string }> {
    const k = this.#keys;
    const [created, holder] = await userCreate.run(
      this.#redis,
      [k.usersByName, k.userNames, k.userPasswords, k.userIndex],
      [normalizedName, userUUID, username, passwordHash],
    );
    // The name held by this very UUID: an earlier run whose reply was lost created it.
    return { created: created === 1 || holder === userUUID, userUUID: holder };
  }

  async page(offset: number, limit: number): Promise<{ total: number; users: UsersPageEntry[] }> {
    const k = this.#keys;
    const reply = await usersPage.run(this.#redis, [k.userIndex, k.userNames, k.usersOnline], [offset, limit]);
    const users: UsersPageEntry[] = [];
    for (let i = 1; i + 2 < reply.length; i += 3) {
      users.push({ userUUID: String(reply[i]), username: String(reply[i + 1]), online: reply[i + 2] === 1 });
    }
    return { total: Number(reply[0]), users };
  }

  /** Only names not known yet are read (a name never changes). */
  async names(userUUIDs: readonly string[]): Promise<ChannelUser[]> {
    const unknown = userUUIDs.filter((userUUID) => !this.#knownNames.has(userUUID));
    if (unknown.length > 0) {
      const names = await this.#redis.hmget(this.#keys.userNames, ...unknown);
      names.forEach((username, i) => {
        if (username !== null) this.#remember(unknown[i]!, username);
      });
    }
    const found: ChannelUser[] = [];
    for (const userUUID of userUUIDs) {
      const username = this.#knownNames.get(userUUID);
      if (username !== undefined) found.push({ UUID: userUUID, username });
    }
    return found;
  }

  async exists(userUUID: string): Promise<boolean> {
    if (this.#knownNames.has(userUUID)) return true;
    const username = await this.#redis.hget(this.#keys.userNames, userUUID);
    if (username !== null) this.#remember(userUUID, username);
    return username !== null;
  }

  #remember(userUUID: string, username: string): void {
    if (this.#knownNames.size >= KNOWN_USERS_CACHE_SIZE) this.#knownNames.clear();
    this.#knownNames.set(userUUID, username);
  }
}
