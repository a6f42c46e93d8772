/** signIn: signs in, creating the user when the name is new (the seed's rule). */
import { randomUUID } from 'node:crypto';
import { displayUsername, normalizeUsername } from '../protocol/text-rules.js';
import { authorize, signInExisting } from './authorize.js';
import type { Handler } from './context.js';

export const handleSignIn: Handler<'signIn'> = async (ctx, request) => {
  // The struct guarantees one of the two; signId wins when both are sent.
  const { username, password } = (request.signId ?? request.signIn)!;
  const { registry, pool } = ctx.services;
  const name = normalizeUsername(username);

  const existing = await signInExisting(ctx, name, password);
  if (existing !== null) return existing;

  const hash = await pool.hashPassword(password);
  const created = await registry.create(name, randomUUID(), displayUsername(username), hash);
  if (created.created) return authorize(ctx, created.userUUID);

  // Someone registered the name while we hashed: sign in to that user instead.
  return (await signInExisting(ctx, name, password))!;
};
