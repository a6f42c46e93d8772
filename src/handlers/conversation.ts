/**
 * What a private send does to its participants' conversation lists (see
 * store/conversations.ts): marked before the message is stored, put in
 * their place after it — and the recipient's watching connections told by
 * an inbox push.
 */

import type { SendResult } from '../actors/channel-actor.js';
import { inboxPush } from '../protocol/responses.js';
import type { RequestContext } from './context.js';

/** Before the message is stored: both participants' (one, for notes) conversations are marked. */
export async function beforePrivateSend(ctx: RequestContext, recipientUUID: string): Promise<void> {
  const { conversations } = ctx.services;
  const sender = ctx.caller.userUUID;
  await Promise.all([
    conversations.markPending(sender, recipientUUID),
    ...(recipientUUID === sender ? [] : [conversations.markPending(recipientUUID, sender)]),
  ]);
}

/**
 * After: puts the conversation in its place in both lists and pushes the
 * message to the recipient's inbox. Not awaited by the send's response: the
 * marks keep every list right until this is done (or, if the node dies
 * first, until the next list repairs them).
 */
export function afterPrivateSend(ctx: RequestContext, recipientUUID: string, sent: SendResult): void {
  const { conversations, config, log } = ctx.services;
  if (config.testCrashAt === 'message-stored') process.kill(process.pid, 'SIGKILL');
  const sender = ctx.caller.userUUID;
  const message = { seq: sent.seq, createdAt: sent.createdAt };
  const updates = [conversations.indexed(sender, recipientUUID, message, undefined)];
  if (recipientUUID !== sender) {
    const push = inboxPush(`${sent.head}${sent.seq}}`, sent.seq - sent.recipientSeen);
    updates.push(conversations.indexed(recipientUUID, sender, message, push));
  }
  Promise.all(updates).catch((error: unknown) => {
    log.warn({ err: error }, 'conversation index not updated; the next list repairs it');
  });
}
