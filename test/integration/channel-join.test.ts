import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { joined, pollListedInPublic, roundTrip, send } from '../helpers/chat.js';
import { type ChatClient, type Frame, sleep } from '../helpers/client.js';
import { TEST, useHarness } from '../helpers/harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const JOIN_MESSAGE_KEYS = ['UUID', 'created_at', 'message', 'recipientUUID', 'senderUUID', 'seq'];

const h = useHarness();

const join = (client: ChatClient, recipientUUID: unknown): Promise<Frame> =>
  client.authed({ type: 'channelJoin', channelJoin: { recipientUUID } });

/** A sent message (channelMessage response) as a join response lists it. */
const asJoinEntry = ({ createdAt, ...rest }: Frame): Frame => ({ ...rest, created_at: createdAt });

const sortedUsers = (users: Frame[]): Frame[] =>
  [...users].sort((x, y) => (x.UUID < y.UUID ? -1 : x.UUID > y.UUID ? 1 : 0));

describe('channelJoin response', () => {
  it(
    'answers the public channel (0 and "0") with the latest 10 messages, newest first, keyed created_at',
    TEST,
    async () => {
      const sender = await h.namedUser('jsender');
      const sent: Frame[] = [];
      for (let i = 0; i < 12; i++) sent.push(await send(sender.client, 0, `public history ${i}`));
      const expected = sent.slice(-10).reverse().map(asJoinEntry);

      for (const recipientUUID of [0, '0']) {
        const reader = await h.namedUser('jreader');
        const reply = await joined(reader.client, recipientUUID);
        assert.deepEqual(Object.keys(reply).sort(), ['channelJoin', 'id', 'type']);
        assert.deepEqual(Object.keys(reply.channelJoin).sort(), ['messages', 'users']);
        const { messages } = reply.channelJoin;
        assert.equal(messages.length, 10);
        for (const entry of messages) {
          assert.deepEqual(Object.keys(entry).sort(), JOIN_MESSAGE_KEYS);
          assert.match(entry.UUID, UUID);
          assert.match(entry.created_at, ISO);
          assert.equal(entry.recipientUUID, 0, 'the public channel is written as the number 0');
        }
        assert.deepEqual(messages, expected);
      }
    },
  );

  it('answers an empty private channel with no messages', TEST, async () => {
    const a = await h.namedUser('jempty');
    const b = await h.namedUser('jempty');
    const reply = await joined(a.client, b.UUID);
    assert.deepEqual(reply.channelJoin.messages, []);
  });

  it('lists private messages with the recipient as a UUID string', TEST, async () => {
    const a = await h.namedUser('jpriv');
    const b = await h.namedUser('jpriv');
    const first = await send(a.client, b.UUID, 'from a');
    const second = await send(b.client, a.UUID, 'from b');
    assert.equal(first.recipientUUID, b.UUID);
    assert.equal(second.recipientUUID, a.UUID);
    const fromA = await joined(a.client, b.UUID);
    const fromB = await joined(b.client, a.UUID);
    assert.deepEqual(fromA.channelJoin.messages, [asJoinEntry(second), asJoinEntry(first)]);
    assert.deepEqual(fromB.channelJoin.messages, fromA.channelJoin.messages);
  });
});

describe('channelJoin page reuse', () => {
  it('shows a message pushed since an earlier join read its page, in the page and not as a push', TEST, async () => {
    // A private channel of its own, so that no other test's message is applied in between.
    const a = await h.namedUser('jreuse');
    const b = await h.namedUser('jreuse');
    await send(a.client, b.UUID, 'before');
    const witness = await h.connectAs(a.client);
    await joined(witness, b.UUID);
    await joined(b.client, a.UUID); // its page is now the node's latest page of the channel
    const newest = await send(a.client, b.UUID, 'newest');
    await witness.waitForPushes(1); // applied on the node: the cached page is one message behind
    const late = await h.connectAs(b.client);
    const reply = await joined(late, a.UUID);
    assert.deepEqual(
      reply.channelJoin.messages.map((m: Frame) => m.message),
      ['newest', 'before'],
    );
    assert.equal(reply.channelJoin.messages[0].UUID, newest.UUID);
    await roundTrip(late);
    assert.deepEqual(late.pushes, [], 'shown in the page, so not pushed as well');
  });
});

