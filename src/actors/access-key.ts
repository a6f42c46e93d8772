/**
 * Access keys: `<keyId>.<secret>`, both random. Only sha256(secret) is
 * stored (a fast hash is enough: the secret has 256 bits of entropy, so it
 * cannot be guessed from its hash); the keyId finds the record, and the
 * digests are compared in constant time.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_ID_BYTES = 12;
const SECRET_BYTES = 32;
const ACCESS_KEY_PATTERN = /^([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/;

export interface AccessKey {
  keyId: string;
  secret: string;
}

export function newAccessKey(): AccessKey {
  return {
    keyId: randomBytes(KEY_ID_BYTES).toString('base64url'),
    secret: randomBytes(SECRET_BYTES).toString('base64url'),
  };
}

export const formatAccessKey = (key: AccessKey): string => `${key.keyId}.${key.secret}`;

/** The parts of a well-formed key, or null. Both are slices of `text` (regex captures). */
export function parseAccessKey(text: string): AccessKey | null {
  const match = ACCESS_KEY_PATTERN.exec(text);
  return match ? { keyId: match[1]!, secret: match[2]! } : null;
}

/** One-shot `hash` (Node ≥ 20.12): no Hash object per request, which every authenticated request paid for. */
export const digestSecret = (secret: string): Buffer => hash('sha256', secret, 'buffer');

export const sameDigest = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);
