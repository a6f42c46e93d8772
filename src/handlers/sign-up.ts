/** signUp: registers a new user; a taken name (case-insensitively) is error 7. */
import { randomUUID } from 'node:crypto';
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { displayUsername, normalizeUsername } from '../protocol/text-rules.js';
import { authorize } from './authorize.js';
import type { Handler } from './context.js';

const taken = () => new ProtocolError(ErrorCode.UsernameTaken, 'username already taken');

export const handleSignUp: Handler<'signUp'> = async (ctx, request) => {
  const { username, password } = request.signUp;
  const { registry, pool } = ctx.services;
  const name = normalizeUsername(username);

  // Checked first so that a taken name costs no bcrypt hash.
  if ((await registry.lookup(name)) !== null) throw taken();
  const hash = await pool.hashPassword(password);
  const created = await registry.create(name, randomUUID(), displayUsername(username), hash);
  if (!created.created) throw taken();
  return authorize(ctx, created.userUUID);
};
