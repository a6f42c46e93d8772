/**
 * A push framed once as an unmasked WebSocket text frame (RFC 6455 §5.2),
 * header and payload in one buffer: every joined socket then gets the same
 * bytes in a single write, instead of being framed again per socket.
 */

/** Frames already built, by the payload buffer every subscriber shares. */
const framed = new WeakMap<Buffer, Buffer>();

const FIN_TEXT = 0x81;

export function textFrame(payload: Buffer): Buffer {
  let frame = framed.get(payload);
  if (frame !== undefined) return frame;
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  frame = Buffer.allocUnsafe(header + length);
  frame[0] = FIN_TEXT;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, header);
  framed.set(payload, frame);
  return frame;
}
