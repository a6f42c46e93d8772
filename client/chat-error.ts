/**
 * Every failure the SDK reports. `code` is the server's error code (1–11,
 * docs/protocol.md) or one of the SDK's own: 'timeout' (no answer in time),
 * 'connection-lost' (the connection dropped before the answer), 'closed'
 * (the client was closed). `temporary` says whether the same call may
 * succeed later.
 */
export type ClientErrorCode = 'timeout' | 'connection-lost' | 'closed';
export type ChatErrorCode = number | ClientErrorCode;

/** The server's temporary codes: 10 (rate limited) and 11 (unavailable); a test holds this to src/protocol/errors.ts. */
export const TEMPORARY_SERVER_CODES: ReadonlySet<number> = new Set([10, 11]);
export const UNAUTHORIZED = 5;

export class ChatError extends Error {
  readonly code: ChatErrorCode;
  readonly temporary: boolean;
  /** For a send given up on: the id it was sent with, to send it again with the same id. */
  readonly clientMessageId: string | undefined;

  constructor(code: ChatErrorCode, message: string, clientMessageId?: string) {
    super(message);
    this.name = 'ChatError';
    this.code = code;
    this.temporary = typeof code === 'number' ? TEMPORARY_SERVER_CODES.has(code) : code !== 'closed';
    this.clientMessageId = clientMessageId;
  }
}
