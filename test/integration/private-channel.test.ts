import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joined, pushOf, roundTrip, send } from '../helpers/chat.js';
import type { ChatClient, Frame } from '../helpers/client.js';
import { TEST, useHarness } from '../helpers/harness.js';

const h = useHarness();

async function history(client: ChatClient, recipientUUID: unknown, limit = 10): Promise<Frame> {
  const reply = await client.authed({ type: 'channelMessages', channelMessages: { recipientUUID, limit } });
  assert.equal(reply.type, 'channelRead', JSON.stringify(reply));
  return reply.channelMessages;
}

describe('private channel isolation', () => {
  it(
    'never pushes an A–B message to a third user, even one joined to public and to their channel with A',
    TEST,
    async () => {
      const a = await h.user('pa');
      const b = await h.user('pb');
      const c = await h.user('pc');
      const c2 = await h.connectAs(c);
      await joined(a, b.auth.userUUID);
      await joined(b, a.auth.userUUID);
      await joined(c, 0);
      await joined(c, a.auth.userUUID); // the A–C channel, not A–B
      await joined(c2, b.auth.userUUID); // the B–C channel, not A–B
      const cToA = await joined(c2, a.auth.userUUID);
      assert.deepEqual(
        cToA.channelJoin.users.map((u: Frame) => u.UUID).sort(),
        [a.auth.userUUID, c.auth.userUUID].sort(),
        'naming A, C reaches the A–C channel',
      );

      const fromA = await send(a, b.auth.userUUID, 'a to b, private');
      await b.waitForPushes(1);
      const fromB = await send(b, a.auth.userUUID, 'b to a, private');
      await a.waitForPushes(1);
      assert.deepEqual(b.pushes, [pushOf(fromA)]);
      assert.deepEqual(a.pushes, [pushOf(fromB)]);
      await roundTrip(c);
      await roundTrip(c2);
      assert.deepEqual(c.pushes, [], 'c, joined to public and to A–C, gets no A–B push');
      assert.deepEqual(c2.pushes, [], 'c2, joined to B–C and A–C, gets no A–B push');

      // What c does get: a message in the A–C channel.
      const toC = await send(a, c.auth.userUUID, 'a to c');
      await c.waitForPushes(1);
      await c2.waitForPushes(1);
      await roundTrip(b);
      assert.deepEqual(c.pushes, [pushOf(toC)]);
      assert.deepEqual(c2.pushes, [pushOf(toC)]);
      assert.deepEqual(b.pushes, [pushOf(fromA)], 'b gets no A–C push');
    },
  );

  it('never shows A–B history to a third user: C naming B reads the empty B–C channel', TEST, async () => {
    const a = await h.user('pha');
    const b = await h.user('phb');
    const c = await h.user('phc');
    await send(a, b.auth.userUUID, 'secret 1');
    await send(b, a.auth.userUUID, 'secret 2');
    const empty = { messagesTotal: 0, messagesReceived: 0, messages: [] };
    assert.deepEqual(await history(c, b.auth.userUUID), empty);
    assert.deepEqual(await history(c, a.auth.userUUID), empty);
    const cJoinsB = await joined(c, b.auth.userUUID);
    assert.deepEqual(cJoinsB.channelJoin.messages, []);
    assert.deepEqual(
      cJoinsB.channelJoin.users.map((u: Frame) => u.UUID).sort(),
      [b.auth.userUUID, c.auth.userUUID].sort(),
      'the channel C reaches by naming B is B–C',
    );
    const publicPage = await history(c, 0, 99);
    assert.ok(!publicPage.messages.some((m: Frame) => m.message.startsWith('secret')), 'not in public history either');
    assert.equal((await history(a, b.auth.userUUID)).messagesTotal, 2);
  });
});

describe('private channel delivery', () => {
  it('shows an A→B message in B’s history with the same UUID and fields', TEST, async () => {
    const a = await h.user('pva');
    const b = await h.user('pvb');
    const sent = await send(a, b.auth.userUUID, 'see this, b');
    assert.deepEqual(await history(b, a.auth.userUUID), { messagesTotal: 1, messagesReceived: 1, messages: [sent] });
    const bJoins = await joined(b, a.auth.userUUID);
    const { createdAt, ...rest } = sent;
    assert.deepEqual(bJoins.channelJoin.messages, [{ ...rest, created_at: createdAt }]);
  });

  it('pushes to every joined connection of A and B except the sending one, and to no unjoined one', TEST, async () => {
    const a1 = await h.user('pfa');
    const a2 = await h.connectAs(a1);
    const a3 = await h.connectAs(a1); // bound to A, never joined
    const b1 = await h.user('pfb');
    const b2 = await h.connectAs(b1);
    const b3 = await h.connectAs(b1); // joined to public only
    for (const client of [a1, a2]) await joined(client, b1.auth.userUUID);
    for (const client of [b1, b2]) await joined(client, a1.auth.userUUID);
    await joined(b3, 0);
    await roundTrip(a3);

    const fromA1 = await send(a1, b1.auth.userUUID, 'from a1');
    for (const client of [a2, b1, b2]) await client.waitForPushes(1);
    const fromB2 = await send(b2, a1.auth.userUUID, 'from b2');
    for (const client of [a1, a2, b1]) await client.waitForPushes(client === a1 ? 1 : 2);
    for (const client of [a1, a2, a3, b1, b2, b3]) await roundTrip(client);

    assert.deepEqual(a1.pushes, [pushOf(fromB2)]);
    assert.deepEqual(a2.pushes, [pushOf(fromA1), pushOf(fromB2)]);
    assert.deepEqual(b1.pushes, [pushOf(fromA1), pushOf(fromB2)]);
    assert.deepEqual(b2.pushes, [pushOf(fromA1)]);
    assert.deepEqual(a3.pushes, []);
    assert.deepEqual(b3.pushes, []);
    assert.equal(fromA1.recipientUUID, b1.auth.userUUID);
    assert.equal(fromB2.recipientUUID, a1.auth.userUUID);
  });

  it('pushes own notes to the user’s other joined connections only', TEST, async () => {
    const a1 = await h.user('pnotes');
    const a2 = await h.connectAs(a1);
    const b = await h.user('pnotes');
    await joined(a1, a1.auth.userUUID);
    await joined(a2, a1.auth.userUUID);
    await joined(b, a1.auth.userUUID);
    const note = await send(a1, a1.auth.userUUID, 'note to self');
    await a2.waitForPushes(1);
    await roundTrip(a1);
    await roundTrip(b);
    assert.deepEqual(a2.pushes, [pushOf(note)]);
    assert.deepEqual(a1.pushes, []);
    assert.deepEqual(b.pushes, [], 'b joined the A–B channel, not A’s notes');
  });
});
