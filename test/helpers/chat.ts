/**
 * Requests that integration tests make over and over, each asserting the
 * success response so a test can go on with its payload.
 */
import assert from 'node:assert/strict';
import { type ChatClient, type Frame, pollUntil } from './client.js';

/** One entry of a `users` response. */
export interface UserEntry {
  UUID: string;
  Username: string;
  OnLine: boolean;
}

/** Joins `client`'s connection to the channel with `recipientUUID`; asserts success and returns the response. */
export async function joined(client: ChatClient, recipientUUID: unknown): Promise<Frame> {
  const reply = await client.authed({ type: 'channelJoin', channelJoin: { recipientUUID } });
  assert.equal(reply.type, 'channelJoin', JSON.stringify(reply));
  return reply;
}

/** Sends `message` to `recipientUUID`; asserts success and returns the stored message (the channelMessage payload). */
export async function send(client: ChatClient, recipientUUID: unknown, message: string): Promise<Frame> {
  const reply = await client.authed({ type: 'channelMessage', channelMessage: { recipientUUID, message } });
  assert.equal(reply.type, 'channelMessage', JSON.stringify(reply));
  return reply.channelMessage;
}

/**
 * A request answered on `client`'s connection. Once a witness joined to the
 * same channel has a push, the server's fan-out for it has run, so a push to
 * `client` would have been written before this answer.
 */
export async function roundTrip(client: ChatClient): Promise<void> {
  const reply = await client.authed({ type: 'channelMessages', channelMessages: { recipientUUID: 0, limit: 1 } });
  assert.equal(reply.type, 'channelRead', JSON.stringify(reply));
}

/** Every user, in one page of `users` (asserted to fit). */
export async function everyone(client: ChatClient): Promise<UserEntry[]> {
  const reply = await client.authed({ type: 'users', users: { offset: 0, limit: 1000 } });
  assert.equal(reply.type, 'users', JSON.stringify(reply));
  assert.ok(reply.users.total <= 1000, 'fits one page');
  return reply.users.users;
}

/** The OnLine flag of `userUUID` as `observer` sees it in `users`; asserts the user is listed. */
export async function onLine(observer: ChatClient, userUUID: string): Promise<boolean> {
  const entry = (await everyone(observer)).find((u) => u.UUID === userUUID);
  assert.ok(entry, `user ${userUUID} is listed`);
  return entry.OnLine;
}

/** Polls `onLine` (for at most 5 s, 100 ms apart) until it is `wanted`; returns the last value. */
export async function pollOnLine(observer: ChatClient, userUUID: string, wanted: boolean): Promise<boolean> {
  return (
    await pollUntil(
      () => onLine(observer, userUUID),
      (value) => value === wanted,
      5000,
      100,
    )
  ).value;
}

/** Whether a fresh channelJoin of the public channel by `observer` lists `userUUID` among its users. */
export async function listedInPublic(observer: ChatClient, userUUID: string): Promise<boolean> {
  const reply = await joined(observer, 0);
  return reply.channelJoin.users.some((user: { UUID: string }) => user.UUID === userUUID);
}

/** Polls `listedInPublic` (for at most 10 s, 100 ms apart) until it is `wanted`; returns the last value. */
export async function pollListedInPublic(observer: ChatClient, userUUID: string, wanted: boolean): Promise<boolean> {
  return (
    await pollUntil(
      () => listedInPublic(observer, userUUID),
      (value) => value === wanted,
      10_000,
      100,
    )
  ).value;
}

/** A push of `channelMessage`, as a joined connection receives it. */
export const pushOf = (channelMessage: Frame): Frame => ({ type: 'channelMessage', channelMessage });
