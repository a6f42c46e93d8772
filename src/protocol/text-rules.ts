/**
 * The contract's rules for user-supplied text, as pure functions: usernames,
 * passwords and message bodies. Each check returns an error message, or
 * `true` when the value is acceptable (superstruct's refinement convention).
 */

/** Longest username, in Unicode code points after trimming. */
export const USERNAME_MAX_CODE_POINTS = 32;
/** bcrypt reads at most 72 bytes; a longer password would be silently cut. */
export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 72;
export const MESSAGE_MAX_CODE_POINTS = 4096;
export const CLIENT_MESSAGE_ID_MAX_CODE_POINTS = 64;

const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;

/** Code points in `s`, stopping early once past `limit` (no array is built). */
export function countCodePoints(s: string, limit = Infinity): number {
  let n = 0;
  for (let i = 0; i < s.length && n <= limit; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

/** The spelling that is stored and displayed. */
export const displayUsername = (raw: string): string => raw.trim();

/** The key that makes usernames unique case-insensitively. */
export const normalizeUsername = (raw: string): string => raw.trim().normalize('NFKC').toLowerCase();

export function checkUsername(raw: string): true | string {
  if (!raw.isWellFormed()) return 'username is not valid Unicode';
  const name = raw.trim();
  const length = countCodePoints(name, USERNAME_MAX_CODE_POINTS);
  if (length < 1 || length > USERNAME_MAX_CODE_POINTS) {
    return `username must be 1-${USERNAME_MAX_CODE_POINTS} characters after trimming`;
  }
  if (CONTROL_OR_FORMAT.test(name)) return 'username must not contain control or format characters';
  return true;
}

export function checkPassword(raw: string): true | string {
  if (!raw.isWellFormed()) return 'password is not valid Unicode';
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes < PASSWORD_MIN_BYTES || bytes > PASSWORD_MAX_BYTES) {
    return `password must be ${PASSWORD_MIN_BYTES}-${PASSWORD_MAX_BYTES} bytes of UTF-8`;
  }
  return true;
}

export function checkMessageText(raw: string): true | string {
  if (!raw.isWellFormed()) return 'message is not valid Unicode';
  const length = countCodePoints(raw, MESSAGE_MAX_CODE_POINTS);
  if (length < 1 || length > MESSAGE_MAX_CODE_POINTS) {
    return `message must be 1-${MESSAGE_MAX_CODE_POINTS} characters`;
  }
  if (raw.trim().length === 0) return 'message must not be only white space';
  return true;
}

export function checkClientMessageId(raw: string): true | string {
  if (!raw.isWellFormed()) return 'clientMessageId is not valid Unicode';
  const length = countCodePoints(raw, CLIENT_MESSAGE_ID_MAX_CODE_POINTS);
  if (length < 1 || length > CLIENT_MESSAGE_ID_MAX_CODE_POINTS) {
    return `clientMessageId must be 1-${CLIENT_MESSAGE_ID_MAX_CODE_POINTS} characters`;
  }
  return true;
}
