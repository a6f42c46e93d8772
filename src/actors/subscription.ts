/**
 * One connection's subscription to one channel. A new subscription holds its
 * pushes back until the join response is out, then sends only those newer
 * than the history that response showed: the client sees every message once,
 * in history order, with nothing lost between the two.
 */

/** What a channel needs of a connection: actors never touch sockets. */
export interface Subscriber {
  readonly sessionUUID: string;
  readonly userUUID: string;
  /**
   * Sends a push. Every subscriber gets the same Buffer object, so the
   * connection layer can frame it once for all of them.
   */
  deliver(push: Buffer): void;
}

export class Subscription {
  readonly subscriber: Subscriber;
  /** Pushes at or before this history position were already shown. */
  #shownUpTo = 0;
  #held: [position: number, frame: Buffer][] | null = [];

  constructor(subscriber: Subscriber) {
    this.subscriber = subscriber;
  }

  /** Offers a push at history `position`. */
  offer(position: number, frame: Buffer): void {
    if (position <= this.#shownUpTo) return;
    if (this.#held !== null) this.#held.push([position, frame]);
    else this.subscriber.deliver(frame);
  }

  /** The join response shows history up to `position`; later pushes stay held until activate(). */
  showedUpTo(position: number): void {
    this.#shownUpTo = Math.max(this.#shownUpTo, position);
  }

  get active(): boolean {
    return this.#held === null;
  }

  /** Called once the join response is sent: releases the held pushes, then delivers directly. */
  activate(): void {
    const held = this.#held;
    if (held === null) return;
    this.#held = null;
    for (const [position, frame] of held) this.offer(position, frame);
  }
}
