/**
 * The checks every frame passes before its payload, in the order docs/protocol.md
 * reports faults: 1 (frame), 3 (type), 4 (session); the session then applies
 * 10 (rate) and 5 (credentials) before the payload's struct gives 2.
 */
import { create, StructError } from 'superstruct';
import { ErrorCode, invalid, ProtocolError } from './errors.js';
import { payloadShortcuts } from './payload-shortcuts.js';
import { isRequestType, type RequestOf, type RequestType, requestStructs, UUID_PATTERN } from './requests.js';

export type RawEnvelope = Record<string, unknown>;

/** The longest `id` echoed back. */
export const MAX_ID_LENGTH = 64;

/** The parsed frame, or error 1. */
export function parseFrame(text: string): RawEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError(ErrorCode.MalformedFrame, 'not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(ErrorCode.MalformedFrame, 'not a JSON object');
  }
  return value as RawEnvelope;
}

/** The `id` to echo: only a valid one is ever echoed. */
export function echoableId(raw: RawEnvelope): string | undefined {
  const id = raw.id;
  return typeof id === 'string' && id.length <= MAX_ID_LENGTH ? id : undefined;
}

/** The request's type, after errors 3 and 4. */
export function checkRouting(raw: RawEnvelope, sessionUUID: string): RequestType {
  const type = raw.type;
  if (!isRequestType(type)) {
    throw new ProtocolError(ErrorCode.UnknownType, typeof type === 'string' ? undefined : 'type is missing');
  }
  if (raw.SUUID !== sessionUUID) {
    throw new ProtocolError(ErrorCode.SessionMismatch);
  }
  return type;
}

/** What an authenticated request presents: who, and the access key that proves it. */
export interface PresentedKey {
  userUUID: string;
  accessKey: string;
}

/** The credentials an authenticated request carries, or error 5. */
export function readPresentedKey(raw: RawEnvelope): PresentedKey {
  const { userUUID, userAccessKey } = raw;
  if (typeof userUUID !== 'string' || typeof userAccessKey !== 'string') {
    throw new ProtocolError(ErrorCode.Unauthorized);
  }
  const canonical = userUUID.toLowerCase();
  if (!UUID_PATTERN.test(canonical)) throw new ProtocolError(ErrorCode.Unauthorized);
  return { userUUID: canonical, accessKey: userAccessKey };
}

/** The payload, validated and coerced by its type's struct (or its shortcut), or error 2. */
export function readPayload<T extends RequestType>(type: T, raw: RawEnvelope): RequestOf<T> {
  if (raw.id != null && echoableId(raw) === undefined) {
    throw invalid(`id must be a string of at most ${MAX_ID_LENGTH} characters`);
  }
  const shortcut = payloadShortcuts[type] as ((raw: RawEnvelope) => RequestOf<T> | undefined) | undefined;
  const taken = shortcut?.(raw);
  if (taken !== undefined) return taken;
  try {
    return create(raw, requestStructs[type] as never) as RequestOf<T>;
  } catch (error) {
    // Anything else thrown while validating is still the request's fault.
    throw invalid(error instanceof StructError ? describeFailure(error) : 'request is not valid');
  }
}

/**
 * A failure in words that never quote the value: the value may be a
 * password, and superstruct's default text includes it.
 */
function describeFailure(failure: StructError): string {
  // The error is its first failure; failures() would format the others, which can throw.
  const where = failure.path.length > 0 ? failure.path.join('.') : (failure.key ?? 'request');
  if (failure.refinement !== undefined) {
    // Our refinements word their own message; superstruct's (min, max) quote the value.
    const message = failure.message.replace(/^At path: \S* -- /, '');
    return message.startsWith('Expected') ? `${where}: out of range` : message;
  }
  return failure.value === undefined ? `${where} is required` : `${where}: expected ${failure.type}`;
}
