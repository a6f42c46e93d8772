/**
 * A channel actor's mailbox in Redis: a stream of entries with IDs
 * `<seq>-0` (messages' pushes, appended by message-send.lua, and membership
 * changes), the latest snapshot of the actor's state, and how far each
 * node's reader has got — which is what decides how much can be trimmed.
 */
import { type MailboxEntry, parseStreamEntry } from '../actors/mailbox-entry.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { Script } from './script.js';

const mailboxMember = new Script<number>('mailbox-member');
const mailboxOpen = new Script<string>('mailbox-open');
const mailboxCheckpoint = new Script<number>('mailbox-checkpoint');

/** Membership entry kinds as stored. */
export type MemberChange = 'j' | 'l' | 'g';

export interface Snapshot {
  /** The last entry the state includes (0: none). */
  seq: number;
  /** The state as JSON ('' when there is no snapshot yet). */
  stateJson: string;
}

export class ChannelMailbox {
  readonly #redis: RedisClient;
  readonly #keys: Keys;
  readonly channelId: string;
  readonly #nodeId: string;

  constructor(redis: RedisClient, keys: Keys, channelId: string, nodeId: string) {
    this.#redis = redis;
    this.#keys = keys;
    this.channelId = channelId;
    this.#nodeId = nodeId;
  }

  /** Appends (and publishes) a membership change; returns its seq. */
  appendMember(kind: MemberChange, userUUID: string, nodeId = this.#nodeId): Promise<number> {
    const k = this.#keys;
    return mailboxMember.run(
      this.#redis,
      [k.channelMailbox(this.channelId), k.channelSeq(this.channelId)],
      [k.channelTopic(this.channelId), kind, userUUID, nodeId],
    );
  }

  /** The latest snapshot; registers this node as a reader from there. */
  async open(): Promise<Snapshot> {
    const k = this.#keys;
    const raw = await mailboxOpen.run(
      this.#redis,
      [k.channelSnapshot(this.channelId), k.channelReaders(this.channelId)],
      [this.#nodeId, Date.now()],
    );
    const bar = raw.indexOf('|');
    return { seq: Number(raw.slice(0, bar)), stateJson: raw.slice(bar + 1) };
  }

  /** Up to `count` entries after `afterSeq`, in order. */
  async read(afterSeq: number, count: number): Promise<MailboxEntry[]> {
    const raw = (await this.#redis.xrangeBuffer(
      this.#keys.channelMailbox(this.channelId),
      `${afterSeq + 1}-0`,
      '+',
      'COUNT',
      count,
    )) as unknown as [Buffer, Buffer[]][];
    const entries: MailboxEntry[] = [];
    for (const [id, fields] of raw) {
      const entry = parseStreamEntry(id, fields);
      if (entry !== null) entries.push(entry);
    }
    return entries;
  }

  /**
   * Records that this node has read up to `seq`, saves `stateJson` as the
   * snapshot at `seq` if it is newer, and trims what every live reader has
   * passed (readers silent for `staleMs` no longer hold it back).
   */
  checkpoint(seq: number, stateJson: string, staleMs: number): Promise<number> {
    const k = this.#keys;
    return mailboxCheckpoint.run(
      this.#redis,
      [k.channelSnapshot(this.channelId), k.channelReaders(this.channelId), k.channelMailbox(this.channelId)],
      [this.#nodeId, Date.now(), seq, stateJson, staleMs],
    );
  }

  /** This node reads the mailbox no more (or `nodeId`, a dead node, never will). */
  async forget(nodeId = this.#nodeId): Promise<void> {
    await this.#redis.hdel(this.#keys.channelReaders(this.channelId), nodeId);
  }
}
