/**
 * In-memory forms of what the user actor and the handlers need of Redis:
 * presence, access keys and the user directory. Each records its calls and
 * can be made to fail, to model Redis being down.
 */
import type { ChannelUser } from '../../src/protocol/responses.js';
import type { AccessKeys } from '../../src/store/access-keys.js';
import type { RevocationWatch } from '../../src/store/control-topic.js';
import type { Presence } from '../../src/store/presence.js';
import type { PasswordRecord, UserDirectory, UsersPageEntry } from '../../src/store/user-directory.js';
import type { Workers } from '../../src/workers/pool.js';
import type { MemoryHistoryPages } from './memory-channel-history.js';

const down = (): Error => new Error('Connection is closed. (fake)');

export class MemoryPresence implements Presence {
  readonly online = new Set<string>();
  /** Every call, as 'add <user>' / 'remove <user>'. */
  readonly calls: string[] = [];
  /** The next this many calls throw. */
  failures = 0;

  async add(userUUID: string): Promise<void> {
    this.calls.push(`add ${userUUID}`);
    if (this.failures > 0 && this.failures--) throw down();
    this.online.add(userUUID);
  }

  async remove(userUUID: string): Promise<void> {
    this.calls.push(`remove ${userUUID}`);
    if (this.failures > 0 && this.failures--) throw down();
    this.online.delete(userUUID);
  }

  /** Connections bound per user, as recorded (one node). */
  readonly connections = new Map<string, number>();

  async setConnections(userUUID: string, count: number, limit: number): Promise<boolean> {
    if (limit > 0 && count > (this.connections.get(userUUID) ?? 0) && count > limit) return false;
    this.connections.set(userUUID, count);
    return true;
  }
}

export class MemoryAccessKeys implements AccessKeys {
  readonly digests = new Map<string, Buffer>();
  /** How many times a key was read from the store (a cache miss). */
  touches = 0;
  /** Every revocation, as '<user> <keyId>'. */
  readonly revoked: string[] = [];

  async save(userUUID: string, keyId: string, secretDigest: Buffer): Promise<void> {
    this.digests.set(`${userUUID} ${keyId}`, secretDigest);
  }

  async touch(userUUID: string, keyId: string): Promise<Buffer | null> {
    this.touches++;
    return this.digests.get(`${userUUID} ${keyId}`) ?? null;
  }

  async revoke(userUUID: string, keyId: string): Promise<void> {
    this.revoked.push(`${userUUID} ${keyId}`);
    this.digests.delete(`${userUUID} ${keyId}`);
  }
}

interface StoredUser {
  userUUID: string;
  username: string;
  normalizedName: string;
  passwordHash: string;
}

/** The directory without sign-in limits (a lookup never refuses). */
export class MemoryUserDirectory implements UserDirectory {
  readonly #byName = new Map<string, StoredUser>();
  readonly #byUUID = new Map<string, StoredUser>();
  readonly #presence: MemoryPresence;

  /** @param presence whose users `page` lists as online */
  constructor(presence: MemoryPresence) {
    this.#presence = presence;
  }

  async names(userUUIDs: readonly string[]): Promise<ChannelUser[]> {
    return userUUIDs.flatMap((UUID) => {
      const user = this.#byUUID.get(UUID);
      return user === undefined ? [] : [{ UUID, username: user.username }];
    });
  }

  async lookup(normalizedName: string): Promise<PasswordRecord | null> {
    const user = this.#byName.get(normalizedName);
    return user === undefined ? null : { userUUID: user.userUUID, passwordHash: user.passwordHash };
  }

  async lookupForSignIn(normalizedName: string): Promise<{ user: PasswordRecord | null; refused: boolean }> {
    return { user: await this.lookup(normalizedName), refused: false };
  }

  async releaseSignInAttempt(): Promise<void> {}

  async reserveSignUp(): Promise<boolean> {
    return true;
  }

  async create(
    normalizedName: string,
    userUUID: string,
    username: string,
    passwordHash: string,
  ): Promise<{ created: boolean; userUUID: string }> {
    const holder = this.#byName.get(normalizedName);
    if (holder !== undefined) return { created: holder.userUUID === userUUID, userUUID: holder.userUUID };
    const user = { userUUID, username, normalizedName, passwordHash };
    this.#byName.set(normalizedName, user);
    this.#byUUID.set(userUUID, user);
    return { created: true, userUUID };
  }

  async page(offset: number, limit: number): Promise<{ total: number; users: UsersPageEntry[] }> {
    const sorted = [...this.#byName.values()].sort((a, b) =>
      a.normalizedName < b.normalizedName ? -1 : a.normalizedName > b.normalizedName ? 1 : 0,
    );
    const users = sorted.slice(offset, offset + limit).map((user) => ({
      userUUID: user.userUUID,
      username: user.username,
      online: this.#presence.online.has(user.userUUID),
    }));
    return { total: sorted.length, users };
  }

  async exists(userUUID: string): Promise<boolean> {
    return this.#byUUID.has(userUUID);
  }
}

/** Workers without threads: a "hash" that is the password reversed, and the memory history's pages. */
export class MemoryWorkers implements Workers {
  readonly #pages: MemoryHistoryPages;

  constructor(pages: MemoryHistoryPages) {
    this.#pages = pages;
  }

  async hashPassword(password: string): Promise<string> {
    return `hash:${[...password].reverse().join('')}`;
  }

  async verifyPassword(password: string, hash: string): Promise<boolean> {
    return hash === (await this.hashPassword(password));
  }

  historyPage: Workers['historyPage'] = (...args) => this.#pages.historyPage(...args);
}

/** A revocation watch the test moves: trusted (under an epoch) or not. */
export class ManualRevocationWatch implements RevocationWatch {
  #epoch: number | null = 1;

  epoch(): number | null {
    return this.#epoch;
  }

  /** A notice may be missed from now on. */
  lose(): void {
    this.#epoch = null;
  }

  /** Whole again, under a new epoch. */
  recover(): void {
    this.#lastEpoch += 1;
    this.#epoch = this.#lastEpoch;
  }

  #lastEpoch = 1;
}
