/**
 * Node-to-node notices on one pub/sub topic: access-key revocations, and
 * each node's own beacons, by which it knows its subscription is intact.
 *
 * A node may trust a cached access-key check only while it cannot have
 * missed a revocation notice. Pub/sub keeps nothing for a subscriber that
 * is away, so the node watches its own subscription: the subscriber
 * connection dropping (seen at once on one Redis), or its own beacon not
 * coming back within three periods (also what a cluster client's hidden
 * reconnect looks like), ends the trust; a beacon heard again after the
 * subscription is back restores it under a new epoch, so nothing cached
 * before the gap is trusted again. See `RevocationWatch`.
 */
import type { Keys } from './keys.js';
import type { PubSub } from './pubsub.js';
import type { RedisClient } from './redis-client.js';

/** What the user actors ask before trusting a cached key check. */
export interface RevocationWatch {
  /**
   * The current epoch while no revocation notice can have been missed, or
   * null when one may be missed right now. A check cached under one epoch
   * is good only while the epoch stays the same.
   */
  epoch(): number | null;
}

export interface ControlTopicOptions {
  /** This node's id: its beacons carry it. */
  nodeId: string;
  /** How often a beacon is published (ms). Default 250: a silent gap in the subscription is noticed within 0.75 s. */
  beaconMs?: number;
  /** Called with each revocation notice from any node (this one included). */
  onRevoked: (userUUID: string, keyId: string) => void;
  /** Called when the subscription is known to be whole again after a gap: topics may have missed messages. */
  onRecovered?: () => void;
}

/** The notice that a key is revoked, as access-key-revoke.lua publishes it. */
export const revokeNotice = (userUUID: string, keyId: string): string => `revoke ${userUUID} ${keyId}`;

export class ControlTopic implements RevocationWatch {
  readonly #redis: RedisClient;
  readonly #pubsub: PubSub;
  readonly #topic: string;
  readonly #options: Required<ControlTopicOptions>;
  #trusted = false;
  #everTrusted = false;
  #epoch = 0;
  /** The last beacon published, and the last of ours heard back. */
  #sent = 0;
  #heard = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(redis: RedisClient, pubsub: PubSub, keys: Keys, options: ControlTopicOptions) {
    this.#redis = redis;
    this.#pubsub = pubsub;
    this.#topic = keys.controlTopic;
    this.#options = { beaconMs: 250, onRecovered: () => {}, ...options };
  }

  epoch(): number | null {
    return this.#trusted ? this.#epoch : null;
  }

  /** Subscribes, then beacons until stop(); trusted from the first beacon heard. */
  async start(): Promise<void> {
    this.#pubsub.onDisconnected(() => this.#lose());
    await this.#pubsub.subscribe(this.#topic, (payload) => this.#receive(payload.toString()));
    this.#timer = setInterval(() => this.#beacon(), this.#options.beaconMs).unref();
    this.#beacon();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#trusted = false;
  }

  #beacon(): void {
    // The beacon before the last, sent two periods ago, has not come back: notices may be getting lost.
    if (this.#sent - this.#heard >= 2) this.#lose();
    const n = ++this.#sent;
    this.#redis.publish(this.#topic, `beacon ${this.#options.nodeId} ${n}`).catch(() => {});
  }

  #receive(notice: string): void {
    const [verb, first, second] = notice.split(' ');
    if (verb === 'revoke' && first && second) {
      this.#options.onRevoked(first, second);
    } else if (verb === 'beacon' && first === this.#options.nodeId) {
      this.#heard = Math.max(this.#heard, Number(second));
      if (!this.#trusted && this.#heard === this.#sent) this.#recover();
    }
  }

  #lose(): void {
    if (!this.#trusted) return;
    this.#trusted = false;
    this.#epoch++;
  }

  #recover(): void {
    this.#trusted = true;
    this.#epoch++;
    if (this.#everTrusted) this.#options.onRecovered();
    this.#everTrusted = true;
  }
}