describe('channelJoin users', () => {
  it('lists public users with a joined connection as {UUID, username}, including the joiner', TEST, async () => {
    const a = await h.namedUser('jpub');
    const b = await h.namedUser('jpub');
    const notJoined = await h.namedUser('jpub');
    const first = await joined(a.client, 0);
    assert.ok(
      first.channelJoin.users.some((u: Frame) => u.UUID === a.UUID),
      'the joiner is listed in its own join response',
    );
    const reply = await joined(b.client, 0);
    const { users } = reply.channelJoin;
    for (const user of users) assert.deepEqual(Object.keys(user).sort(), ['UUID', 'username']);
    assert.deepEqual(
      users.filter((u: Frame) => u.UUID === a.UUID),
      [{ UUID: a.UUID, username: a.username }],
    );
    assert.deepEqual(
      users.filter((u: Frame) => u.UUID === b.UUID),
      [{ UUID: b.UUID, username: b.username }],
    );
    assert.ok(!users.some((u: Frame) => u.UUID === notJoined.UUID), 'a signed-in user who never joined is not listed');
    assert.equal(new Set(users.map((u: Frame) => u.UUID)).size, users.length, 'each user listed once');
  });

  it('lists a user with two joined connections once, until the last one closes', TEST, async () => {
    const a = await h.namedUser('jtwo');
    const a2 = await h.connectAs(a.client);
    const observer = await h.namedUser('jobserver');
    await joined(a.client, 0);
    await joined(a2, 0);
    const both = await joined(observer.client, 0);
    assert.deepEqual(
      both.channelJoin.users.filter((u: Frame) => u.UUID === a.UUID),
      [{ UUID: a.UUID, username: a.username }],
    );

    a.client.close();
    await a.client.closed;
    // a2 is still joined: whenever the first close has been processed, a stays listed.
    for (let i = 0; i < 5; i++) {
      const reply = await joined(observer.client, 0);
      assert.ok(
        reply.channelJoin.users.some((u: Frame) => u.UUID === a.UUID),
        `poll ${i}: a is still joined via a2`,
      );
      await sleep(50);
    }

    a2.close();
    await a2.closed;
    assert.equal(
      await pollListedInPublic(observer.client, a.UUID, false),
      false,
      'a user whose connections all closed leaves the public users list',
    );
  });

  it('drops a user from the public users list when their only joined connection signs out', TEST, async () => {
    const a = await h.namedUser('jsignout');
    const observer = await h.namedUser('jobserver');
    await joined(a.client, 0);
    assert.ok((await joined(observer.client, 0)).channelJoin.users.some((u: Frame) => u.UUID === a.UUID));
    const out = await a.client.authed({ type: 'signOut' });
    assert.equal(out.type, 'unauthorized', JSON.stringify(out));
    assert.equal(
      await pollListedInPublic(observer.client, a.UUID, false),
      false,
      'a signed-out connection is no longer joined',
    );
  });

  it('lists both participants of a private channel', TEST, async () => {
    const a = await h.namedUser('jpair');
    const b = await h.namedUser('jpair');
    const expected = sortedUsers([
      { UUID: a.UUID, username: a.username },
      { UUID: b.UUID, username: b.username },
    ]);
    assert.deepEqual(sortedUsers((await joined(a.client, b.UUID)).channelJoin.users), expected);
    // b had not joined, and was listed all the same; b's side lists the same pair.
    assert.deepEqual(sortedUsers((await joined(b.client, a.UUID)).channelJoin.users), expected);
  });

  it('lists the user once in their own notes channel', TEST, async () => {
    const a = await h.namedUser('jnotes');
    const reply = await joined(a.client, a.UUID);
    assert.deepEqual(reply.channelJoin, { messages: [], users: [{ UUID: a.UUID, username: a.username }] });
  });
});

describe('channelJoin recipient errors', () => {
  it('answers error 8 for a UUID that names no user', TEST, async () => {
    const a = await h.namedUser('jerr');
    for (const recipientUUID of [randomUUID(), '00000000-0000-0000-0000-000000000000']) {
      const reply = await join(a.client, recipientUUID);
      assert.equal(reply.type, 'error', JSON.stringify(reply));
      assert.equal(reply.error.code, 8, JSON.stringify(reply));
    }
  });

  it('answers error 2 for a recipient that is not 0 or a UUID string', TEST, async () => {
    const a = await h.namedUser('jerr');
    for (const recipientUUID of ['abc', 5, true, 1, '', ' 0', '00', {}, [], a.UUID.replace(/-/g, '')]) {
      const reply = await join(a.client, recipientUUID);
      assert.equal(reply.type, 'error', `${JSON.stringify(recipientUUID)} → ${JSON.stringify(reply)}`);
      assert.equal(reply.error.code, 2, `${JSON.stringify(recipientUUID)} → ${JSON.stringify(reply)}`);
    }
    for (const channelJoin of [{}, { recipientUUID: null }]) {
      const reply = await a.client.authed({ type: 'channelJoin', channelJoin });
      assert.equal(reply.error?.code, 2, `${JSON.stringify(channelJoin)} → ${JSON.stringify(reply)}`);
    }
    const reply = await a.client.authed({ type: 'channelJoin' });
    assert.equal(reply.error?.code, 2, `no payload → ${JSON.stringify(reply)}`);
  });
});

