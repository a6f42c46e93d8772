/**
 * Signals: what a channel's connections are told and nobody keeps — typing,
 * and read receipts. They travel on the channel's pub/sub topic beside its
 * feed entries, as `e|<kind>|<from user>|<frame>` (a feed entry starts with
 * its id, a digit), so the nodes that follow the channel get them with no
 * subscription of their own; they are never stored, never enter the feed
 * or history, and never hold a push back. A typing storm writes nothing to
 * Redis's persistence: a PUBLISH command is not written to the AOF. Each
 * is published by a script in the channel's slot (typing-publish.lua,
 * channel-seen.lua), so a channel's signals keep their order on a cluster.
 */
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

export type SignalKind = 'typing' | 'channelSeen';

export interface Signal {
  kind: SignalKind;
  /** The user it is from: none of their own connections gets it. */
  fromUserUUID: string;
  /** The push, as every connection that gets it receives it (one Buffer, framed once). */
  frame: Buffer;
}

export interface ChannelSignals {
  /** Publishes a typing signal to the channel's connections on every node. */
  typing(typistUUID: string, frame: string): Promise<void>;
}

const SIGNAL_MARK = 0x65; // 'e'
const PIPE = 0x7c;

/** Whether a topic payload is a signal rather than a feed entry. */
export const isSignal = (payload: Buffer): boolean => payload[0] === SIGNAL_MARK;

/** The signal a topic payload carries, or null when it is not a well-formed one. */
export function parseSignal(payload: Buffer): Signal | null {
  const kindEnd = payload.indexOf(PIPE, 2);
  const fromEnd = kindEnd < 0 ? -1 : payload.indexOf(PIPE, kindEnd + 1);
  if (!isSignal(payload) || payload[1] !== PIPE || fromEnd < 0) return null;
  const kind = payload.toString('latin1', 2, kindEnd);
  if (kind !== 'typing' && kind !== 'channelSeen') return null;
  return { kind, fromUserUUID: payload.toString('latin1', kindEnd + 1, fromEnd), frame: payload.subarray(fromEnd + 1) };
}

/** A signal as published (channel-seen.lua writes the same layout). */
export const signalPayload = (kind: SignalKind, fromUserUUID: string, frame: string): string =>
  `e|${kind}|${fromUserUUID}|${frame}`;

// A lost reply is not settled by publishing again: a signal twice is worse than one missed.
const typingPublish = new Script<number>('typing-publish', { keys: 1, args: 1, rerunnable: false });

export class RedisChannelSignals implements ChannelSignals {
  readonly #redis: RedisClient;
  readonly #topic: string;

  constructor(redis: RedisClient, keys: Keys, channelId: string) {
    this.#redis = redis;
    this.#topic = keys.channelTopic(channelId);
  }

  async typing(typistUUID: string, frame: string): Promise<void> {
    await typingPublish.run(this.#redis, [this.#topic], [signalPayload('typing', typistUUID, frame)]);
  }
}
