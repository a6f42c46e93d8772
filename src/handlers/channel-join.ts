/**
 * channelJoin: subscribes this connection to the channel and answers with
 * its latest messages (or those after `since`) and its users; error 10
 * past MAX_CHANNELS_PER_CONNECTION channels on one connection. The
 * subscription's pushes are released only after the response is sent (see
 * actors/subscription.ts).
 */
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { channelJoinFrame } from '../protocol/responses.js';
import type { Handler } from './context.js';
import { channelWith } from './recipient.js';

export const handleChannelJoin: Handler<'channelJoin'> = async (ctx, request) => {
  const { recipientUUID, since } = request.channelJoin;
  const channelId = await channelWith(ctx, recipientUUID);
  const { maxChannelsPerConnection } = ctx.services.config;
  if (ctx.connection.joined.size >= maxChannelsPerConnection && !ctx.connection.joined.has(channelId)) {
    throw new ProtocolError(ErrorCode.RateLimited, `at most ${maxChannelsPerConnection} channels per connection`);
  }
  const joined = await ctx.services.channelActors.get(channelId).join(ctx.connection, since);
  ctx.connection.joined.add(channelId);
  return {
    frame: channelJoinFrame(joined.messagesJson, joined.usersJson, joined.recovered, ctx.id),
    afterSend: () => joined.subscription.activate(),
  };
};
