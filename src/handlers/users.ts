/** users: one page of all users, sorted by normalized name, with their online status. */
import { usersFrame } from '../protocol/responses.js';
import type { Handler } from './context.js';

export const handleUsers: Handler<'users'> = async (ctx, request) => {
  const { offset, limit } = request.users;
  const page = await ctx.services.directory.page(offset, limit);
  const users = page.users.map((user) => ({ UUID: user.userUUID, Username: user.username, OnLine: user.online }));
  return usersFrame(page.total, users, ctx.id);
};
