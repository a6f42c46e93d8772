import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Auth, type ChatClient, type Frame, sleep } from '../helpers/client.js';
import { useHarness } from '../helpers/harness.js';

const BURST = 10;
const SENT = 30;

/** Sends `count` `users` requests without waiting; returns the replies in arrival order. */
async function pipeline(client: ChatClient, auth: Auth, count: number, prefix: string): Promise<Frame[]> {
  for (let i = 0; i < count; i++) {
    client.sendJson({ type: 'users', SUUID: client.sessionUUID, ...auth, users: { limit: 1 }, id: `${prefix}${i}` });
  }
  const replies: Frame[] = [];
  for (let i = 0; i < count; i++) replies.push(await client.nextReply());
  return replies;
}

/*
 * One token a second: a pipelined burst arrives within a fraction of a
 * second even on a loaded machine, so no token refills during it and the
 * counts are exact.
 */
describe('rate limit per connection (RATE_LIMIT_PER_SEC=1, RATE_LIMIT_BURST=10)', () => {
  const h = useHarness({ RATE_LIMIT_PER_SEC: '1', RATE_LIMIT_BURST: String(BURST) });

  it('answers a burst of exactly 10 normally and the other 20 of 30 pipelined requests with 10, in order; others are unaffected; it recovers', async () => {
    // The user is made on another connection, so the measured one starts with a full bucket.
    const owner = await h.user('limited');
    const auth = { ...owner.auth };
    const client = await h.connect();

    const replies = await pipeline(client, auth, SENT, 'b');
    assert.deepEqual(
      replies.map((r) => r.id),
      Array.from({ length: SENT }, (_, i) => `b${i}`),
      'every request answered once, in order, with its id',
    );
    for (const [i, reply] of replies.slice(0, BURST).entries()) {
      assert.equal(reply.type, 'users', `request ${i}: ${JSON.stringify(reply)}`);
    }
    assert.deepEqual(
      replies.slice(BURST).map((r) => r.error?.code),
      Array(SENT - BURST).fill(10),
      'every request past the burst is refused with 10',
    );

    // Another connection of the same user, and the owner's own connection, are unaffected.
    const other = await h.connect();
    const otherReplies = await pipeline(other, auth, 5, 'o');
    assert.deepEqual(
      otherReplies.map((r) => r.type),
      Array(5).fill('users'),
      JSON.stringify(otherReplies),
    );
    assert.equal((await owner.authed({ type: 'users' })).type, 'users');

    // After 2.2 s two tokens are back.
    await sleep(2200);
    for (let i = 0; i < 2; i++) {
      const reply = await client.request({ type: 'users', ...auth, users: { limit: 1 } });
      assert.equal(reply.type, 'users', `after the pause, request ${i}: ${JSON.stringify(reply)}`);
    }
    assert.equal(client.ws.readyState, client.ws.OPEN, 'rate limiting never closes the connection');
  });

  it('reports 1, 3 and 4 before 10, and 10 before 5', async () => {
    const client = await h.connect();
    const auth = { userUUID: '00000000-0000-4000-8000-000000000000', userAccessKey: 'garbage' };
    // Drain the bucket (the bad credentials themselves are answered 5 while tokens last).
    const drained = await pipeline(client, auth, BURST + 5, 'd');
    const codes = drained.map((r) => r.error?.code);
    assert.deepEqual(codes, [...Array(BURST).fill(5), ...Array(5).fill(10)], 'bad credentials while limited get 10');

    // With the bucket empty, frame, type and session faults are still reported as such.
    client.ws.send('not json');
    const malformed = await client.nextReply();
    assert.equal(malformed.error?.code, 1, JSON.stringify(malformed));
    const unknown = await client.request({ type: 'nope' });
    assert.equal(unknown.error?.code, 3, JSON.stringify(unknown));
    const session = await client.request({ type: 'users', SUUID: 'wrong', ...auth });
    assert.equal(session.error?.code, 4, JSON.stringify(session));
  });
});
