/**
 * One user, on this node: their access keys (issued, checked, revoked),
 * their presence — which of this node's connections are bound to them, kept
 * in Redis as "online on this node" while there is at least one — and which
 * of those connections watch their inbox.
 */
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import type { AccessKeys } from '../store/access-keys.js';
import type { RevocationWatch } from '../store/control-topic.js';
import type { Inbox } from '../store/inbox.js';
import type { Presence } from '../store/presence.js';
import type { Logger } from '../telemetry/logger.js';
import { digestSecret, formatAccessKey, newAccessKey, sameDigest } from './access-key.js';
import type { Actor } from './actor-registry.js';
import { FewMap, FewSet } from './few.js';
import { Mailbox } from './mailbox.js';
import type { Subscriber } from './subscription.js';

export interface UserActorDeps {
  accessKeys: AccessKeys;
  /** Whether a revocation notice from another node can have been missed (then no cached check is trusted). */
  revocations: RevocationWatch;
  /** ACCESS_KEY_TTL_MS: how long a key lives unused. */
  accessKeyTtlMs: number;
  /** This node's presence records. */
  presence: Presence;
  /** The users' inbox topics, listened to while a connection here watches. */
  inbox: Inbox;
  /** MAX_CONNECTIONS_PER_USER: connections bound to one user on all nodes together (0: no limit). */
  maxConnectionsPerUser: number;
  log: Logger;
}

/**
 * A key checked against Redis is trusted from memory for at most this long,
 * and at most a quarter of the key's TTL: each check renews the TTL, so a
 * key in use never runs out. A revocation elsewhere ends the trust at once.
 */
const KEY_RECHECK_MAX_MS = 60_000;
/** Keys remembered per user; past this the cache starts over. */
const KEY_CACHE_SIZE = 64;
/** Wait before retrying a presence write that failed. */
const PRESENCE_RETRY_MS = 1000;

interface CheckedKey {
  /** The digest's 32 bytes as a latin1 string: 48 bytes of heap, where a Buffer of its own takes ~290. */
  digest: string;
  checkedAt: number;
  /** The revocation watch's epoch when it was checked. */
  epoch: number;
}

export class UserActor implements Actor {
  readonly mailbox = new Mailbox();
  readonly userUUID: string;
  readonly #deps: UserActorDeps;
  readonly #keys = new FewMap<CheckedKey>();
  /** Sessions on this node bound to the user. */
  readonly #sessions = new FewSet();
  /** Connections here that watch the inbox; none (most users, most of the time): no Map held. */
  #inboxWatchers: Map<string, Pick<Subscriber, 'deliver'>> | undefined;
  /** Whether Redis has the user online on this node. */
  #online = false;
  /** How many of this node's connections Redis counts against the user's limit. */
  #recorded = 0;
  #presenceRetry: NodeJS.Timeout | undefined;

  constructor(userUUID: string, deps: UserActorDeps) {
    this.userUUID = userUUID;
    this.#deps = deps;
  }

  isEvictable(): boolean {
    return (
      this.#sessions.size === 0 &&
      !this.#online &&
      this.#recorded === 0 &&
      this.#presenceRetry === undefined &&
      this.#inboxWatchers === undefined
    );
  }

  /** A new access key for the user (`accessKey`, for the client), stored (hashed) before it is returned. */
  issueKey(): Promise<{ keyId: string; accessKey: string }> {
    return this.mailbox.post(async () => {
      const key = newAccessKey();
      const digest = digestSecret(key.secret);
      await this.#deps.accessKeys.save(this.userUUID, key.keyId, digest);
      this.#remember(key.keyId, digest);
      return { keyId: key.keyId, accessKey: formatAccessKey(key) };
    });
  }

  /** Whether the key is the user's, unexpired and unrevoked; using it renews it. */
  authenticate(keyId: string, secret: string): Promise<boolean> {
    // Nothing queued or running: what the letter would do at once, done without a letter (the
    // request path of every message; the mailbox's promises cost more than the check).
    if (this.mailbox.idle) {
      const trusted = this.#trustedCheck(keyId, secret);
      if (trusted !== undefined) return Promise.resolve(trusted);
    }
    return this.mailbox.post(async () => {
      const trusted = this.#trustedCheck(keyId, secret);
      if (trusted !== undefined) return trusted;
      const stored = await this.#deps.accessKeys.touch(this.userUUID, keyId);
      if (stored === null) {
        this.#keys.delete(keyId);
        return false;
      }
      this.#remember(keyId, stored);
      return sameDigest(stored, digestSecret(secret));
    });
  }

  /** Revokes the key everywhere; other keys of the user keep working. */
  revokeKey(keyId: string): Promise<void> {
    return this.mailbox.post(async () => {
      await this.#deps.accessKeys.revoke(this.userUUID, keyId);
      this.#keys.delete(keyId);
    });
  }

  /** Another node revoked the key: stop trusting the cached copy. */
  forgetKey(keyId: string): Promise<void> {
    return this.mailbox.post(() => {
      this.#keys.delete(keyId);
    });
  }

