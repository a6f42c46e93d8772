/** channelSeen: moves the caller's read marker in a channel, and tells the other participant. */
import { channelSeenFrame } from '../protocol/responses.js';
import type { Handler } from './context.js';
import { channelWith } from './recipient.js';

export const handleChannelSeen: Handler<'channelSeen'> = async (ctx, request) => {
  const { recipientUUID, seq } = request.channelSeen;
  const channelId = await channelWith(ctx, recipientUUID);
  const marker = await ctx.services.channelActors.get(channelId).markSeen(ctx.caller.userUUID, recipientUUID, seq);
  return channelSeenFrame(recipientUUID, marker, ctx.id);
};
