/**
 * The JSON the server writes, as a client reads it: types only, no code, so
 * the SDK in client/ imports them without importing the server. The
 * builders in responses.ts write exactly these shapes; the names are the
 * wire's, odd ones included (`Username`, `OnLine`, `created_at`).
 */

/** The public channel is the number 0; a private channel is named by a user's UUID. */
export type WireRecipient = 0 | string;

/** A stored message, as in channelMessage responses and pushes, channelRead pages and the objects of protocol 1.1. */
export interface WireMessage {
  UUID: string;
  senderUUID: string;
  recipientUUID: WireRecipient;
  message: string;
  /** ISO 8601. */
  createdAt: string;
  /** Its 1-based position in its channel's history. */
  seq: number;
}

/** channelJoin lists its messages with the seed's `created_at`. */
export type WireJoinMessage = Omit<WireMessage, 'createdAt'> & { created_at: string };

/** The channelMessage response: the stored message, and the clientMessageId it was sent with, if any. */
export type WireSentMessage = WireMessage & { clientMessageId?: string };

export interface UserEntry {
  UUID: string;
  Username: string;
  OnLine: boolean;
}

export interface ChannelUser {
  UUID: string;
  username: string;
}

export interface WireError {
  code: number;
  message: string;
}

export interface Ready {
  sessionUUID: string;
}

export interface Authorized {
  userUUID: string;
  accessKey: string;
}

export interface Unauthorized {
  userUUID: string;
}

export interface UsersPage {
  total: number;
  received: number;
  users: UserEntry[];
}

export interface ChannelJoined {
  /** Newest first. */
  messages: WireJoinMessage[];
  users: ChannelUser[];
  /** Only for a join with `since`. */
  recovered?: boolean;
}

/** The payload of `channelRead`, which the seed keys `channelMessages`. */
export interface ChannelRead {
  messagesTotal: number;
  messagesReceived: number;
  /** Newest first. */
  messages: WireMessage[];
}

export interface ChannelLeft {
  recipientUUID: WireRecipient;
}

export interface WireChannelEntry {
  recipientUUID: WireRecipient;
  username: string | null;
  messagesTotal: number;
  lastMessage: WireMessage | null;
  seenSeq: number;
  unread: number;
}

export interface ChannelsPage {
  total: number;
  received: number;
  channels: WireChannelEntry[];
}

/** The channelSeen response (the caller's marker) and, with `userUUID`, the receipt pushed to the other participant. */
export interface SeenMarker {
  recipientUUID: WireRecipient;
  seq: number;
}

export interface SeenReceipt extends SeenMarker {
  userUUID: string;
}

export interface TypingSignal {
  userUUID: string;
  recipientUUID: WireRecipient;
  typing: boolean;
}

export interface InboxNotice {
  message: WireMessage;
  unread: number;
}

export type WatchEvent = 'typing' | 'channelSeen' | 'inbox';

export interface Watching {
  events: WatchEvent[];
}

/** Each request type, what its payload holds as a client writes it, and the payload of its response. */
export interface Requests {
  signIn: { payload: { username: string; password: string }; response: Authorized };
  signUp: { payload: { username: string; password: string }; response: Authorized };
  signOut: { payload: undefined; response: Unauthorized };
  users: { payload: { offset?: number; limit?: number }; response: UsersPage };
  channelJoin: { payload: { recipientUUID: WireRecipient; since?: number }; response: ChannelJoined };
  channelMessage: {
    payload: { recipientUUID: WireRecipient; message: string; clientMessageId?: string };
    response: WireSentMessage;
  };
  channelMessages: {
    payload: { recipientUUID: WireRecipient; offset?: number; limit?: number; before?: number; after?: number };
    response: ChannelRead;
  };
  channelLeave: { payload: { recipientUUID: WireRecipient }; response: ChannelLeft };
  channels: { payload: { offset?: number; limit?: number }; response: ChannelsPage };
  channelSeen: { payload: { recipientUUID: WireRecipient; seq: number }; response: SeenMarker };
  typing: { payload: { recipientUUID: WireRecipient; typing: boolean }; response: { recipientUUID: WireRecipient } };
  watch: { payload: { events: WatchEvent[] }; response: Watching };
}

export type WireRequestType = keyof Requests;
