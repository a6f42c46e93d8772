/** signOut: revokes the key the request carries, drops the connection's subscriptions and unbinds it. */
import { unauthorizedFrame } from '../protocol/responses.js';
import type { Handler } from './context.js';

export const handleSignOut: Handler<'signOut'> = async (ctx) => {
  const { userUUID, keyId } = ctx.caller;
  await ctx.services.userActors.get(userUUID).revokeKey(keyId);
  await ctx.connection.unbind();
  return unauthorizedFrame(userUUID, ctx.id);
};
