/**
 * The sends not yet answered, in the order they were made. Each keeps its
 * clientMessageId for its whole life, so sending it again — after a
 * reconnect, after error 10 or 11 — stores it once (protocol 1.1,
 * idempotent send). A send unanswered for `sendTimeoutMs` is given up with
 * a ChatError that carries its id.
 */
import { ChatError } from './chat-error.js';
import type { Message } from './message.js';

export interface OutboxEntry<C> {
  readonly channel: C;
  readonly text: string;
  readonly clientMessageId: string;
  /** Sent on the current connection and not answered yet. */
  inFlight: boolean;
}

interface Waiting<C> extends OutboxEntry<C> {
  resolve(message: Message): void;
  reject(error: ChatError): void;
  expires: ReturnType<typeof setTimeout>;
}

export class Outbox<C> {
  readonly #sendTimeoutMs: number;
  readonly #entries = new Set<Waiting<C>>();

  constructor(sendTimeoutMs: number) {
    this.#sendTimeoutMs = sendTimeoutMs;
  }

  add(channel: C, text: string, clientMessageId: string): { entry: OutboxEntry<C>; sent: Promise<Message> } {
    let entry!: Waiting<C>;
    const sent = new Promise<Message>((resolve, reject) => {
      entry = { channel, text, clientMessageId, inFlight: false, resolve, reject, expires: undefined as never };
    });
    entry.expires = setTimeout(
      () =>
        this.reject(
          entry,
          new ChatError(
            'timeout',
            `send not answered within ${this.#sendTimeoutMs} ms; it may be stored — send it again with its clientMessageId`,
            clientMessageId,
          ),
        ),
      this.#sendTimeoutMs,
    );
    this.#entries.add(entry);
    return { entry, sent };
  }

  has(entry: OutboxEntry<C>): boolean {
    return this.#entries.has(entry as Waiting<C>);
  }

  /** The entries to send on a new connection, oldest first. */
  unsent(): OutboxEntry<C>[] {
    return [...this.#entries].filter((entry) => !entry.inFlight);
  }

  resolve(entry: OutboxEntry<C>, message: Message): void {
    const waiting = entry as Waiting<C>;
    if (!this.#entries.delete(waiting)) return;
    clearTimeout(waiting.expires);
    waiting.resolve(message);
  }

  reject(entry: OutboxEntry<C>, error: ChatError): void {
    const waiting = entry as Waiting<C>;
    if (!this.#entries.delete(waiting)) return;
    clearTimeout(waiting.expires);
    waiting.reject(error);
  }

  /** Gives up every entry (of `channel`, when given). */
  rejectAll(error: ChatError, channel?: C): void {
    for (const entry of [...this.#entries]) {
      if (channel === undefined || entry.channel === channel) this.reject(entry, error);
    }
  }
}
