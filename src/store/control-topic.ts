/**
 * Node-to-node notices on one pub/sub topic: access-key revocations, and
 * each node's own beacons, by which it knows its subscription is intact.
 *
 * A node may trust a cached access-key check only while it cannot have
 * missed a revocation notice. Pub/sub keeps nothing for a subscriber that
 * is away, so the node watches its own subscription: the subscriber
 * connection closing (seen at once on one Redis), or no beacon of its own
 * heard for STALE_PERIODS beacon periods (what a cluster client's silent
 * reconnect, or a stalled connection, looks like), ends the trust — judged
 * when a key is checked, not by a timer that a busy event loop would run
 * late. The next beacon heard after such a gap starts a new epoch, so
 * nothing cached before the gap is trusted again, and tells the channels
 * to read what their topics missed.
 */
import { Cluster } from 'ioredis';
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
  /** How often a beacon is published (ms). Default 250: a silent gap ends the trust within 0.625 s. */
  beaconMs?: number;
  /** Called with each revocation notice from any node (this one included). */
  onRevoked: (userUUID: string, keyId: string) => void;
  /** Called when the subscription is known to be whole again after a gap: topics may have missed messages. */
  onRecovered?: () => void;
}

/** No beacon of our own heard for this many periods: notices may be getting lost. */
const STALE_PERIODS = 2.5;

/** The notice that a key is revoked, as access-key-revoke.lua publishes it. */
export const revokeNotice = (userUUID: string, keyId: string): string => `revoke ${userUUID} ${keyId}`;

/**
 * Makes a notice that a script has published reach every node's subscriber
 * before this resolves. On one Redis it already has: a PUBLISH is on every
 * subscriber's socket when its reply leaves. On a cluster it reaches a
 * subscriber connected to another node over the cluster bus, which may be
 * after the reply — so it is published once more on each node, where it is
 * on that node's subscribers' sockets with the reply. Every node hears it a
 * few times (it is idempotent, and an older node takes it as it always did);
 * a node that does not answer is down, and so is any subscriber on it —
 * whose node distrusts its cached checks until its beacons come back.
 */
export async function publishOnEveryNode(redis: RedisClient, topic: string, notice: string): Promise<void> {
  if (!(redis instanceof Cluster)) return;
  await Promise.allSettled(redis.nodes('all').map((node) => node.publish(topic, notice)));
}

export class ControlTopic implements RevocationWatch {
  readonly #redis: RedisClient;
  readonly #pubsub: PubSub;
  readonly #topic: string;
  readonly #options: Required<ControlTopicOptions>;
  readonly #staleMs: number;
  /** Whether the subscriber connection has stayed up since the last beacon heard. */
  #connected = false;
  #epoch = 0;
  /** When our last beacon came back (0: none yet). */
  #heardAt = 0;
  #sent = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(redis: RedisClient, pubsub: PubSub, keys: Keys, options: ControlTopicOptions) {
    this.#redis = redis;
    this.#pubsub = pubsub;
    this.#topic = keys.controlTopic;
    this.#options = { beaconMs: 250, onRecovered: () => {}, ...options };
    this.#staleMs = STALE_PERIODS * this.#options.beaconMs;
  }

  epoch(): number | null {
    return this.#connected && Date.now() - this.#heardAt <= this.#staleMs ? this.#epoch : null;
  }

  /** Subscribes, then beacons until stop(); trusted from the first beacon heard. */
  async start(): Promise<void> {
    this.#pubsub.onDisconnected(() => {
      this.#connected = false;
    });
    await this.#pubsub.subscribe(this.#topic, (payload) => this.#receive(payload.toString()));
    this.#timer = setInterval(() => this.#beacon(), this.#options.beaconMs).unref();
    this.#beacon();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#connected = false;
  }

  #beacon(): void {
    this.#redis.publish(this.#topic, `beacon ${this.#options.nodeId} ${++this.#sent}`).catch(() => {});
  }

  #receive(notice: string): void {
    const [verb, first, second] = notice.split(' ');
    if (verb === 'revoke' && first && second) {
      this.#options.onRevoked(first, second);
    } else if (verb === 'beacon' && first === this.#options.nodeId) {
      this.#heard();
    }
  }

  #heard(): void {
    const now = Date.now();
    const afterGap = !this.#connected || now - this.#heardAt > this.#staleMs;
    const first = this.#heardAt === 0;
    this.#connected = true;
    this.#heardAt = now;
    if (!afterGap) return;
    this.#epoch++;
    if (!first) this.#options.onRecovered();
  }
}
