/**
 * What signIn and signUp share: checking a password against a stored user,
 * and issuing the key that binds the connection to them.
 */
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { authorizedFrame } from '../protocol/responses.js';
import type { RequestContext } from './context.js';

/** A new access key for the user, the connection bound to them, and the `authorized` frame. */
export async function authorize(ctx: RequestContext, userUUID: string): Promise<string> {
  const accessKey = await ctx.services.users.get(userUUID).issueKey();
  await ctx.connection.bind(userUUID);
  return authorizedFrame(userUUID, accessKey, ctx.id);
}

/**
 * Signs in to the user holding `normalizedName`, if there is one: error 10
 * when the name's failed sign-ins reached the limit, 6 for a wrong password
 * (the attempt then stays counted), else `authorized`. Null when no user
 * holds the name.
 */
export async function signInExisting(
  ctx: RequestContext,
  normalizedName: string,
  password: string,
): Promise<string | null> {
  const { pool, registry, config, log } = ctx.services;
  const { user, refused } = await registry.lookupForSignIn(
    normalizedName,
    config.signInFailuresMax,
    config.signInFailuresWindowMs,
  );
  if (user === null) return null;
  if (refused) {
    throw new ProtocolError(ErrorCode.RateLimited, 'too many failed sign-ins for this username; retry later');
  }
  if (!(await pool.verifyPassword(password, user.passwordHash))) {
    throw new ProtocolError(ErrorCode.WrongPassword, 'wrong password');
  }
  const frame = await authorize(ctx, user.userUUID);
  // The sign-in succeeded either way; an attempt left counted only tightens the limit.
  await registry.releaseSignInAttempt(normalizedName).catch((error: unknown) => {
    log.warn({ err: error }, 'sign-in attempt not given back');
  });
  return frame;
}
