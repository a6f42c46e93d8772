/**
 * Protocol 1.1 pushes that reach users rather than channels, and signals
 * nobody keeps: `channelSeen` receipts, `typing` and the `inbox` — each only
 * to connections that `watch` it, on every node, and never to a third user;
 * typing stores nothing, not even in Redis's AOF. A connection that never
 * sends an extension request sees only the seed's frames meanwhile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeClient } from '../../src/store/redis-server-process.js';
import { joined, send } from '../helpers/chat.js';
import { type ChatClient, type Frame, pollUntil, sleep } from '../helpers/client.js';
import { history, REDIS_BACKENDS, useNodes } from '../helpers/nodes.js';

const A = 0;
const B = 1;
/** Typing signals sent one after another in the typing test. */
const TYPING_TOGGLES = 40;

async function watch(client: ChatClient, events: string[]): Promise<Frame> {
  const reply = await client.authed({ type: 'watch', watch: { events } });
  assert.equal(reply.type, 'watch', JSON.stringify(reply));
  return reply.watch;
}

/** Every frame of a type the connection received, once a request after them came back (so none is still on its way). */
async function framesOf(client: ChatClient, type: string): Promise<Frame[]> {
  await client.authed({ type: 'users', users: { limit: 1 } });
  return client.frames.filter((frame) => frame.type === type && !('id' in frame));
}

/** Waits (bounded) for `count` frames of `type`; returns them all. */
async function waitFor(client: ChatClient, type: string, count: number): Promise<Frame[]> {
  const { value } = await pollUntil(
    async () => client.frames.filter((frame) => frame.type === type && !('id' in frame)),
    (frames) => frames.length >= count,
    5000,
    25,
  );
  return value;
}

