/** channelLeave: stops the channel's pushes to this connection; the public channel can not be left. */
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { PUBLIC_RECIPIENT } from '../protocol/requests.js';
import { channelLeaveFrame } from '../protocol/responses.js';
import type { Handler } from './context.js';
import { channelWith } from './recipient.js';

export const handleChannelLeave: Handler<'channelLeave'> = async (ctx, request) => {
  const { recipientUUID } = request.channelLeave;
  if (recipientUUID === PUBLIC_RECIPIENT) {
    throw new ProtocolError(ErrorCode.Forbidden, 'the public channel can not be left');
  }
  const channelId = await channelWith(ctx, recipientUUID);
  await ctx.services.channelActors.peek(channelId)?.leave(ctx.connection);
  ctx.connection.joined.delete(channelId);
  return channelLeaveFrame(recipientUUID, ctx.id);
};
