/** The message object the SDK hands out: the wire's, with one spelling of its time. */
import type { WireJoinMessage, WireMessage, WireRecipient } from '../src/protocol/wire.js';

export type Message = WireMessage;

/** channelJoin lists `created_at`; everything else `createdAt`. The SDK always gives `createdAt`. */
export function fromJoin(m: WireJoinMessage): Message {
  return {
    UUID: m.UUID,
    senderUUID: m.senderUUID,
    recipientUUID: m.recipientUUID,
    message: m.message,
    createdAt: m.created_at,
    seq: m.seq,
  };
}

/** A stored message without fields it does not define (the response's clientMessageId). */
export function fromWire(m: WireMessage): Message {
  return {
    UUID: m.UUID,
    senderUUID: m.senderUUID,
    recipientUUID: m.recipientUUID,
    message: m.message,
    createdAt: m.createdAt,
    seq: m.seq,
  };
}

/** The SDK's key for a channel: '0', or the other participant's UUID in lower case. */
export const channelKey = (recipient: WireRecipient): string =>
  recipient === 0 || recipient === '0' ? '0' : recipient.toLowerCase();

/**
 * The channel a message belongs to, seen from `me`: public, or the private
 * channel named by its other participant (oneself for one's notes).
 */
export const channelOfMessage = (m: WireMessage, me: string): string =>
  m.recipientUUID === 0 ? '0' : m.senderUUID === me ? channelKey(m.recipientUUID) : m.senderUUID;

/** The wire's name of a channel: the number 0 for the public one. */
export const wireRecipient = (key: string): WireRecipient => (key === '0' ? 0 : key);
