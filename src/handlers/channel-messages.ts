/** channelMessages: a page of history, newest first, answered as `channelRead`. */
import { channelReadFrame } from '../protocol/responses.js';
import type { Handler } from './context.js';
import { channelWith } from './recipient.js';

export const handleChannelMessages: Handler<'channelMessages'> = async (ctx, request) => {
  const { recipientUUID, offset, limit } = request.channelMessages;
  const channelId = await channelWith(ctx, recipientUUID);
  const page = await ctx.services.pool.historyPage(channelId, offset, limit, 'createdAt');
  return channelReadFrame(page.total, page.received, page.messagesJson, ctx.id);
};
