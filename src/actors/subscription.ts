/**
 * One connection's subscription to one channel. A new subscription holds its
 * pushes back until the join response is out, then sends only those newer
 * than the history that response showed: the client sees every message once,
 * in history order, with nothing lost between the two.
 */

import type { WatchableEvent } from '../protocol/requests.js';

/** What a channel needs of a connection: actors never touch sockets. */
export interface Subscriber {
  readonly sessionUUID: string;
  readonly userUUID: string;
  /**
   * Sends a push. Every subscriber gets the same Buffer object, so the
   * connection layer can frame it once for all of them.
   */
  deliver(push: Buffer): void;
  /** Whether the connection asked for pushes of this kind (`watch`). */
  watches(event: WatchableEvent): boolean;
}

export class Subscription {
  readonly subscriber: Subscriber;
  /** Messages up to this seq were already shown (in the join response): their pushes are skipped. */
  #shownUpTo = 0;
  #held: [seq: number, frame: Buffer][] | null = [];

  constructor(subscriber: Subscriber) {
    this.subscriber = subscriber;
  }

  /** Offers the push of the message with `seq`. */
  offer(seq: number, frame: Buffer): void {
    if (seq <= this.#shownUpTo) return;
    if (this.#held !== null) this.#held.push([seq, frame]);
    else this.subscriber.deliver(frame);
  }

  /** The join response shows history up to `seq`; later pushes stay held until activate(). */
  markShown(seq: number): void {
    this.#shownUpTo = Math.max(this.#shownUpTo, seq);
  }

  /** Offers a signal (typing, a receipt): it is live only, so it is dropped while the join response is not out. */
  offerSignal(frame: Buffer): void {
    if (this.#held === null) this.subscriber.deliver(frame);
  }

  /** Called once the join response is sent: releases the held pushes, then delivers directly. */
  activate(): void {
    const held = this.#held;
    if (held === null) return;
    this.#held = null;
    for (const [seq, frame] of held) this.offer(seq, frame);
  }
}
