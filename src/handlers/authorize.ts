/**
 * What signIn and signUp share: issuing the access key that binds the
 * connection to a user, and registering a new user with one.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { authorizedFrame } from '../protocol/responses.js';
import { displayUsername } from '../protocol/text-rules.js';
import type { RequestContext } from './context.js';

/**
 * A new access key for the user, the connection bound to them, and the
 * `authorized` frame. A bind refused (the user's connection limit) revokes
 * the key it was issued with: nobody ever saw it.
 */
export async function authorize(ctx: RequestContext, userUUID: string): Promise<string> {
  const user = ctx.services.userActors.get(userUUID);
  const { keyId, accessKey } = await user.issueKey();
  try {
    await ctx.connection.bind(userUUID);
  } catch (error) {
    await user.revokeKey(keyId).catch((revokeError: unknown) => {
      ctx.services.log.warn({ err: revokeError }, 'unused access key not revoked; it expires unused');
    });
    throw error;
  }
  return authorizedFrame(userUUID, accessKey, ctx.id);
}

/**
 * Registers a user under `normalizedName` and authorizes the connection as
 * them; null when the name is taken. The key is stored before the user: if
 * either step fails (error 11), no user exists whose sign-up the client was
 * told failed. A key stored for a user that was then not created is never
 * handed out, and is revoked.
 */
export async function register(
  ctx: RequestContext,
  normalizedName: string,
  username: string,
  password: string,
): Promise<string | null> {
  const { directory, pool, userActors, config } = ctx.services;
  if (!(await directory.reserveSignUp(ctx.connection.address, config.signUpsPerIpMax, config.signUpsWindowMs))) {
    throw new ProtocolError(ErrorCode.RateLimited, 'too many sign-ups from this address');
  }
  const passwordHash = await pool.hashPassword(password);
  const userUUID = randomUUID();
  const user = userActors.get(userUUID);
  const { keyId, accessKey } = await user.issueKey();
  const created = await directory.create(normalizedName, userUUID, displayUsername(username), passwordHash);
  if (!created.created) {
    await user.revokeKey(keyId).catch((error: unknown) => {
      ctx.services.log.warn({ err: error }, 'unused access key not revoked; it expires unused');
    });
    return null;
  }
  await ctx.connection.bind(userUUID);
  return authorizedFrame(userUUID, accessKey, ctx.id);
}