  /** Binds a connection; error 10 when the user already has MAX_CONNECTIONS_PER_USER on all nodes. */
  bind(sessionUUID: string): Promise<void> {
    return this.mailbox.post(async () => {
      if (this.#sessions.has(sessionUUID)) return;
      await this.#claimConnection(this.#sessions.size + 1);
      this.#sessions.add(sessionUUID);
      return this.#syncPresence();
    });
  }

  unbind(sessionUUID: string): Promise<void> {
    return this.mailbox.post(() => {
      this.#sessions.delete(sessionUUID);
      return this.#syncPresence();
    });
  }

  /** The connection gets the user's inbox pushes from now on; the node listens from the first such connection. */
  watchInbox(watcher: Pick<Subscriber, 'sessionUUID' | 'deliver'>): Promise<void> {
    return this.mailbox.post(async () => {
      if (this.#inboxWatchers === undefined) {
        await this.#deps.inbox.listen(this.userUUID, (frame) => {
          for (const each of this.#inboxWatchers?.values() ?? []) each.deliver(frame);
        });
        this.#inboxWatchers = new Map();
      }
      this.#inboxWatchers.set(watcher.sessionUUID, watcher);
    });
  }

  /** The connection no longer gets inbox pushes; the node stops listening after the last one. */
  unwatchInbox(sessionUUID: string): Promise<void> {
    return this.mailbox.post(async () => {
      if (!this.#inboxWatchers?.delete(sessionUUID) || this.#inboxWatchers.size > 0) return;
      this.#inboxWatchers = undefined;
      await this.#deps.inbox.unlisten(this.userUUID).catch((error: unknown) => {
        this.#deps.log.warn({ err: error, userUUID: this.userUUID }, 'inbox not unlistened');
      });
    });
  }

  /** Redis had swept this node as dead: record the user online here again. */
  reassert(): Promise<void> {
    return this.mailbox.post(() => {
      this.#online = false;
      this.#recorded = 0;
      return this.#syncPresence();
    });
  }

  /**
   * Records one more connection here, refused (error 10) past the user's
   * limit on all nodes. With Redis unreachable the bind goes ahead — like
   * presence, the count is soft state, written when Redis is back — so an
   * outage does not stop connections whose key is trusted from memory.
   */
  async #claimConnection(wanted: number): Promise<void> {
    const limit = this.#deps.maxConnectionsPerUser;
    if (limit === 0 || wanted <= this.#recorded) return;
    let recorded: boolean;
    try {
      recorded = await this.#deps.presence.setConnections(this.userUUID, wanted, limit);
    } catch (error) {
      this.#deps.log.warn({ err: error, userUUID: this.userUUID }, 'connection count not written; retrying');
      return;
    }
    if (!recorded) throw new ProtocolError(ErrorCode.RateLimited, `at most ${limit} connections per user`);
    this.#recorded = wanted;
  }

  /** The check against the key as remembered, while that is still trusted; undefined when Redis must be asked. */
  #trustedCheck(keyId: string, secret: string): boolean | undefined {
    const known = this.#keys.get(keyId);
    if (
      known === undefined ||
      known.epoch !== this.#deps.revocations.epoch() ||
      Date.now() - known.checkedAt >= Math.min(KEY_RECHECK_MAX_MS, this.#deps.accessKeyTtlMs / 4)
    ) {
      return undefined;
    }
    return sameDigest(Buffer.from(known.digest, 'latin1'), digestSecret(secret));
  }

  /** Caches a check, unless a revocation notice may be being missed right now. */
  #remember(keyId: string, digest: Buffer): void {
    const epoch = this.#deps.revocations.epoch();
    if (epoch === null) return;
    if (this.#keys.size >= KEY_CACHE_SIZE) this.#keys.clear();
    // The id as a string of its own: a parsed one is a slice of the presented key, and remembering
    // the slice would keep the whole key, secret and all, alive while the user is connected.
    const heldId = Buffer.from(keyId, 'latin1').toString('latin1');
    this.#keys.set(heldId, { digest: digest.toString('latin1'), checkedAt: Date.now(), epoch });
  }

  /**
   * Brings Redis in line with the bound sessions. Presence is soft state: a
   * failed write is retried in the background rather than failing the request
   * that bound or unbound the session.
   */
  async #syncPresence(): Promise<void> {
    const wanted = this.#sessions.size > 0;
    const count = this.#deps.maxConnectionsPerUser === 0 ? 0 : this.#sessions.size;
    if (wanted === this.#online && count === this.#recorded) return;
    try {
      if (wanted !== this.#online) {
        if (wanted) await this.#deps.presence.add(this.userUUID);
        else await this.#deps.presence.remove(this.userUUID);
        this.#online = wanted;
      }
      if (count !== this.#recorded) {
        // Always accepted (no limit checked): it only brings the record to the connections that are here.
        await this.#deps.presence.setConnections(this.userUUID, count, 0);
        this.#recorded = count;
      }
    } catch (error) {
      this.#deps.log.warn({ err: error, userUUID: this.userUUID }, 'presence write failed; retrying');
      this.#presenceRetry ??= setTimeout(() => {
        this.#presenceRetry = undefined;
        void this.mailbox.post(() => this.#syncPresence());
      }, PRESENCE_RETRY_MS);
    }
  }
}
