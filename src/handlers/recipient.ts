/** Resolving a request's recipientUUID to the channel it names. */

import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { PUBLIC_RECIPIENT } from '../protocol/requests.js';
import { channelIdFor } from '../store/channel-id.js';
import type { RequestContext } from './context.js';

/** The caller's channel with `recipient`; error 8 when the recipient is no user. */
export async function channelWith(ctx: RequestContext, recipient: string): Promise<string> {
  if (recipient !== PUBLIC_RECIPIENT && !(await ctx.services.directory.exists(recipient))) {
    throw new ProtocolError(ErrorCode.RecipientNotFound);
  }
  return channelIdFor(ctx.caller.userUUID, recipient);
}
