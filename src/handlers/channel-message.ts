/** channelMessage: stores a message and pushes it to every other joined connection. */
import { channelMessageFrame } from '../protocol/responses.js';
import type { Handler } from './context.js';
import { channelWith } from './recipient.js';

export const handleChannelMessage: Handler<'channelMessage'> = async (ctx, request) => {
  const { recipientUUID, message } = request.channelMessage;
  const channelId = await channelWith(ctx, recipientUUID);
  const channel = ctx.services.channelActors.get(channelId);
  const sent = await channel.send(ctx.caller.userUUID, recipientUUID, message, ctx.connection.sessionUUID);
  if (ctx.connection.joined.has(channelId)) await channel.waitUntilPushed(sent.entryId);
  return channelMessageFrame(sent.objectJson, ctx.id);
};
