/**
 * What signIn and signUp share: checking a password against a stored user,
 * and issuing the key that binds the connection to them.
 */
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { authorizedFrame } from '../protocol/responses.js';
import type { StoredCredentials } from '../store/user-registry.js';
import type { RequestContext } from './context.js';

/** A new access key for the user, the connection bound to them, and the `authorized` frame. */
export async function authorize(ctx: RequestContext, userUUID: string): Promise<string> {
  const accessKey = await ctx.services.users.get(userUUID).issueKey();
  await ctx.connection.bind(userUUID);
  return authorizedFrame(userUUID, accessKey, ctx.id);
}

/** Error 10 when the username has had too many failed sign-ins in the window. */
export function checkSignInFailures(ctx: RequestContext, failures: number): void {
  if (failures >= ctx.services.config.signInFailuresMax) {
    throw new ProtocolError(ErrorCode.RateLimited, 'too many failed sign-ins for this username; retry later');
  }
}

/** Signs in to an existing user, or counts a failure and gives error 6. */
export async function signInTo(
  ctx: RequestContext,
  normalizedName: string,
  user: StoredCredentials,
  password: string,
): Promise<string> {
  const { pool, registry, config } = ctx.services;
  if (!(await pool.verifyPassword(password, user.passwordHash))) {
    await registry.recordSignInFailure(normalizedName, config.signInFailuresWindowMs);
    throw new ProtocolError(ErrorCode.WrongPassword, 'wrong password');
  }
  return authorize(ctx, user.userUUID);
}