for (const backend of REDIS_BACKENDS) {
  describe(`receipts, typing, inbox and watch (${backend})`, () => {
    const c = useNodes(2, { RATE_LIMIT_PER_SEC: '1000' }, backend);

    it('answers watch with the events as now set, replacing the set, and 2 for an unknown one (leaving it as it was)', async () => {
      const { client } = await c.user(A, 'watcher');
      assert.deepEqual(await watch(client, ['inbox', 'typing', 'inbox']), { events: ['typing', 'inbox'] });
      assert.deepEqual(await watch(client, ['channelSeen']), { events: ['channelSeen'] });
      const bad = await client.authed({ type: 'watch', watch: { events: ['channelSeen', 'presence'] } });
      assert.equal(bad.error?.code, 2, JSON.stringify(bad));
      for (const events of [undefined, 'typing', [1]]) {
        const reply = await client.authed({ type: 'watch', watch: { events } });
        assert.equal(reply.error?.code, 2, JSON.stringify(events));
      }
      assert.deepEqual(await watch(client, []), { events: [] }, 'the rejected ones changed nothing before this');
    });

    it('pushes a moved read marker to the other participant’s joined, watching connections on both nodes only', async () => {
      const reader = await c.user(A, 'reader');
      const writer = await c.user(B, 'writer');
      const [watching, watchingElsewhere, notWatching, notJoined, readerOwn] = [
        await c.connectAs(A, writer.client.auth),
        await c.connectAs(B, writer.client.auth),
        await c.connectAs(B, writer.client.auth),
        await c.connectAs(A, writer.client.auth),
        await c.connectAs(B, reader.client.auth),
      ];
      for (const connection of [watching, watchingElsewhere, notWatching, readerOwn]) {
        await joined(connection, connection === readerOwn ? writer.UUID : reader.UUID);
      }
      for (const connection of [watching, watchingElsewhere, notJoined, readerOwn])
        await watch(connection, ['channelSeen']);
      for (let i = 0; i < 3; i++) await send(writer.client, reader.UUID, `m${i}`);
      const seen = async (seq: number) =>
        (await reader.client.authed({ type: 'channelSeen', channelSeen: { recipientUUID: writer.UUID, seq } }))
          .channelSeen;
      assert.deepEqual(await seen(2), { recipientUUID: writer.UUID, seq: 2 });
      assert.deepEqual(await seen(1), { recipientUUID: writer.UUID, seq: 2 }, 'never back');
      assert.deepEqual(await seen(50), { recipientUUID: writer.UUID, seq: 3 }, 'never past the newest');
      const expected = [
        { type: 'channelSeen', channelSeen: { userUUID: reader.UUID, recipientUUID: writer.UUID, seq: 2 } },
        { type: 'channelSeen', channelSeen: { userUUID: reader.UUID, recipientUUID: writer.UUID, seq: 3 } },
      ];
      assert.deepEqual(await waitFor(watching, 'channelSeen', 2), expected);
      assert.deepEqual(await waitFor(watchingElsewhere, 'channelSeen', 2), expected);
      for (const connection of [notWatching, notJoined, readerOwn]) {
        assert.deepEqual(await framesOf(connection, 'channelSeen'), []);
      }
    });

    it('sends no receipt for the public channel or one’s notes, and answers a third user’s receipt for a non-user with 8', async () => {
      const user = await c.user(A, 'noreceipt');
      const other = await c.user(B, 'noreceipt');
      const listener = await c.connectAs(B, other.client.auth);
      await joined(listener, 0);
      await watch(listener, ['channelSeen']);
      await send(user.client, 0, 'public');
      const seenPublic = await user.client.authed({ type: 'channelSeen', channelSeen: { recipientUUID: 0, seq: 1e9 } });
      assert.equal(seenPublic.type, 'channelSeen');
      const notes = await c.connectAs(A, user.client.auth);
      await joined(notes, user.UUID);
      await watch(notes, ['channelSeen']);
      await send(user.client, user.UUID, 'note');
      const seenNote = await user.client.authed({
        type: 'channelSeen',
        channelSeen: { recipientUUID: user.UUID, seq: 1 },
      });
      assert.deepEqual(seenNote.channelSeen, { recipientUUID: user.UUID, seq: 1 });
      assert.deepEqual(await framesOf(listener, 'channelSeen'), []);
      assert.deepEqual(await framesOf(notes, 'channelSeen'), []);
      const nobody = await user.client.authed({
        type: 'channelSeen',
        channelSeen: { recipientUUID: '9c1e0f7a-3b1d-4c55-8f00-0123456789ab', seq: 1 },
      });
      assert.equal(nobody.error?.code, 8);
      for (const seq of [-1, 1.5, 'x', undefined]) {
        const bad = await user.client.authed({ type: 'channelSeen', channelSeen: { recipientUUID: 0, seq } });
        assert.equal(bad.error?.code, 2, JSON.stringify(seq));
      }
    });

    it('tells typing to watching joined connections on both nodes but the typist’s own, and stores nothing', async () => {
      const typist = await c.user(A, 'typist');
      const friend = await c.user(B, 'friend');
      const [onA, onB, deaf, typistOther] = [
        await c.connectAs(A, friend.client.auth),
        await c.connectAs(B, friend.client.auth),
        await c.connectAs(B, friend.client.auth),
        await c.connectAs(B, typist.client.auth),
      ];
      for (const connection of [onA, onB, deaf]) await joined(connection, typist.UUID);
      await joined(typistOther, friend.UUID);
      for (const connection of [onA, onB, typistOther]) await watch(connection, ['typing']);
      const historyBefore = await history(friend.client, typist.UUID);
      // Toggled often, in the order sent: on a cluster a signal published
      // from whichever master came to hand could overtake the one before it.
      const toggles = Array.from({ length: TYPING_TOGGLES }, (_, i) => i % 2 === 0);
      for (const typing of toggles) {
        const reply = await typist.client.authed({ type: 'typing', typing: { recipientUUID: friend.UUID, typing } });
        assert.deepEqual(reply.typing, { recipientUUID: friend.UUID });
      }
      const expected = toggles.map((typing) => ({
        type: 'typing',
        typing: { userUUID: typist.UUID, recipientUUID: friend.UUID, typing },
      }));
      assert.deepEqual(await waitFor(onA, 'typing', TYPING_TOGGLES), expected);
      assert.deepEqual(await waitFor(onB, 'typing', TYPING_TOGGLES), expected);
      assert.deepEqual(await framesOf(deaf, 'typing'), []);
      assert.deepEqual(await framesOf(typistOther, 'typing'), [], 'none of the typist’s own connections');
      assert.deepEqual(await history(friend.client, typist.UUID), historyBefore, 'history unchanged');
      const bad = await typist.client.authed({ type: 'typing', typing: { recipientUUID: 0, typing: 'yes' } });
      assert.equal(bad.error?.code, 2);
    });

    it('pushes a new private message to the recipient’s watching connections on both nodes, joined or not, with unread', async () => {
      const sender = await c.user(A, 'inbox-from');
      const recipient = await c.user(B, 'inbox-to');
      const third = await c.user(A, 'inbox-third');
      const [notJoinedA, joinedB, notWatching] = [
        await c.connectAs(A, recipient.client.auth),
        await c.connectAs(B, recipient.client.auth),
        await c.connectAs(B, recipient.client.auth),
      ];
      await joined(joinedB, sender.UUID);
      await watch(notJoinedA, ['inbox']);
      await watch(joinedB, ['inbox']);
      await watch(third.client, ['inbox']);
      const senderSide = await c.connectAs(A, sender.client.auth);
      await watch(senderSide, ['inbox']);
      const first = await send(sender.client, recipient.UUID, 'first');
      const second = await send(sender.client, recipient.UUID, 'second');
      const { clientMessageId: _a, ...firstStored } = first;
      const { clientMessageId: _b, ...secondStored } = second;
      const expected = [
        { type: 'inbox', inbox: { message: firstStored, unread: 1 } },
        { type: 'inbox', inbox: { message: secondStored, unread: 2 } },
      ];
      assert.deepEqual(await waitFor(notJoinedA, 'inbox', 2), expected, 'not joined, on node A');
      assert.deepEqual(await waitFor(joinedB, 'inbox', 2), expected, 'joined, on node B');
      // The channel's pushes come on its own topic, from another master on a cluster: in either order with the inbox.
      assert.equal(
        (await joinedB.waitForPushes(2)).length,
        2,
        'a joined watching connection gets both the inbox and the channelMessage push',
      );
      assert.deepEqual(await framesOf(notWatching, 'inbox'), []);
      assert.deepEqual(await framesOf(third.client, 'inbox'), [], 'never a third user');
      assert.deepEqual(await framesOf(senderSide, 'inbox'), [], 'not the sender');
      await send(recipient.client, recipient.UUID, 'a note to self');
      await sleep(200);
      assert.equal((await framesOf(notJoinedA, 'inbox')).length, 2, 'not for one’s own notes');
    });

    it('clears the watched set on signOut and on a sign-in as another user, and starts a new connection with none', async () => {
      const user = await c.user(A, 'clear');
      const other = await c.user(B, 'clear');
      const connection = await c.connect(A);
      await connection.signIn(user.username); // a key of its own: the sign-out revokes only that one
      await watch(connection, ['inbox']);
      const out = await connection.authed({ type: 'signOut' });
      assert.equal(out.type, 'unauthorized');
      await connection.signIn(user.username);
      await send(other.client, user.UUID, 'after the sign-out');
      await sleep(300);
      assert.deepEqual(await framesOf(connection, 'inbox'), [], 'the sign-out cleared it');
      await watch(connection, ['inbox']);
      await connection.signIn(other.username);
      await send(other.client, user.UUID, 'to the user it was signed in as');
      await sleep(300);
      assert.deepEqual(await framesOf(connection, 'inbox'), [], 'a sign-in as another user cleared it');
      const fresh = await c.connectAs(B, user.client.auth);
      await joined(fresh, other.UUID);
      await other.client.authed({ type: 'typing', typing: { recipientUUID: user.UUID, typing: true } });
      await sleep(300);
      assert.deepEqual(await framesOf(fresh, 'typing'), [], 'a new connection watches nothing');
    });

    it('gives a connection that never sends an extension request only the seed’s frames while others use them all', async () => {
      const seed = await c.user(A, 'seed');
      const modern = await c.user(B, 'modern');
      const seedOther = await c.connectAs(B, seed.client.auth);
      for (const connection of [seed.client, seedOther]) {
        await joined(connection, 0);
        await joined(connection, modern.UUID);
      }
      await watch(modern.client, ['typing', 'channelSeen', 'inbox']);
      await joined(modern.client, seed.UUID);
      await joined(modern.client, 0);
      await modern.client.authed({ type: 'typing', typing: { recipientUUID: seed.UUID, typing: true } });
      await modern.client.authed({ type: 'typing', typing: { recipientUUID: 0, typing: true } });
      await send(modern.client, seed.UUID, 'hello seed');
      await send(modern.client, 0, 'hello all');
      await send(seed.client, modern.UUID, 'hello modern');
      await modern.client.authed({ type: 'channelSeen', channelSeen: { recipientUUID: seed.UUID, seq: 3 } });
      await modern.client.authed({ type: 'channels' });
      await seedOther.waitForPushes(3);
      const seedTypes = [
        'ready',
        'authorized',
        'unauthorized',
        'users',
        'channelJoin',
        'channelMessage',
        'channelRead',
        'channelLeave',
        'error',
      ];
      for (const connection of [seed.client, seedOther]) {
        await connection.authed({ type: 'users', users: { limit: 1 } });
        const types = new Set(connection.frames.map((frame) => frame.type));
        assert.deepEqual(
          [...types].filter((type) => !seedTypes.includes(type)),
          [],
          JSON.stringify([...types]),
        );
      }
      assert.ok((await framesOf(modern.client, 'typing')).length === 0, 'not its own typing');
      assert.ok((await waitFor(modern.client, 'inbox', 1)).length === 1, 'the modern one got its inbox push');
    });
  });
}

