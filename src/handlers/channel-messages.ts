/** channelMessages: a page of history, newest first, answered as `channelRead`. */
import { channelReadFrame, jsonArray } from '../protocol/responses.js';
import type { Handler } from './context.js';
import { channelWith } from './recipient.js';

export const handleChannelMessages: Handler<'channelMessages'> = async (ctx, request) => {
  const { recipientUUID, offset, limit, before, after } = request.channelMessages;
  const channelId = await channelWith(ctx, recipientUUID);
  const position = before !== undefined ? { before } : after !== undefined ? { after } : { offset };
  const page = await ctx.services.pool.historyPage({ channelId, position, limit, timeKey: 'createdAt' });
  return channelReadFrame(page.total, page.items.length, jsonArray(page.items), ctx.id);
};
