import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { joined, pushOf, roundTrip, send } from '../helpers/chat.js';
import type { ChatClient, Frame } from '../helpers/client.js';
import { TEST, useHarness } from '../helpers/harness.js';

const h = useHarness();

const leave = (client: ChatClient, recipientUUID: unknown): Promise<Frame> =>
  client.authed({ type: 'channelLeave', channelLeave: { recipientUUID } });

async function left(client: ChatClient, recipientUUID: string): Promise<Frame> {
  const reply = await leave(client, recipientUUID);
  assert.equal(reply.type, 'channelLeave', JSON.stringify(reply));
  return reply;
}

describe('channelLeave response', () => {
  it('answers {recipientUUID} with the private recipient as a UUID string', TEST, async () => {
    const a = await h.user('lshape');
    const b = await h.user('lshape');
    await joined(a, b.auth.userUUID);
    const reply = await leave(a, b.auth.userUUID);
    const { id, ...rest } = reply;
    assert.equal(typeof id, 'string');
    assert.deepEqual(rest, { type: 'channelLeave', channelLeave: { recipientUUID: b.auth.userUUID } });
  });

  it('answers success for a channel the connection never joined, and for leaving twice', TEST, async () => {
    const a = await h.user('lnotjoined');
    const b = await h.user('lnotjoined');
    const expected = { type: 'channelLeave', channelLeave: { recipientUUID: b.auth.userUUID } };
    for (let i = 0; i < 2; i++) {
      const { id: _id, ...rest } = await leave(a, b.auth.userUUID);
      assert.deepEqual(rest, expected, `leave ${i + 1}`);
    }
    const { id: _id2, ...notes } = await leave(a, a.auth.userUUID);
    assert.deepEqual(notes, { type: 'channelLeave', channelLeave: { recipientUUID: a.auth.userUUID } });
  });

  it('refuses to leave the public channel (0 or "0") with error 9, and keeps pushing it', TEST, async () => {
    const a = await h.user('lpublic');
    const b = await h.user('lpublic');
    for (const recipientUUID of [0, '0']) {
      const notJoined = await leave(a, recipientUUID);
      assert.equal(notJoined.error?.code, 9, JSON.stringify(notJoined));
    }
    await joined(a, 0);
    for (const recipientUUID of [0, '0']) {
      const reply = await leave(a, recipientUUID);
      assert.equal(reply.type, 'error', JSON.stringify(reply));
      assert.equal(reply.error.code, 9, JSON.stringify(reply));
    }
    const sent = await send(b, 0, 'public still reaches a');
    await a.waitForPushes(1);
    await roundTrip(a);
    assert.deepEqual(a.pushes, [pushOf(sent)]);
  });

  it('answers error 8 for an unknown user and 2 for a malformed recipient', TEST, async () => {
    const a = await h.user('lerrors');
    const unknown = await leave(a, randomUUID());
    assert.equal(unknown.type, 'error', JSON.stringify(unknown));
    assert.equal(unknown.error.code, 8, JSON.stringify(unknown));
    for (const recipientUUID of ['abc', 5, true, null]) {
      const reply = await leave(a, recipientUUID);
      assert.equal(reply.error?.code, 2, `${JSON.stringify(recipientUUID)} → ${JSON.stringify(reply)}`);
    }
  });
});

describe('channelLeave pushes', () => {
  it('stops the channel’s pushes to the leaving connection while other channels still push', TEST, async () => {
    const a = await h.user('lstop');
    const b = await h.user('lstop');
    const b2 = await h.connectAs(b); // witness: joined to the a–b channel throughout
    await joined(a, 0);
    await joined(a, b.auth.userUUID);
    await joined(b2, a.auth.userUUID);

    const before = await send(b, a.auth.userUUID, 'before the leave');
    await a.waitForPushes(1);
    await left(a, b.auth.userUUID);

    const after = await send(b, a.auth.userUUID, 'after the leave');
    await b2.waitForPushes(2);
    assert.deepEqual(b2.pushes, [pushOf(before), pushOf(after)]);
    await roundTrip(a);
    assert.deepEqual(a.pushes, [pushOf(before)], 'no push of the left channel');

    const publicMessage = await send(b, 0, 'public after the leave');
    await a.waitForPushes(2);
    await roundTrip(a);
    assert.deepEqual(a.pushes, [pushOf(before), pushOf(publicMessage)], 'the public channel still pushes');
  });

  it('stops only the leaving connection: the user’s other joined connection still gets pushes', TEST, async () => {
    const a1 = await h.user('lconn');
    const a2 = await h.connectAs(a1);
    const b = await h.user('lconn');
    await joined(a1, b.auth.userUUID);
    await joined(a2, b.auth.userUUID);
    await left(a1, b.auth.userUUID);
    const sent = await send(b, a1.auth.userUUID, 'for a2 only');
    await a2.waitForPushes(1);
    await roundTrip(a1);
    assert.deepEqual(a2.pushes, [pushOf(sent)]);
    assert.deepEqual(a1.pushes, []);
  });

  it('pushes again, once per message, after joining the left channel again', TEST, async () => {
    const a = await h.user('lrejoin');
    const b = await h.user('lrejoin');
    const b2 = await h.connectAs(b);
    await joined(b2, a.auth.userUUID);
    await joined(a, b.auth.userUUID);
    await left(a, b.auth.userUUID);
    const missed = await send(b, a.auth.userUUID, 'while away');
    const rejoin = await joined(a, b.auth.userUUID);
    assert.equal(rejoin.channelJoin.messages[0].UUID, missed.UUID, 'history shows what was missed');
    const sent = await send(b, a.auth.userUUID, 'back again');
    await b2.waitForPushes(2);
    await roundTrip(a);
    assert.deepEqual(a.pushes, [pushOf(sent)]);
  });

  it('resumes pushes when the only joined connection leaves and joins again, cycle after cycle', TEST, async () => {
    const a = await h.user('lcycle');
    const b = await h.user('lcycle');
    const expected: Frame[] = [];
    for (let cycle = 0; cycle < 5; cycle++) {
      await joined(a, b.auth.userUUID);
      const sent = await send(b, a.auth.userUUID, `joined ${cycle}`);
      expected.push(pushOf(sent));
      await a.waitForPushes(expected.length);
      await left(a, b.auth.userUUID);
      await send(b, a.auth.userUUID, `away ${cycle}`);
    }
    await roundTrip(a);
    assert.deepEqual(a.pushes, expected, 'one push per message sent while joined, none while away');
  });
});