describe('typing storms write nothing to Redis’s persistence', () => {
  // No periodic writes during the measurement: heartbeats and checkpoints far apart.
  const c = useNodes(1, { RATE_LIMIT_PER_SEC: '100000', NODE_TTL_MS: '600000', FEED_CHECKPOINT_MS: '600000' });

  it('grows the AOF by nothing during 300 typing events', async () => {
    const typist = await c.user(A, 'storm');
    const watcher = await c.user(A, 'storm');
    await joined(watcher.client, 0);
    await watch(watcher.client, ['typing']);
    const probe = probeClient(c.redis.url, 2000);
    await probe.connect();
    const aofSize = async () => Number(/aof_current_size:(\d+)/.exec(String(await probe.info('persistence')))?.[1]);
    await sleep(1200); // the last second's fsync of earlier writes is done
    const before = await aofSize();
    const replies = [];
    for (let i = 0; i < 300; i++) {
      replies.push(typist.client.authed({ type: 'typing', typing: { recipientUUID: 0, typing: i % 2 === 0 } }));
    }
    for (const reply of await Promise.all(replies)) assert.equal(reply.type, 'typing');
    await waitFor(watcher.client, 'typing', 300);
    const after = await aofSize();
    probe.disconnect();
    assert.equal(after - before, 0, `the AOF grew by ${after - before} bytes`);
  });
});
