/** signIn: signs in, creating the user when the name is new (the seed's rule). */
import { randomUUID } from 'node:crypto';
import { displayUsername, normalizeUsername } from '../protocol/text-rules.js';
import { authorize, checkSignInFailures, signInTo } from './authorize.js';
import type { Handler } from './context.js';

export const handleSignIn: Handler<'signIn'> = async (ctx, request) => {
  // The struct guarantees one of the two; signId wins when both are sent.
  const { username, password } = (request.signId ?? request.signIn)!;
  const { registry, pool } = ctx.services;
  const name = normalizeUsername(username);

  const { user, failures } = await registry.lookup(name);
  checkSignInFailures(ctx, failures);
  if (user !== null) return signInTo(ctx, name, user, password);

  const hash = await pool.hashPassword(password);
  const created = await registry.create(name, randomUUID(), displayUsername(username), hash);
  if (created.created) return authorize(ctx, created.userUUID);

  // Someone registered the name while we hashed: sign in to that user instead.
  const raced = await registry.lookup(name);
  return signInTo(ctx, name, raced.user!, password);
};
