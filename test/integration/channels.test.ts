/**
 * Protocol 1.1 `channels`: the caller's conversation list — the public
 * channel first, then every private channel holding a message (notes
 * included), most recent message first — with the other participant's
 * username, the newest message, the caller's read marker and unread count,
 * paged by offset/limit; on one Redis and on a cluster, across two nodes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { send } from '../helpers/chat.js';
import type { ChatClient, Frame } from '../helpers/client.js';
import { type NodeUser, REDIS_BACKENDS, useNodes } from '../helpers/nodes.js';

const A = 0;
const B = 1;

async function channels(client: ChatClient, page: Frame = {}): Promise<Frame> {
  const reply = await client.authed({ type: 'channels', channels: page });
  assert.equal(reply.type, 'channels', JSON.stringify(reply));
  return reply.channels;
}

const recipients = (list: Frame): unknown[] => list.channels.map((c: Frame) => c.recipientUUID);

/** The message object as a `channels` entry shows it: what the send stored, without the echoed id. */
const asStored = ({ clientMessageId: _, ...message }: Frame): Frame => message;

for (const backend of REDIS_BACKENDS) {
  describe(`channels (${backend})`, () => {
    const c = useNodes(2, { RATE_LIMIT_PER_SEC: '1000' }, backend);

    it('lists the public channel first, then private channels by their newest message, with names and unread counts', async () => {
      const me = await c.user(A, 'list');
      const [x, y, z] = [await c.user(B, 'list'), await c.user(A, 'list'), await c.user(B, 'list')];
      const first = await send(me.client, x.UUID, 'to x');
      await send(y.client, me.UUID, 'from y 1');
      const fromY = await send(y.client, me.UUID, 'from y 2');
      const lastToX = await send(x.client, me.UUID, 'from x');
      const note = await send(me.client, me.UUID, 'a note');
      void z; // z writes nothing: not in the list
      const list = await channels(me.client);
      assert.deepEqual(Object.keys(list), ['total', 'received', 'channels']);
      assert.equal(list.total, 4, 'public, x, y and the notes');
      assert.equal(list.received, 4);
      assert.deepEqual(recipients(list), [0, me.UUID, x.UUID, y.UUID], 'public first, then newest message first');
      const [pub, notes, withX, withY] = list.channels;
      assert.deepEqual(Object.keys(withX), [
        'recipientUUID',
        'username',
        'messagesTotal',
        'lastMessage',
        'seenSeq',
        'unread',
      ]);
      assert.equal(pub.username, null);
      assert.deepEqual(notes, {
        recipientUUID: me.UUID,
        username: me.username,
        messagesTotal: 1,
        lastMessage: asStored(note),
        seenSeq: 1,
        unread: 0,
      });
      assert.deepEqual(withX, {
        recipientUUID: x.UUID,
        username: x.username,
        messagesTotal: 2,
        lastMessage: asStored(lastToX),
        seenSeq: first.seq,
        unread: 1,
      });
      assert.deepEqual(withY, {
        recipientUUID: y.UUID,
        username: y.username,
        messagesTotal: 2,
        lastMessage: asStored(fromY),
        seenSeq: 0,
        unread: 2,
      });
    });

    it('counts one’s own messages as seen, and others’ as unread until channelSeen', async () => {
      const me = await c.user(A, 'unread');
      const other = await c.user(B, 'unread');
      for (let i = 0; i < 3; i++) await send(other.client, me.UUID, `m${i}`);
      const entry = async () =>
        (await channels(me.client)).channels.find((ch: Frame) => ch.recipientUUID === other.UUID);
      assert.deepEqual([(await entry()).seenSeq, (await entry()).unread], [0, 3]);
      await me.client.authed({ type: 'channelSeen', channelSeen: { recipientUUID: other.UUID, seq: 2 } });
      assert.deepEqual([(await entry()).seenSeq, (await entry()).unread], [2, 1]);
      await send(me.client, other.UUID, 'my answer');
      assert.deepEqual([(await entry()).seenSeq, (await entry()).unread], [4, 0], 'a send moves the sender’s marker');
      await send(other.client, me.UUID, 'after');
      assert.deepEqual([(await entry()).messagesTotal, (await entry()).unread], [5, 1]);
    });

    it('shows the public channel’s newest message and the caller’s unread count there', async () => {
      const me = await c.user(A, 'pub');
      const talker = await c.user(B, 'pub');
      const before = (await channels(me.client)).channels[0];
      const said = await send(talker.client, 0, 'hello everyone');
      const after = (await channels(me.client)).channels[0];
      assert.deepEqual(after, {
        recipientUUID: 0,
        username: null,
        messagesTotal: before.messagesTotal + 1,
        lastMessage: said,
        seenSeq: before.seenSeq,
        unread: before.unread + 1,
      });
      await send(me.client, 0, 'me too');
      const mine = (await channels(me.client)).channels[0];
      assert.equal(mine.unread, 0, 'my send moved my marker past everything before it');
    });

    it('pages the whole list by offset and limit, the public channel counting as its first entry', async () => {
      const me = await c.user(A, 'page');
      const others: NodeUser[] = [];
      for (let i = 0; i < 5; i++) {
        const other = await c.user(B, 'page');
        others.push(other);
        await send(other.client, me.UUID, `hi ${i}`);
      }
      const newestFirst = [...others].reverse().map((o) => o.UUID);
      const all = await channels(me.client, { limit: 100 });
      assert.deepEqual(recipients(all), [0, ...newestFirst]);
      assert.deepEqual(recipients(await channels(me.client, { offset: 0, limit: 2 })), [0, newestFirst[0]]);
      assert.deepEqual(recipients(await channels(me.client, { offset: 2, limit: 2 })), newestFirst.slice(1, 3));
      const last = await channels(me.client, { offset: 5, limit: 10 });
      assert.deepEqual([last.total, last.received, recipients(last)], [6, 1, [newestFirst[4]]]);
      assert.deepEqual((await channels(me.client, { offset: 6 })).channels, []);
      const bad = await me.client.authed({ type: 'channels', channels: { limit: 101 } });
      assert.equal(bad.error?.code, 2);
      assert.equal((await channels(me.client)).channels.length, 6, 'default limit 50');
    });

    it('moves a conversation to the top when a message arrives, seen from either node', async () => {
      const me = await c.user(A, 'order');
      const [x, y] = [await c.user(A, 'order'), await c.user(B, 'order')];
      await send(x.client, me.UUID, 'x first');
      await send(y.client, me.UUID, 'y second');
      const meElsewhere = await c.connectAs(B, me.client.auth);
      assert.deepEqual(recipients(await channels(meElsewhere)), [0, y.UUID, x.UUID]);
      await send(x.client, me.UUID, 'x again');
      assert.deepEqual(recipients(await channels(meElsewhere)), [0, x.UUID, y.UUID]);
    });

    it('never lists another pair’s conversation', async () => {
      const [a, b, third] = [await c.user(A, 'iso'), await c.user(B, 'iso'), await c.user(A, 'iso')];
      await send(a.client, b.UUID, 'between a and b');
      const list = await channels(third.client);
      assert.deepEqual(recipients(list), [0]);
      assert.equal(list.total, 1);
    });
  });
}
