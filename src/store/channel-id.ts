/**
 * Which channel a request is about. A private channel is derived from the
 * caller and the recipient, never named by the client, so no user can reach
 * a channel they are not part of.
 */
import { PUBLIC_RECIPIENT } from '../protocol/requests.js';

export const PUBLIC_CHANNEL_ID = 'pub';

/** `pub`, or the pair's UUIDs in order: the same channel seen from either side. */
export function channelIdFor(callerUUID: string, recipient: string): string {
  if (recipient === PUBLIC_RECIPIENT) return PUBLIC_CHANNEL_ID;
  return callerUUID < recipient ? `${callerUUID}:${recipient}` : `${recipient}:${callerUUID}`;
}

/** The users of a private channel, by its id (one for a user's own notes). */
export function participantsOfChannel(channelId: string): string[] {
  const [first, second] = channelId.split(':') as [string, string];
  return first === second ? [first] : [first, second];
}
