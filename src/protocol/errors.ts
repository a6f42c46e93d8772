/**
 * The wire errors of the contract, in one table: each code's stable number,
 * the message people see, what it means (docs/protocol.md's table, which a
 * test holds to this one) and whether retrying later may succeed. Programs
 * switch on `code`; `message` is for people. Never reuse or renumber a code.
 */
export enum ErrorCode {
  MalformedFrame = 1,
  InvalidRequest = 2,
  UnknownType = 3,
  SessionMismatch = 4,
  Unauthorized = 5,
  WrongPassword = 6,
  UsernameTaken = 7,
  RecipientNotFound = 8,
  Forbidden = 9,
  RateLimited = 10,
  Unavailable = 11,
}

export interface ErrorInfo {
  /** The wire message; a detail, when given, follows it after ': '. */
  message: string;
  /** What the code means, as docs/protocol.md's table says it. */
  meaning: string;
  /** Whether the same request may succeed later: docs/protocol.md's column, for clients deciding to retry. */
  temporary: boolean;
}

export const ERRORS: Readonly<Record<ErrorCode, ErrorInfo>> = {
  [ErrorCode.MalformedFrame]: {
    message: 'malformed frame',
    meaning: 'malformed frame: not JSON, not an object, or a binary frame',
    temporary: false,
  },
  [ErrorCode.InvalidRequest]: {
    message: 'invalid request',
    meaning: 'invalid request: a field missing, of the wrong type or out of range',
    temporary: false,
  },
  [ErrorCode.UnknownType]: {
    message: 'unknown type',
    meaning: 'unknown or missing `type`',
    temporary: false,
  },
  [ErrorCode.SessionMismatch]: {
    message: 'SUUID does not match this session',
    meaning: '`SUUID` missing or not this connection’s session UUID',
    temporary: false,
  },
  [ErrorCode.Unauthorized]: {
    message: 'unauthorized',
    meaning:
      'unauthorized: bad, revoked, expired or missing `userUUID`/`userAccessKey`, or another user’s on a bound connection',
    temporary: false,
  },
  [ErrorCode.WrongPassword]: {
    message: 'wrong password',
    meaning: 'wrong password',
    temporary: false,
  },
  [ErrorCode.UsernameTaken]: {
    message: 'username already taken',
    meaning: 'username already taken',
    temporary: false,
  },
  [ErrorCode.RecipientNotFound]: {
    message: 'recipient user does not exist',
    meaning: 'recipient user does not exist',
    temporary: false,
  },
  [ErrorCode.Forbidden]: {
    message: 'forbidden',
    meaning: 'forbidden: leaving the public channel',
    temporary: false,
  },
  [ErrorCode.RateLimited]: {
    message: 'rate limited; retry later',
    meaning: 'rate limited or server busy — retry later',
    temporary: true,
  },
  [ErrorCode.Unavailable]: {
    message: 'server temporarily unavailable; nothing was stored',
    meaning: 'server temporarily unavailable (Redis unreachable) — nothing was stored',
    temporary: true,
  },
};

/**
 * The one error type thrown anywhere to answer a request with a wire error;
 * the session turns it into the error frame. `detail` says which field or
 * which limit, and never quotes a submitted value (it could be a password).
 */
export class ProtocolError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, detail?: string) {
    const { message } = ERRORS[code];
    super(detail === undefined ? message : `${message}: ${detail}`);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

/** Error 2 with the field it is about. */
export const invalid = (detail: string): ProtocolError => new ProtocolError(ErrorCode.InvalidRequest, detail);
