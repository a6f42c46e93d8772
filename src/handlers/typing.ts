/** typing: tells the channel's other joined connections that watch it; nothing is stored. */
import { typingFrame } from '../protocol/responses.js';
import type { Handler } from './context.js';
import { channelWith } from './recipient.js';

export const handleTyping: Handler<'typing'> = async (ctx, request) => {
  const { recipientUUID, typing } = request.typing;
  const channelId = await channelWith(ctx, recipientUUID);
  await ctx.services.channelActors.get(channelId).typing(ctx.caller.userUUID, recipientUUID, typing);
  return typingFrame(recipientUUID, ctx.id);
};
