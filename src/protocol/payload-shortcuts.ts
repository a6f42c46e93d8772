/**
 * Shortcuts past superstruct for the requests a busy server handles most:
 * channelMessage (every message sent) and channelMessages (every history
 * page). A shortcut takes only a payload that is plainly valid and builds
 * exactly what `create` with the request's struct builds: a shallow copy of
 * the envelope with the payload copied and coerced. Anything else —
 * anything invalid, so every error and its wording — is left to the struct:
 * requests.ts stays the one definition of a valid request, and
 * payload-shortcuts.property.test.ts holds each shortcut to it.
 *
 * Why: superstruct walks a request with generators, which cost a
 * channelMessage ~10 µs of main thread in a hot loop and ~43 µs on a server
 * that wakes once per message (`--cpu-prof` of the bench's `permessage`).
 */
import {
  PAGE_LIMIT_DEFAULT,
  PAGE_LIMIT_MAX,
  PUBLIC_RECIPIENT,
  type RequestOf,
  type RequestType,
  UUID_PATTERN,
} from './requests.js';
import { checkClientMessageId, checkMessageText } from './text-rules.js';

/** A parsed frame, or its payload (envelope.ts's RawEnvelope). */
type Payload = Record<string, unknown>;
type Shortcut<T extends RequestType> = (raw: Payload) => RequestOf<T> | undefined;

/** What superstruct's `type()` accepts: an object that is not an array. */
const isPayload = (value: unknown): value is Payload =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The Recipient struct's canonical form of a valid recipient; undefined for anything else. */
function canonicalRecipient(value: unknown): string | undefined {
  if (value === 0) return PUBLIC_RECIPIENT;
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === PUBLIC_RECIPIENT || UUID_PATTERN.test(lower) ? lower : undefined;
}

/** An integer from `least` to Number.MAX_SAFE_INTEGER, as position() and Offset take it. */
const isPosition = (value: unknown, least: number): value is number =>
  Number.isInteger(value) && (value as number) >= least && (value as number) <= Number.MAX_SAFE_INTEGER;

const channelMessage: Shortcut<'channelMessage'> = (raw) => {
  const payload = raw.channelMessage;
  if (!isPayload(payload)) return undefined;
  const recipientUUID = canonicalRecipient(payload.recipientUUID);
  const { message, clientMessageId } = payload;
  if (recipientUUID === undefined || typeof message !== 'string' || checkMessageText(message) !== true) {
    return undefined;
  }
  if (
    clientMessageId != null &&
    (typeof clientMessageId !== 'string' || checkClientMessageId(clientMessageId) !== true)
  ) {
    return undefined;
  }
  const coerced: Payload = { ...payload, recipientUUID };
  if (clientMessageId === null) coerced.clientMessageId = undefined; // null means absent
  return { ...raw, channelMessage: coerced } as RequestOf<'channelMessage'>;
};

const channelMessages: Shortcut<'channelMessages'> = (raw) => {
  const payload = raw.channelMessages;
  if (!isPayload(payload)) return undefined;
  const recipientUUID = canonicalRecipient(payload.recipientUUID);
  const offset = payload.offset ?? 0;
  const limit = payload.limit ?? PAGE_LIMIT_DEFAULT;
  const { before, after } = payload;
  if (
    recipientUUID === undefined ||
    !isPosition(offset, 0) ||
    !isPosition(limit, 1) ||
    limit > PAGE_LIMIT_MAX ||
    (before != null && !isPosition(before, 1)) ||
    (after != null && !isPosition(after, 0)) ||
    Number(before != null) + Number(after != null) + Number(offset !== 0) > 1
  ) {
    return undefined;
  }
  const coerced: Payload = { ...payload, recipientUUID, offset, limit };
  if (before === null) coerced.before = undefined;
  if (after === null) coerced.after = undefined;
  return { ...raw, channelMessages: coerced } as RequestOf<'channelMessages'>;
};

/** The request types that have a shortcut. */
export const payloadShortcuts: { readonly [T in RequestType]?: Shortcut<T> } = { channelMessage, channelMessages };
