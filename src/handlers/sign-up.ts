/** signUp: registers a new user; a taken name (case-insensitively) is error 7. */
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { normalizeUsername } from '../protocol/text-rules.js';
import { register } from './authorize.js';
import type { Handler } from './context.js';

export const handleSignUp: Handler<'signUp'> = async (ctx, request) => {
  const { username, password } = request.signUp;
  const name = normalizeUsername(username);
  // Checked first so that a taken name costs no bcrypt hash.
  if ((await ctx.services.directory.lookup(name)) !== null) throw new ProtocolError(ErrorCode.UsernameTaken);
  const registered = await register(ctx, name, username, password);
  if (registered === null) throw new ProtocolError(ErrorCode.UsernameTaken);
  return registered;
};
