/**
 * Everything a connection sends goes through its writer, the one place that
 * touches ws's underlying socket. A push is framed once for all sockets
 * (text-frame.ts) and written straight to the socket — ws's own send would
 * frame it again for every socket — at the end of this turn, together with
 * the other pushes of the turn (end-of-turn.ts). A reply is framed here too,
 * into one buffer (ws's send would write header and payload as two). A reply
 * or a close writes the pushes due first, so frames leave in the order
 * things happened. A reply in pieces is written piece by piece, its shared
 * Buffer pieces uncopied (text-frame.ts).
 * Output the client has not taken past `maxBufferedBytes` closes the
 * connection with 1013 (a slow consumer); nothing else is affected. One
 * reply larger than that (a join's users list in a channel of thousands) is
 * not by itself a slow consumer: until the socket drains, the limit counts
 * the output beyond it.
 */
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { TextPieces } from '../protocol/responses.js';
import { type Flushable, flushAtEndOfTurn } from './end-of-turn.js';
import { textFrame, textFrameOf, textFrameParts } from './text-frame.js';

export class PushWriter implements Flushable {
  readonly #ws: WebSocket;
  readonly #maxBufferedBytes: number;
  readonly #onSlowConsumer: () => void;
  /** Framed pushes of this turn, not yet written. */
  #pushes: Buffer | Buffer[] | undefined;
  /** Bytes of the largest reply written since the socket last drained, when that passed the limit: allowed on top of it. */
  #bigReply = 0;

  /**
   * @param maxBufferedBytes unsent output past which the connection is closed with 1013
   * @param onSlowConsumer called when that happens, before the close
   */
  constructor(ws: WebSocket, maxBufferedBytes: number, onSlowConsumer: () => void) {
    this.#ws = ws;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#onSlowConsumer = onSlowConsumer;
  }

  /** Queues a push for the end of this turn. Every subscriber gets the same `payload` Buffer, framed once. */
  push(payload: Buffer): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    const frame = textFrame(payload);
    const pushes = this.#pushes;
    if (pushes === undefined) {
      this.#pushes = frame;
      flushAtEndOfTurn(this);
    } else if (Array.isArray(pushes)) {
      pushes.push(frame);
    } else {
      this.#pushes = [pushes, frame];
    }
  }

  /** Writes the pushes due, in one write. With compression off ws's sender keeps no queue, so this keeps frame order. */
  flush(): void {
    const pushes = this.#pushes;
    if (pushes === undefined) return;
    this.#pushes = undefined;
    const ws = this.#ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    // A failed write does not throw: the socket reports it through its 'error' event.
    this.#socket().write(Array.isArray(pushes) ? Buffer.concat(pushes) : pushes);
    this.#closeIfSlow();
  }

  /** Sends a reply (or the `ready` frame) after the pushes due. */
  reply(frame: string | TextPieces): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.flush();
    if (this.#ws.readyState !== WebSocket.OPEN) return; // the pushes before it closed a slow consumer
    const socket = this.#socket();
    let bytes: number;
    if (typeof frame === 'string') {
      const data = textFrameOf(frame);
      socket.write(data);
      bytes = data.length;
    } else {
      const parts = textFrameParts(frame);
      bytes = 0;
      socket.cork();
      for (const part of parts) {
        socket.write(part);
        bytes += part.length;
      }
      socket.uncork();
    }
    if (this.#ws.bufferedAmount > this.#maxBufferedBytes + this.#bigReply) this.#allowBigReply(bytes);
    this.#closeIfSlow();
  }

  /** Closes the connection with `code`, after the pushes due. */
  close(code: number, reason: string): void {
    this.flush();
    if (this.#ws.readyState !== WebSocket.OPEN) return; // the pushes before it closed a slow consumer
    this.#ws.close(code, reason);
  }

  /** A reply that alone passes the limit is allowed until the socket drains. */
  #allowBigReply(bytes: number): void {
    if (bytes <= this.#maxBufferedBytes || bytes <= this.#bigReply) return;
    const socket = this.#socket();
    // Only a socket past its high-water mark emits 'drain', which ends the allowance.
    if (!socket.writableNeedDrain) return;
    if (this.#bigReply === 0) socket.once('drain', () => (this.#bigReply = 0));
    this.#bigReply = bytes;
  }

  #socket(): Duplex {
    return (this.#ws as unknown as { _socket: Duplex })._socket;
  }

  #closeIfSlow(): void {
    if (this.#ws.bufferedAmount > this.#maxBufferedBytes + this.#bigReply) {
      this.#onSlowConsumer();
      this.#ws.close(1013, 'slow consumer');
    }
  }
}
