/**
 * channelMessage: stores a message and pushes it to every other joined
 * connection; a repeat of a clientMessageId is answered with the message
 * stored the first time. The connection's next send may start as soon as
 * this one's write is sent to Redis (ctx.order): the session answers in order.
 */
import { PUBLIC_RECIPIENT } from '../protocol/requests.js';
import { channelMessageFrame, sentMessageJson } from '../protocol/responses.js';
import type { Handler } from './context.js';
import { afterPrivateSend, beforePrivateSend } from './conversation.js';
import { channelWith } from './recipient.js';

export const handleChannelMessage: Handler<'channelMessage'> = async (ctx, request) => {
  const { recipientUUID, message, clientMessageId } = request.channelMessage;
  const channelId = await channelWith(ctx, recipientUUID);
  const channel = ctx.services.channelActors.get(channelId);
  const isPrivate = recipientUUID !== PUBLIC_RECIPIENT;
  if (isPrivate) await beforePrivateSend(ctx, recipientUUID);
  const sent = await channel.send({
    senderUUID: ctx.caller.userUUID,
    recipientUUID,
    text: message,
    originSession: ctx.connection.sessionUUID,
    clientMessageId,
    signal: ctx.connection.closedSignal,
    order: ctx.order,
  });
  if (isPrivate && !sent.repeated) afterPrivateSend(ctx, recipientUUID, sent);
  if (ctx.connection.joined.has(channelId)) await channel.waitUntilPushed(sent.entryId);
  return channelMessageFrame(sentMessageJson(sent.head, sent.seq, clientMessageId), ctx.id);
};
