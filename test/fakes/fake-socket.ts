/**
 * A stand-in for a server-side `ws` WebSocket: what a Session calls of it,
 * with every frame it is given recorded in the order a client would read
 * them — replies sent through ws.send and pushes written as raw frames to
 * the underlying socket alike. The test plays the client: it emits
 * 'message', 'pong' and 'close', and reads `frames`.
 */
import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';

export class FakeSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  /** What the server has written but the client not taken: tests raise it to play a slow consumer. */
  bufferedAmount = 0;
  /** Every frame the server sent, parsed, in order (while `recording`). */
  readonly frames: Record<string, any>[] = [];
  /** Whether written frames are parsed into `frames`; off, only `writes` counts them (bench/request-path.ts). */
  recording = true;
  /** Called after each write that reaches the client. */
  onWrite: (() => void) | undefined;
  /** How many write calls reached the socket (a turn's pushes are one). */
  writes = 0;
  closeCode: number | undefined;
  paused = false;
  terminated = false;
  pings = 0;
  /** Whether what is written adds to `bufferedAmount`: tests set it to play a client that takes nothing. */
  bufferEverySend = false;
  /** The underlying socket; tests set `writableNeedDrain` and emit 'drain' on it as a full one would. */
  readonly _socket = Object.assign(new EventEmitter(), {
    writableNeedDrain: false,
    write: (data: Buffer): boolean => {
      if (this.#corked !== undefined) this.#corked.push(data);
      else this.#written(data);
      return true;
    },
    /** Writes until uncork are gathered into one, as a socket's writev is one write. */
    cork: (): void => {
      this.#corked ??= [];
    },
    uncork: (): void => {
      const corked = this.#corked;
      this.#corked = undefined;
      if (corked !== undefined && corked.length > 0) this.#written(Buffer.concat(corked));
    },
  });
  #corked: Buffer[] | undefined;

  #written(data: Buffer): void {
    this.writes++;
    if (this.bufferEverySend) this.bufferedAmount += data.length;
    if (this.recording) for (const payload of unframe(data)) this.frames.push(JSON.parse(payload));
    this.onWrite?.();
  }

  send(data: string | Buffer): void {
    this.writes++;
    if (this.bufferEverySend) this.bufferedAmount += Buffer.byteLength(data);
    if (this.recording) this.frames.push(JSON.parse(data.toString()));
    this.onWrite?.();
  }

  /** A client frame arrives. */
  receive(body: unknown): void {
    this.emit('message', Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), false);
  }

  close(code: number): void {
    if (this.readyState !== WebSocket.OPEN) return;
    this.closeCode = code;
    this.readyState = WebSocket.CLOSING;
  }

  /** The connection is gone: 'close', as ws emits it. */
  closed(): void {
    this.readyState = WebSocket.CLOSED;
    this.emit('close');
  }

  terminate(): void {
    this.terminated = true;
    this.closed();
  }

  ping(): void {
    this.pings++;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }
}

/** The payloads of the unmasked text frames in `data` (server-side framing, text-frame.ts). */
function unframe(data: Buffer): string[] {
  const payloads: string[] = [];
  let at = 0;
  while (at < data.length) {
    let length = data[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      length = data.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      length = Number(data.readBigUInt64BE(at + 2));
      header = 10;
    }
    payloads.push(data.toString('utf8', at + header, at + header + length));
    at += header + length;
  }
  return payloads;
}
