/** channels: one page of the caller's conversation list, with unread counts. */
import { type ChannelEntry, channelsFrame, messageJson } from '../protocol/responses.js';
import type { Handler } from './context.js';

export const handleChannels: Handler<'channels'> = async (ctx, request) => {
  const { offset, limit } = request.channels;
  const { userUUID } = ctx.caller;
  const page = await ctx.services.conversations.page(userUUID, offset, limit);
  const others = page.channels.map((c) => c.recipientUUID).filter((recipient) => recipient !== '0');
  const names = new Map((await ctx.services.directory.names(others)).map((user) => [user.UUID, user.username]));
  const entries: ChannelEntry[] = page.channels.map((c) => ({
    recipientUUID: c.recipientUUID,
    username: c.recipientUUID === '0' ? null : (names.get(c.recipientUUID) ?? null),
    messagesTotal: c.messagesTotal,
    lastMessageJson: c.lastMessage === null ? null : messageJson(c.lastMessage, 'createdAt'),
    seenSeq: c.seenSeq,
  }));
  return channelsFrame(page.total, entries, ctx.id);
};
