/**
 * Every frame the server sends, built here and nowhere else: the wire names
 * (`authorized`, `channelRead`, `created_at` …) live in this file only.
 * Builders return the frame's text, ready for `ws.send`.
 */
import type { ErrorCode } from './errors.js';
import { PUBLIC_RECIPIENT } from './requests.js';
import type { ChannelUser, UserEntry } from './wire.js';

export type { ChannelUser, UserEntry };

/** A chat message before it is stored (recipient `'0'` = public). */
export interface NewMessage {
  UUID: string;
  senderUUID: string;
  recipientUUID: string;
  message: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** A stored chat message: with its seq, its position in its channel's history (1 = oldest). */
export interface ChatMessage extends NewMessage {
  seq: number;
}

/**
 * channelJoin lists messages with `created_at`; channelMessage and
 * channelMessages use `createdAt` (the seed's spelling, kept to the letter).
 */
export type TimeKey = 'createdAt' | 'created_at';

/** The public channel is written as the number 0, a user as a UUID string. */
const recipientJson = (recipient: string): string => (recipient === PUBLIC_RECIPIENT ? '0' : `"${recipient}"`);

/**
 * A message object's JSON up to its seq — `{"UUID":…,"createdAt":"…","seq":` —
 * built by hand: this is the hot path of fan-out and history. The seq and
 * the closing brace follow; a send's seq is known only once it is stored.
 */
export function messageHead(m: NewMessage, timeKey: TimeKey): string {
  return (
    `{"UUID":"${m.UUID}","senderUUID":"${m.senderUUID}","recipientUUID":${recipientJson(m.recipientUUID)},` +
    `"message":${JSON.stringify(m.message)},"${timeKey}":"${new Date(m.createdAt).toISOString()}","seq":`
  );
}

/**
 * A frame's text in pieces, written one after another. A large part that
 * many frames share (the public channel's users list) stays one UTF-8
 * Buffer, copied into each frame instead of encoded again for each.
 */
export type TextPieces = readonly (string | Buffer)[];

/** A JSON array of objects already serialized. */
export const jsonArray = (items: readonly string[]): string => `[${items.join(',')}]`;

/** One stored message object as JSON. */
export const messageJson = (m: ChatMessage, timeKey: TimeKey): string => `${messageHead(m, timeKey)}${m.seq}}`;

/** The sender's copy of a stored message: the object, with the clientMessageId it was sent with, if any. */
export const sentMessageJson = (head: string, seq: number, clientMessageId: string | undefined): string =>
  clientMessageId === undefined
    ? `${head}${seq}}`
    : `${head}${seq},"clientMessageId":${JSON.stringify(clientMessageId)}}`;

/**
 * A message as message-send.lua stores and pushes it, in pieces around its
 * seq (known only once it is stored): history keeps the object
 * `head seq tail`, and every node gets the push `pushBefore object
 * pushAfter` — joined once, in Redis.
 */
export interface MessagePieces {
  head: string;
  tail: string;
  pushBefore: string;
  pushAfter: string;
}

export const messagePieces = (head: string): MessagePieces => ({
  head,
  tail: '}',
  pushBefore: '{"type":"channelMessage","channelMessage":',
  pushAfter: '}',
});

/**
 * A stored message object (with `createdAt`) under `timeKey`. The key is
 * the object's only `"createdAt":"`: inside a JSON string every quote is
 * escaped, so no text can hold one.
 */
export const withTimeKey = (objectJson: string, timeKey: TimeKey): string =>
  timeKey === 'createdAt' ? objectJson : objectJson.replace('"createdAt":"', `"${timeKey}":"`);

const idSuffix = (id: string | undefined): string => (id === undefined ? '' : `,"id":${JSON.stringify(id)}`);

/** `{"type":T,"<key>":<payloadJson>,"id":…}` from an already serialized payload. */
function frame(type: string, key: string, payloadJson: string, id: string | undefined): string {
  return `{"type":"${type}","${key}":${payloadJson}${idSuffix(id)}}`;
}

export const readyFrame = (sessionUUID: string): string =>
  frame('ready', 'ready', JSON.stringify({ sessionUUID }), undefined);

export const errorFrame = (code: ErrorCode, message: string, id: string | undefined): string =>
  frame('error', 'error', JSON.stringify({ code, message }), id);

export const authorizedFrame = (userUUID: string, accessKey: string, id: string | undefined): string =>
  frame('authorized', 'authorized', JSON.stringify({ userUUID, accessKey }), id);

export const unauthorizedFrame = (userUUID: string, id: string | undefined): string =>
  frame('unauthorized', 'unauthorized', JSON.stringify({ userUUID }), id);

export const usersFrame = (total: number, users: UserEntry[], id: string | undefined): string =>
  frame('users', 'users', JSON.stringify({ total, received: users.length, users }), id);

/**
 * `messagesJson` is a JSON array of messageJson(…, 'created_at') items, newest
 * first; `usersJson` a JSON array of ChannelUser, whole or in pieces. Both
 * arrive serialized: the joins on a node share them (actors/join-view.ts,
 * actors/member-list.ts). `recovered` is written only for a join that
 * asked with `since`. The frame is in pieces when the users list is.
 */
export function channelJoinFrame(
  messagesJson: string,
  usersJson: string,
  recovered: boolean | undefined,
  id: string | undefined,
): string;
export function channelJoinFrame(
  messagesJson: string,
  usersJson: string | TextPieces,
  recovered: boolean | undefined,
  id: string | undefined,
): string | TextPieces;
export function channelJoinFrame(
  messagesJson: string,
  usersJson: string | TextPieces,
  recovered: boolean | undefined,
  id: string | undefined,
): string | TextPieces {
  // The frame's layout, written once for both forms: frame()'s, around a payload in pieces.
  const start = `{"type":"channelJoin","channelJoin":{"messages":${messagesJson},"users":`;
  const end = `${recovered === undefined ? '' : `,"recovered":${recovered}`}}${idSuffix(id)}}`;
  return typeof usersJson === 'string' ? `${start}${usersJson}${end}` : [start, ...usersJson, end];
}

/** The sender's response: the same object every other joined connection gets pushed. */
export const channelMessageFrame = (messageObjectJson: string, id: string | undefined): string =>
  frame('channelMessage', 'channelMessage', messageObjectJson, id);

/** channelMessages is answered as `channelRead`, its payload under `channelMessages`. */
export const channelReadFrame = (
  total: number,
  received: number,
  messagesJson: string,
  id: string | undefined,
): string =>
  frame(
    'channelRead',
    'channelMessages',
    `{"messagesTotal":${total},"messagesReceived":${received},"messages":${messagesJson}}`,
    id,
  );

export const channelLeaveFrame = (recipient: string, id: string | undefined): string =>
  frame('channelLeave', 'channelLeave', `{"recipientUUID":${recipientJson(recipient)}}`, id);

/** One entry of a `channels` page: the public channel (recipientUUID '0', no username) or a private one. */
export interface ChannelEntry {
  /** '0', or the other participant (the caller, for their notes). */
  recipientUUID: string;
  username: string | null;
  messagesTotal: number;
  /** The newest message as JSON (messageJson with createdAt), or null when there is none. */
  lastMessageJson: string | null;
  seenSeq: number;
}

const channelEntryJson = (c: ChannelEntry): string =>
  `{"recipientUUID":${recipientJson(c.recipientUUID)},"username":${JSON.stringify(c.username)},` +
  `"messagesTotal":${c.messagesTotal},"lastMessage":${c.lastMessageJson ?? 'null'},` +
  `"seenSeq":${c.seenSeq},"unread":${c.messagesTotal - c.seenSeq}}`;

export const channelsFrame = (total: number, entries: ChannelEntry[], id: string | undefined): string =>
  frame(
    'channels',
    'channels',
    `{"total":${total},"received":${entries.length},"channels":${jsonArray(entries.map(channelEntryJson))}}`,
    id,
  );

/** The reader's response: their marker in the channel, as it is now. */
export const channelSeenFrame = (recipient: string, seq: number, id: string | undefined): string =>
  frame('channelSeen', 'channelSeen', `{"recipientUUID":${recipientJson(recipient)},"seq":${seq}}`, id);

/**
 * The receipt pushed to the other participant, in two halves around the
 * reader's marker: channel-seen.lua joins them once it knows whether, and
 * where, the marker moved. `recipient` is the channel as the reader names it.
 */
export const channelSeenPushHalves = (readerUUID: string, recipient: string): [before: string, after: string] => [
  `{"type":"channelSeen","channelSeen":{"userUUID":"${readerUUID}","recipientUUID":${recipientJson(recipient)},"seq":`,
  '}}',
];

export const typingFrame = (recipient: string, id: string | undefined): string =>
  frame('typing', 'typing', `{"recipientUUID":${recipientJson(recipient)}}`, id);

/** The push to the channel's other joined connections; `recipient` is the channel as the typist names it. */
export const typingPush = (typistUUID: string, recipient: string, typing: boolean): string =>
  `{"type":"typing","typing":{"userUUID":"${typistUUID}","recipientUUID":${recipientJson(recipient)},"typing":${typing}}}`;

/** A new message in a private channel, pushed to its recipient's watching connections wherever they are. */
export const inboxPush = (messageObjectJson: string, unread: number): string =>
  `{"type":"inbox","inbox":{"message":${messageObjectJson},"unread":${unread}}}`;

export const watchFrame = (events: readonly string[], id: string | undefined): string =>
  frame('watch', 'watch', `{"events":${JSON.stringify(events)}}`, id);
