/**
 * wschat/client: the SDK for browsers and Node. See client/README.md.
 */
export type {
  ChannelsPage,
  ChannelUser,
  UserEntry,
  UsersPage,
  WireChannelEntry as ChannelEntry,
} from '../src/protocol/wire.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export {
  Channel,
  type ChannelEvents,
  type HistoryOptions,
  type HistoryPage,
  type SeenEvent,
  type TypingEvent,
} from './channel.js';
export {
  ChatClient,
  type ChatClientOptions,
  type ClientEvents,
  type ClientState,
  type InboxMessage,
  type JoinOptions,
} from './chat-client.js';
export { ChatError, type ChatErrorCode, type ClientErrorCode } from './chat-error.js';
export type { Credentials } from './connection.js';
export type { Message } from './message.js';
export type { WebSocketConstructor, WebSocketLike } from './socket.js';
