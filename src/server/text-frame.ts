/**
 * Unmasked WebSocket text frames (RFC 6455 §5.2), header and payload in one
 * buffer. A push is framed once: every joined socket then gets the same
 * bytes in a single write, instead of being framed again per socket.
 */
import type { TextPieces } from '../protocol/responses.js';

/** Frames already built, by the payload buffer every subscriber shares. */
const framed = new WeakMap<Buffer, Buffer>();

const FIN_TEXT = 0x81;

export function textFrame(payload: Buffer): Buffer {
  let frame = framed.get(payload);
  if (frame !== undefined) return frame;
  const length = payload.length;
  frame = Buffer.allocUnsafe(headerLength(length) + length);
  payload.copy(frame, writeHeader(frame, length));
  framed.set(payload, frame);
  return frame;
}

/**
 * One connection's frame (a reply) from its text, in one buffer: one
 * socket write, where ws's send writes header and payload as two (writev).
 */
export function textFrameOf(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(headerLength(length) + length);
  frame.write(text, writeHeader(frame, length));
  return frame;
}

/**
 * One connection's frame from its text in pieces, as the buffers to write
 * one after another (corked: one writev). A Buffer piece is written as it
 * is, not copied: it is a join's users list, shared by every join of its
 * 50 ms and ~76 bytes a member, and a copy per join was a megabyte of
 * garbage per join in a channel of 14,000. The header goes with the
 * strings before the first Buffer; strings next to each other make one buffer.
 */
export function textFrameParts(text: TextPieces): Buffer[] {
  let length = 0;
  for (const piece of text) length += typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length;
  const parts: Buffer[] = [];
  let strings = '';
  let header: Buffer | undefined = Buffer.allocUnsafe(headerLength(length));
  writeHeader(header, length);
  const flushStrings = () => {
    if (header !== undefined) {
      parts.push(strings === '' ? header : Buffer.concat([header, Buffer.from(strings)]));
      header = undefined;
    } else if (strings !== '') {
      parts.push(Buffer.from(strings));
    }
    strings = '';
  };
  for (const piece of text) {
    if (typeof piece === 'string') {
      strings += piece;
    } else if (piece.length > 0) {
      flushStrings();
      parts.push(piece);
    }
  }
  flushStrings();
  return parts;
}

const headerLength = (length: number): number => (length < 126 ? 2 : length < 65536 ? 4 : 10);

/** Writes the header for a `length`-byte payload at the frame's start; returns where the payload goes. */
function writeHeader(frame: Buffer, length: number): number {
  frame[0] = FIN_TEXT;
  if (length < 126) {
    frame[1] = length;
    return 2;
  }
  if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
    return 4;
  }
  frame[1] = 127;
  frame.writeBigUInt64BE(BigInt(length), 2);
  return 10;
}
