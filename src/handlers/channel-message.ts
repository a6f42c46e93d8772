/** channelMessage: stores a message and pushes it to every other joined connection. */
import { channelMessageFrame } from '../protocol/responses.js';
import type { Handler } from './context.js';
import { channelWith } from './recipient.js';

export const handleChannelMessage: Handler<'channelMessage'> = async (ctx, request) => {
  const { recipientUUID, message } = request.channelMessage;
  const channelId = await channelWith(ctx, recipientUUID);
  const stored = await ctx.services.channels
    .get(channelId)
    .send(ctx.caller.userUUID, recipientUUID, message, ctx.connection.sessionUUID);
  return channelMessageFrame(stored, ctx.id);
};
