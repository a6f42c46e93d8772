/**
 * Protocol 1.1 idempotent send: a `channelMessage` with a clientMessageId
 * the same sender already used in the same channel (within the window)
 * stores nothing and pushes nothing, and is answered with the message
 * stored the first time — from any connection, on any node; concurrent
 * repeats store one. The response echoes the clientMessageId; pushes,
 * history and join lists never carry it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joined, pushOf, roundTrip } from '../helpers/chat.js';
import { type ChatClient, type Frame, sleep } from '../helpers/client.js';
import { history, REDIS_BACKENDS, useNodes } from '../helpers/nodes.js';

const A = 0;
const B = 1;

const sendWith = (client: ChatClient, recipientUUID: unknown, message: string, clientMessageId?: unknown) =>
  client.authed({ type: 'channelMessage', channelMessage: { recipientUUID, message, clientMessageId } });

/** The stored message without the echoed id: what pushes and history carry. */
const stored = ({ clientMessageId: _, ...message }: Frame): Frame => message;

for (const backend of REDIS_BACKENDS) {
  describe(`idempotent send (${backend})`, () => {
    const c = useNodes(2, { RATE_LIMIT_PER_SEC: '1000' }, backend);

    it('answers a repeat from another connection on another node with the first message, storing and pushing nothing', async () => {
      const alice = await c.user(A, 'idem');
      const bob = await c.user(B, 'idem');
      const watcher = await c.connectAs(B, bob.client.auth);
      await joined(watcher, alice.UUID);
      const first = await sendWith(alice.client, bob.UUID, 'once', 'cmid-1');
      assert.equal(first.type, 'channelMessage', JSON.stringify(first));
      assert.equal(first.channelMessage.clientMessageId, 'cmid-1', 'the response echoes it');
      assert.equal(first.channelMessage.seq, 1);

      const elsewhere = await c.connectAs(B, alice.client.auth);
      const repeat = await sendWith(elsewhere, bob.UUID, 'whatever the repeat says', 'cmid-1');
      assert.deepEqual(repeat.channelMessage, first.channelMessage, 'same UUID, createdAt, seq, message');

      await sendWith(alice.client, bob.UUID, 'next', 'cmid-2');
      await watcher.waitForPushes(2);
      await roundTrip(watcher);
      assert.deepEqual(
        watcher.pushes.map((p) => p.channelMessage.message),
        ['once', 'next'],
        'one push for the repeated send',
      );
      assert.deepEqual(watcher.pushes[0], pushOf(stored(first.channelMessage)), 'a push carries no clientMessageId');
      const all = await history(bob.client, alice.UUID);
      assert.deepEqual(
        all.map((m) => m.message),
        ['once', 'next'],
      );
      assert.deepEqual(all[0], stored(first.channelMessage), 'history carries no clientMessageId');
      const join = await joined(bob.client, alice.UUID);
      assert.ok(!('clientMessageId' in join.channelJoin.messages[0]), 'nor a join list');
    });

    it('stores one message for 20 concurrent sends with one clientMessageId, on both nodes', async () => {
      const alice = await c.user(A, 'idem');
      const connections: ChatClient[] = [];
      for (let i = 0; i < 20; i++) connections.push(await c.connectAs(i % 2, alice.client.auth));
      for (const connection of connections) await connection.authed({ type: 'users', users: { limit: 1 } });
      const replies = await Promise.all(connections.map((connection) => sendWith(connection, 0, 'race', 'same')));
      for (const reply of replies) assert.equal(reply.type, 'channelMessage', JSON.stringify(reply));
      assert.equal(new Set(replies.map((r) => JSON.stringify(r.channelMessage))).size, 1, 'the same answer 20 times');
      const all = await history(alice.client, 0);
      assert.equal(all.filter((m) => m.message === 'race').length, 1);
    });

    it('stores a new message for the same id from another sender, or in another channel', async () => {
      const alice = await c.user(A, 'idem');
      const bob = await c.user(B, 'idem');
      const a1 = await sendWith(alice.client, bob.UUID, 'a to b', 'shared');
      const a2 = await sendWith(alice.client, 0, 'a to all', 'shared');
      const b1 = await sendWith(bob.client, alice.UUID, 'b to a', 'shared');
      assert.deepEqual(
        [a1, a2, b1].map((r) => r.channelMessage.message),
        ['a to b', 'a to all', 'b to a'],
      );
      assert.equal(new Set([a1, a2, b1].map((r) => r.channelMessage.UUID)).size, 3);
      assert.deepEqual(
        (await history(alice.client, bob.UUID)).map((m) => m.message),
        ['a to b', 'b to a'],
      );
    });

    it('stores a new message on every send without a clientMessageId', async () => {
      const alice = await c.user(A, 'idem');
      const first = await sendWith(alice.client, alice.UUID, 'same text');
      const second = await sendWith(alice.client, alice.UUID, 'same text', null);
      assert.notEqual(first.channelMessage.UUID, second.channelMessage.UUID);
      assert.ok(!('clientMessageId' in first.channelMessage));
      assert.equal((await history(alice.client, alice.UUID)).length, 2);
    });

    it('answers 2 for a clientMessageId that is not a string of 1 to 64 characters', async () => {
      const alice = await c.user(A, 'idem');
      for (const id of ['', 'x'.repeat(65), '😀'.repeat(65), 42, {}, ['a'], '\ud800']) {
        const reply = await sendWith(alice.client, 0, 'x', id);
        assert.equal(reply.error?.code, 2, `${JSON.stringify(id)}: ${JSON.stringify(reply)}`);
      }
      for (const id of ['x'.repeat(64), '😀'.repeat(64), ' ', 'a:b{c}']) {
        const reply = await sendWith(alice.client, 0, 'x', id);
        assert.equal(reply.type, 'channelMessage', `${JSON.stringify(id)} is accepted`);
        assert.equal(reply.channelMessage.clientMessageId, id);
      }
    });
  });
}

describe('idempotency window (IDEMPOTENCY_WINDOW_MS=1000)', () => {
  const c = useNodes(1, { IDEMPOTENCY_WINDOW_MS: '1000' });

  it('stores a new message for an id used longer ago than the window', async () => {
    const alice = await c.user(A, 'window');
    const first = await sendWith(alice.client, 0, 'first', 'reused');
    const repeat = await sendWith(alice.client, 0, 'repeat', 'reused');
    assert.equal(repeat.channelMessage.UUID, first.channelMessage.UUID, 'within the window');
    await sleep(1300);
    const later = await sendWith(alice.client, 0, 'later', 'reused');
    assert.notEqual(later.channelMessage.UUID, first.channelMessage.UUID);
    assert.equal(later.channelMessage.seq, first.channelMessage.seq + 1);
  });
});
