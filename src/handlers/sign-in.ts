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
 * when the failed sign-ins from this address — for this name, or for any —
 * reached their limit (so guessing from one place never locks the owner
 * out from another), 6 for a wrong password
 * (the attempt then stays counted), else `authorized`. Null when no user
 * holds the name.
 */
async function signInExisting(ctx: RequestContext, normalizedName: string, password: string): Promise<string | null> {
  const { pool, directory, config, log } = ctx.services;
  const { address } = ctx.connection;
  const { user, refused } = await directory.lookupForSignIn(normalizedName, {
    address,
    perNameAndAddress: config.signInFailuresMax,
    perAddress: config.signInFailuresPerIpMax,
    windowMs: config.signInFailuresWindowMs,
  });
  if (user === null) return null;
  if (refused) throw new ProtocolError(ErrorCode.RateLimited, 'too many failed sign-ins from this address');
  if (!(await pool.verifyPassword(password, user.passwordHash))) throw new ProtocolError(ErrorCode.WrongPassword);
  const frame = await authorize(ctx, user.userUUID);
  // The sign-in succeeded either way; an attempt left counted only tightens the limit.
  await directory.releaseSignInAttempt(normalizedName, address).catch((error: unknown) => {
    log.warn({ err: error }, 'sign-in attempt not given back');
  });
  return frame;
}
