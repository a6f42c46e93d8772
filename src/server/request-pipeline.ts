/**
 * A connection's requests, in arrival order. Each request starts once the
 * one before it is answered — except in a run of sends: a send lets the
 * next request start as soon as its Redis write is sent (`sent()`), not
 * answered, so a run's writes reach Redis back to back, which keeps them in
 * order (one connection, or one slot's, per channel), at most `maxOverlap`
 * requests started and unanswered at once. A request that must see the
 * effects of the ones before it waits for them (`earlierSettled`). Answers
 * leave strictly in arrival order, whenever each request finishes.
 *
 * A write that has to be sent again (no reply came, or Redis had lost the
 * script) is out of the run's order: it waits until every request before it
 * is answered, and so does every write of the run not sent yet (`held`).
 */
import type { WriteOrder } from '../store/script.js';

/** What a request does once answered in order: sends its response. */
export type Answer = () => void;

/** A request's place in the pipeline, as its work sees it: the order its Redis write keeps. */
export type Turn = WriteOrder;

const NOTHING: Answer = () => {};
/** Past this many started requests the waiting array is compacted. */
const COMPACT_AFTER = 1024;

class Slot implements Turn {
  readonly #pipeline: RequestPipeline;
  /** Settles once this request is answered; its successor waits on it. */
  readonly answered: Promise<void>;
  readonly earlier: Promise<void>;
  #resolveAnswered!: () => void;
  released = false;
  resending = false;

  constructor(pipeline: RequestPipeline, earlier: Promise<void>) {
    this.#pipeline = pipeline;
    this.earlier = earlier;
    this.answered = new Promise<void>((resolve) => (this.#resolveAnswered = resolve));
  }

  get held(): boolean {
    return this.#pipeline.resendingCount > 0;
  }

  earlierSettled(): Promise<void> {
    return this.earlier;
  }

  sent(): void {
    this.#pipeline.release(this);
  }

  resend(): void {
    if (this.resending) return;
    this.resending = true;
    this.#pipeline.resendingCount++;
  }

  markAnswered(): void {
    if (this.resending) this.#pipeline.resendingCount--;
    this.#resolveAnswered();
  }
}

interface Waiting {
  work: (turn: Turn) => Promise<Answer>;
  resolve: () => void;
}

export class RequestPipeline {
  readonly #maxOverlap: number;
  /** Posted, not started: each waits for the one before to release it. */
  readonly #waiting: Waiting[] = [];
  #waitingHead = 0;
  /** Started and not answered. */
  #started = 0;
  /** The last started request, until it releases the next. */
  #blocking: Slot | undefined;
  /** Settles once the last started request is answered. */
  #lastAnswered: Promise<void> = Promise.resolve();
  #starting = false;
  /** Started, unanswered requests whose write is being sent again. */
  resendingCount = 0;

  /** @param maxOverlap the most requests started and not yet answered at once (≥ 1) */
  constructor(maxOverlap: number) {
    this.#maxOverlap = Math.max(1, maxOverlap);
  }

  /** Requests posted and not yet answered. */
  get pending(): number {
    return this.#waiting.length - this.#waitingHead + this.#started;
  }

  /**
   * Queues a request: `work` runs once the request before it is answered or
   * has sent its write; the answer `work` gives runs after theirs. Resolves
   * once answered. `work` should not throw (a request's failure is its answer).
   */
  post(work: (turn: Turn) => Promise<Answer>): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#waiting.push({ work, resolve });
      this.#startNext();
    });
  }

  /** Resolves once every request posted so far is answered. */
  drained(): Promise<void> {
    return this.post(async () => NOTHING);
  }

  /** The request sent its write (or was answered): the next one may start. */
  release(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    if (this.#blocking === slot) this.#blocking = undefined;
    this.#startNext();
  }

  #startNext(): void {
    // A request released from inside its own start is picked up by the loop already running.
    if (this.#starting) return;
    this.#starting = true;
    while (
      this.#blocking === undefined &&
      this.#started < this.#maxOverlap &&
      this.#waitingHead < this.#waiting.length
    ) {
      const next = this.#waiting[this.#waitingHead]!;
      this.#waiting[this.#waitingHead++] = undefined as never;
      if (this.#waitingHead === this.#waiting.length || this.#waitingHead >= COMPACT_AFTER) {
        this.#waiting.splice(0, this.#waitingHead);
        this.#waitingHead = 0;
      }
      this.#run(next);
    }
    this.#starting = false;
  }

  #run({ work, resolve }: Waiting): void {
    const slot = new Slot(this, this.#lastAnswered);
    this.#lastAnswered = slot.answered;
    this.#blocking = slot;
    this.#started++;
    const finished = work(slot).catch((): Answer => NOTHING);
    void Promise.all([finished, slot.earlier]).then(([answer]) => {
      answer();
      this.#started--;
      slot.markAnswered();
      // Answered: the next request may start if this one had not let it, or if the bound held it.
      this.release(slot);
      this.#startNext();
      resolve();
    });
  }
}
