/**
 * channelJoin: subscribes this connection to the channel and answers with
 * its latest messages and users. The subscription's pushes are released
 * only after the response is sent (see actors/subscription.ts).
 */
import { channelJoinFrame } from '../protocol/responses.js';
import type { Handler } from './context.js';
import { channelWith } from './recipient.js';

export const handleChannelJoin: Handler<'channelJoin'> = async (ctx, request) => {
  const channelId = await channelWith(ctx, request.channelJoin.recipientUUID);
  const joined = await ctx.services.channelActors.get(channelId).join(ctx.connection);
  ctx.connection.joined.add(channelId);
  return {
    frame: channelJoinFrame(joined.messagesJson, joined.usersJson, ctx.id),
    afterSend: () => joined.subscription.activate(),
  };
};