describe('channelJoin pushes', () => {
  it('sends a message sent after the join response as a push exactly once', TEST, async () => {
    const a = await h.namedUser('jpush');
    const b = await h.namedUser('jpush');
    await joined(b.client, 0);
    const sent = await send(a.client, 0, 'after the join');
    await b.client.waitForPushes(1);
    await roundTrip(b.client);
    assert.deepEqual(b.client.pushes, [{ type: 'channelMessage', channelMessage: sent }]);
  });

  it('gives one push per message to a connection that joined twice', TEST, async () => {
    const a = await h.namedUser('jtwice');
    const b = await h.namedUser('jtwice');
    const witness = await h.namedUser('jtwice');
    await joined(b.client, 0);
    const again = await joined(b.client, '0');
    assert.ok(again.channelJoin.users.filter((u: Frame) => u.UUID === b.UUID).length === 1);
    await joined(witness.client, 0);
    const first = await send(a.client, 0, 'once 1');
    const second = await send(a.client, 0, 'once 2');
    await witness.client.waitForPushes(2);
    await roundTrip(b.client);
    assert.deepEqual(b.client.pushes, [
      { type: 'channelMessage', channelMessage: first },
      { type: 'channelMessage', channelMessage: second },
    ]);
  });

  it('gives one push per message to a connection that joined its private channel twice', TEST, async () => {
    const a = await h.namedUser('jtwicep');
    const b = await h.namedUser('jtwicep');
    const b2 = await h.connectAs(b.client);
    await joined(b.client, a.UUID);
    await joined(b.client, a.UUID.toUpperCase());
    await joined(b2, a.UUID);
    const sent = await send(a.client, b.UUID, 'private once');
    await b2.waitForPushes(1);
    await roundTrip(b.client);
    assert.deepEqual(b.client.pushes, [{ type: 'channelMessage', channelMessage: sent }]);
  });

  it('never sends a push before the join response, and loses none between history and pushes', TEST, async () => {
    const sender = await h.namedUser('jrace');
    await send(sender.client, 0, 'before the race');
    const count = 30;
    for (const joinAfter of [0, 3, 10, 20, 29]) {
      const reader = await h.namedUser('jrace');
      const sends: Promise<Frame>[] = [];
      for (let i = 0; i < count; i++) {
        sends.push(send(sender.client, 0, `race ${joinAfter}.${i}`));
        // Sent while the sender's messages are in flight.
        if (i === joinAfter) sends.push(joined(reader.client, 0));
      }
      const replies = await Promise.all(sends);
      const joinReply = replies[joinAfter + 1]!;
      const sent = replies.filter((_, i) => i !== joinAfter + 1);
      assert.equal(joinReply.type, 'channelJoin');

      // Where the join response's history ends, the pushes begin: every later message once, in order.
      const newestShown = joinReply.channelJoin.messages[0].UUID as string;
      const history = await sender.client.authed({
        type: 'channelMessages',
        channelMessages: { recipientUUID: 0, limit: 99 },
      });
      const chronological = [...history.channelMessages.messages].reverse();
      const shownAt = chronological.findIndex((m: Frame) => m.UUID === newestShown);
      assert.ok(shownAt >= 0, 'the join response shows messages from history');
      const expected = chronological.slice(shownAt + 1);
      assert.ok(expected.every((m: Frame) => sent.some((s) => s.UUID === m.UUID)));

      await reader.client.waitForPushes(expected.length, 15_000);
      await roundTrip(reader.client);
      assert.deepEqual(
        reader.client.pushes,
        expected.map((channelMessage: Frame) => ({ type: 'channelMessage', channelMessage })),
      );
      const responseAt = reader.client.frames.indexOf(joinReply);
      assert.ok(responseAt >= 0);
      const firstPushAt = reader.client.frames.findIndex((f) => f.type === 'channelMessage' && !('id' in f));
      if (firstPushAt !== -1) assert.ok(responseAt < firstPushAt, 'the join response precedes every push');
    }
  });

  it('joins that share one read of history still lose no message and repeat none', TEST, async () => {
    // Joins on a node share the latest page while no newer message is applied (actors/join-view.ts);
    // here many join at once, some between sends, so most are answered from a page another read.
    const sender = await h.namedUser('jshare');
    await send(sender.client, 0, 'before the joins');
    const readers = await Promise.all(Array.from({ length: 9 }, () => h.namedUser('jshare')));
    const joins: Promise<Frame>[] = [];
    const sends: Promise<Frame>[] = [];
    for (let i = 0; i < 24; i++) {
      sends.push(send(sender.client, 0, `shared ${i}`));
      // Three readers at a time, each joining once.
      if (i % 8 === 0)
        for (const reader of readers.slice((i / 8) * 3, (i / 8) * 3 + 3)) joins.push(joined(reader.client, 0));
    }
    const [joinReplies] = await Promise.all([Promise.all(joins), Promise.all(sends)]);
    const history = await sender.client.authed({
      type: 'channelMessages',
      channelMessages: { recipientUUID: 0, limit: 99 },
    });
    const chronological = [...history.channelMessages.messages].reverse();

    // What each reader was shown, then every push: the whole history, each message once.
    for (const reader of readers) {
      const join = reader.client.frames.find((f) => f.type === 'channelJoin');
      assert.ok(join && joinReplies.includes(join));
      const shownAt = chronological.findIndex((m: Frame) => m.UUID === join.channelJoin.messages[0].UUID);
      assert.ok(shownAt >= 0);
      const expected = chronological.slice(shownAt + 1);
      await reader.client.waitForPushes(expected.length, 15_000);
      await roundTrip(reader.client);
      assert.deepEqual(
        reader.client.pushes.map((push) => push.channelMessage.UUID),
        expected.map((message: Frame) => message.UUID),
      );
    }
  });
});
