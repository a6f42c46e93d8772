/**
 * One superstruct struct per request type: the single source of what a valid
 * request is. Handlers receive the struct's inferred type, already coerced
 * (defaults filled, `null` turned into absent, recipients canonical).
 *
 * Only the payload is described here; `type`, `SUUID`, `id` and the
 * access key are checked earlier, in envelope.ts, in the order docs/protocol.md
 * gives for reporting faults.
 */
import {
  array,
  boolean,
  coerce,
  enums,
  type Infer,
  integer,
  max,
  min,
  optional,
  refine,
  Struct,
  string,
  type,
  unknown,
} from 'superstruct';
import { checkClientMessageId, checkMessageText, checkPassword, checkUsername } from './text-rules.js';

/** The public channel's recipient, as the server holds it internally. */
export const PUBLIC_RECIPIENT = '0';

/** RFC 9562 text form, any version; compared lower-cased. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * superstruct's `coerce` with a plain predicate for its condition: that one
 * tests its condition with `is()`, which builds a StructError — a stack
 * trace — every time the condition does not hold, on nearly every field of
 * every valid request (a measured 48 µs of a channelMessage's validation).
 */
function coerceWhen<T, S>(
  struct: Struct<T, S>,
  when: (value: unknown) => boolean,
  coercer: (value: never) => unknown,
): Struct<T, S> {
  return new Struct({
    ...struct,
    coercer: (value, ctx) => struct.coercer(when(value) ? coercer(value as never) : value, ctx),
  });
}

const isNull = (value: unknown): boolean => value === null;
const isNumberOrString = (value: unknown): boolean => typeof value === 'number' || typeof value === 'string';
const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null;

/** `null` for an optional field means absent (docs/protocol.md). */
function optionalField<T, S>(struct: Struct<T, S>) {
  return coerceWhen(optional(struct), isNull, () => undefined);
}

/** An optional field whose absence (or `null`) means `fallback`. */
function withDefault<T, S>(struct: Struct<T, S>, fallback: T) {
  return coerce(struct, unknown(), (value) => value ?? fallback);
}

/** `0`, `"0"` or a user's UUID; canonical form: `'0'` or a lower-case UUID. */
export const Recipient = coerceWhen(
  refine(
    string(),
    'recipientUUID',
    (value) => value === PUBLIC_RECIPIENT || UUID_PATTERN.test(value) || 'must be 0 or a UUID string',
  ),
  isNumberOrString,
  (value: number | string) =>
    typeof value === 'number' ? (value === 0 ? PUBLIC_RECIPIENT : String(value)) : value.toLowerCase(),
);

const Username = refine(string(), 'username', checkUsername);
const Password = refine(string(), 'password', checkPassword);
const MessageText = refine(string(), 'message', checkMessageText);
const ClientMessageId = refine(string(), 'clientMessageId', checkClientMessageId);

/** A username and password: what signIn and signUp carry. */
const Login = type({ username: Username, password: Password });

const Offset = min(integer(), 0);
/** A message's seq, or a cursor on seqs: a safe integer from `least` up. */
const position = (least: number) => max(min(integer(), least), Number.MAX_SAFE_INTEGER);
const pageLimit = (largest: number, fallback: number) => withDefault(max(min(integer(), 1), largest), fallback);

/** When both are present `signId` is used, so `signIn` is dropped before it is validated. */
const ignoreSignInBesideSignId = (value: unknown): unknown => {
  const payload = value as Record<string, unknown>;
  return payload.signId != null ? { ...payload, signIn: undefined } : payload;
};

export const SignInRequest = coerceWhen(
  refine(
    type({ signId: optionalField(Login), signIn: optionalField(Login) }),
    'signId',
    (value) => value.signId !== undefined || value.signIn !== undefined || 'signId is required',
  ),
  isObject,
  ignoreSignInBesideSignId,
);

export const SignUpRequest = type({ signUp: Login });

export const SignOutRequest = type({});

export const UsersRequest = type({
  users: withDefault(type({ offset: withDefault(Offset, 0), limit: pageLimit(1000, 100) }), {
    offset: 0,
    limit: 100,
  }),
});

export const ChannelJoinRequest = type({
  channelJoin: type({ recipientUUID: Recipient, since: optionalField(position(0)) }),
});

export const ChannelMessageRequest = type({
  channelMessage: type({
    recipientUUID: Recipient,
    message: MessageText,
    clientMessageId: optionalField(ClientMessageId),
  }),
});

/** A history page's largest `limit`, and the one taken when it is absent. */
export const PAGE_LIMIT_MAX = 99;
export const PAGE_LIMIT_DEFAULT = 10;

export const ChannelMessagesRequest = type({
  channelMessages: refine(
    type({
      recipientUUID: Recipient,
      offset: withDefault(Offset, 0),
      limit: pageLimit(PAGE_LIMIT_MAX, PAGE_LIMIT_DEFAULT),
      before: optionalField(position(1)),
      after: optionalField(position(0)),
    }),
    'channelMessages',
    (page) =>
      [page.before !== undefined, page.after !== undefined, page.offset !== 0].filter(Boolean).length <= 1 ||
      'at most one of before, after and a non-zero offset',
  ),
});

export const ChannelLeaveRequest = type({ channelLeave: type({ recipientUUID: Recipient }) });

export const ChannelsRequest = type({
  channels: withDefault(type({ offset: withDefault(Offset, 0), limit: pageLimit(100, 50) }), {
    offset: 0,
    limit: 50,
  }),
});

export const ChannelSeenRequest = type({ channelSeen: type({ recipientUUID: Recipient, seq: position(0) }) });

export const TypingRequest = type({ typing: type({ recipientUUID: Recipient, typing: boolean() }) });

/** The pushes a connection can ask for, in the order `watch` lists them. */
export const WATCHABLE_EVENTS = ['typing', 'channelSeen', 'inbox'] as const;
export type WatchableEvent = (typeof WATCHABLE_EVENTS)[number];

export const WatchRequest = type({ watch: type({ events: array(enums(WATCHABLE_EVENTS)) }) });

/** Every request type the server understands, by its wire `type`. */
export const requestStructs = {
  signIn: SignInRequest,
  signUp: SignUpRequest,
  signOut: SignOutRequest,
  users: UsersRequest,
  channelJoin: ChannelJoinRequest,
  channelMessage: ChannelMessageRequest,
  channelMessages: ChannelMessagesRequest,
  channelLeave: ChannelLeaveRequest,
  channels: ChannelsRequest,
  channelSeen: ChannelSeenRequest,
  typing: TypingRequest,
  watch: WatchRequest,
} as const;

export type RequestType = keyof typeof requestStructs;
export type RequestOf<T extends RequestType> = Infer<(typeof requestStructs)[T]>;

/** The request types that need no credentials: they issue them. */
export const UNAUTHENTICATED_TYPES: ReadonlySet<RequestType> = new Set(['signIn', 'signUp']);

export const isRequestType = (value: unknown): value is RequestType =>
  typeof value === 'string' && Object.hasOwn(requestStructs, value);
