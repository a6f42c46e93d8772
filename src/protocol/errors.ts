/**
 * The wire error codes of PROTOCOL.md, one table. Programs switch on `code`;
 * `message` is for people. The numbers are part of the contract: never reuse
 * or renumber one.
 */
export enum ErrorCode {
  /** Not JSON, not an object, or a binary frame. */
  MalformedFrame = 1,
  /** A field missing, of the wrong type or out of range. */
  InvalidRequest = 2,
  /** `type` is missing or not one the server knows. */
  UnknownType = 3,
  /** `SUUID` is missing or is not this connection's session UUID. */
  SessionMismatch = 4,
  /** Missing, unknown, expired, revoked or mismatched `userUUID`/`userAccessKey`. */
  Unauthorized = 5,
  /** Wrong password for an existing user. */
  WrongPassword = 6,
  /** signUp with a username that exists (case-insensitively). */
  UsernameTaken = 7,
  /** `recipientUUID` names no user. */
  RecipientNotFound = 8,
  /** The request is understood but not allowed (leaving the public channel). */
  Forbidden = 9,
  /** Too many requests; retry later. */
  RateLimited = 10,
  /** The server cannot reach its store; nothing was done. */
  Unavailable = 11,
}

/**
 * The one error type a handler throws to answer a request with a wire error.
 * `temporary` tells whether retrying the same request later may succeed
 * (centrifuge's habit); it is not sent on the wire.
 */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  readonly temporary: boolean;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.temporary = code === ErrorCode.RateLimited || code === ErrorCode.Unavailable;
  }
}

/** Shorthands for the errors raised in many places. */
export const invalid = (message: string): ProtocolError => new ProtocolError(ErrorCode.InvalidRequest, message);

export const unavailable = (): ProtocolError =>
  new ProtocolError(ErrorCode.Unavailable, 'server temporarily unavailable; nothing was stored');
