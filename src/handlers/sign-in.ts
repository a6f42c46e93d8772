/** signIn: signs in, creating the user when the name is new (the seed's rule). */
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { normalizeUsername } from '../protocol/text-rules.js';
import { authorize, register } from './authorize.js';
import type { Handler, RequestContext } from './context.js';

export const handleSignIn: Handler<'signIn'> = async (ctx, request) => {
  // The struct guarantees one of the two; signId wins when both are sent.
  const { username, password } = (request.signId ?? request.signIn)!;
  const name = normalizeUsername(username);

  const existing = await signInExisting(ctx, name, password);
  if (existing !== null) return existing;
  const registered = await register(ctx, name, username, password);
  if (registered !== null) return registered;
  // Someone registered the name while we hashed: sign in to that user instead.
  return (await signInExisting(ctx, name, password))!;
};

/**
 * Signs in to the user holding `normalizedName`, if there is one: error 10
 * when the name's failed sign-ins reached the limit, 6 for a wrong password
 * (the attempt then stays counted), else `authorized`. Null when no user
 * holds the name.
 */
async function signInExisting(ctx: RequestContext, normalizedName: string, password: string): Promise<string | null> {
  const { pool, directory, config, log } = ctx.services;
  const { user, refused } = await directory.lookupForSignIn(
    normalizedName,
    config.signInFailuresMax,
    config.signInFailuresWindowMs,
  );
  if (user === null) return null;
  if (refused) throw new ProtocolError(ErrorCode.RateLimited, 'too many failed sign-ins for this username');
  if (!(await pool.verifyPassword(password, user.passwordHash))) throw new ProtocolError(ErrorCode.WrongPassword);
  const frame = await authorize(ctx, user.userUUID);
  // The sign-in succeeded either way; an attempt left counted only tightens the limit.
  await directory.releaseSignInAttempt(normalizedName).catch((error: unknown) => {
    log.warn({ err: error }, 'sign-in attempt not given back');
  });
  return frame;
}
