import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { send } from '../helpers/chat.js';
import type { ChatClient, Frame } from '../helpers/client.js';
import { TEST, useHarness } from '../helpers/harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MESSAGE_KEYS = ['UUID', 'createdAt', 'message', 'recipientUUID', 'senderUUID', 'seq'];

const h = useHarness();

const read = (client: ChatClient, channelMessages: Frame): Promise<Frame> =>
  client.authed({ type: 'channelMessages', channelMessages });

async function page(client: ChatClient, channelMessages: Frame): Promise<Frame> {
  const reply = await read(client, channelMessages);
  assert.equal(reply.type, 'channelRead', JSON.stringify(reply));
  return reply.channelMessages;
}

/** A fresh pair of users and `count` messages between them, alternating senders, in send order. */
async function conversation(prefix: string, count: number): Promise<{ a: ChatClient; b: ChatClient; sent: Frame[] }> {
  const a = await h.user(prefix);
  const b = await h.user(prefix);
  const sent: Frame[] = [];
  for (let i = 0; i < count; i++) {
    sent.push(
      i % 2 === 0 ? await send(a, b.auth.userUUID, `a says ${i}`) : await send(b, a.auth.userUUID, `b says ${i}`),
    );
  }
  return { a, b, sent };
}

describe('channelMessages response', () => {
  it(
    'answers type channelRead with {messagesTotal, messagesReceived, messages} under channelMessages',
    TEST,
    async () => {
      const { a, b, sent } = await conversation('hshape', 3);
      const reply = await read(a, { recipientUUID: b.auth.userUUID });
      assert.deepEqual(Object.keys(reply).sort(), ['channelMessages', 'id', 'type']);
      assert.equal(typeof reply.id, 'string');
      const { id: _id, ...rest } = reply;
      assert.deepEqual(rest, {
        type: 'channelRead',
        channelMessages: { messagesTotal: 3, messagesReceived: 3, messages: [...sent].reverse() },
      });
      for (const entry of reply.channelMessages.messages) {
        assert.deepEqual(Object.keys(entry).sort(), MESSAGE_KEYS);
        assert.match(entry.UUID, UUID);
        assert.match(entry.createdAt, ISO);
        assert.equal(typeof entry.recipientUUID, 'string');
      }
    },
  );

  it('writes the public recipient as the number 0, for 0 and "0" alike', TEST, async () => {
    const a = await h.user('hpublic');
    const sent = await send(a, '0', 'public entry');
    for (const recipientUUID of [0, '0']) {
      const result = await page(a, { recipientUUID, limit: 1 });
      assert.deepEqual(result.messages, [sent]);
      assert.equal(result.messages[0].recipientUUID, 0);
      assert.equal(result.messagesReceived, 1);
      assert.ok(result.messagesTotal >= 1);
    }
  });

  it(
    'gives back a text with quotes, backslashes, slashes, control characters and non-ASCII exactly as sent',
    TEST,
    async () => {
      const a = await h.user('htext');
      const b = await h.user('htext');
      const text = 'say "hi" \\ a/b </script> \t tab \u0001 ünï 日本 😀 \u2028 end';
      const sent = await send(a, b.auth.userUUID, text);
      for (const channelMessages of [
        { recipientUUID: b.auth.userUUID },
        { recipientUUID: b.auth.userUUID, after: 0 },
      ]) {
        const result = await page(a, channelMessages);
        assert.deepEqual(result.messages, [sent]);
        assert.equal(result.messages[0].message, text);
      }
    },
  );

  it('answers an empty channel with a zero total and no messages', TEST, async () => {
    const a = await h.user('hempty');
    const b = await h.user('hempty');
    assert.deepEqual(await page(a, { recipientUUID: b.auth.userUUID }), {
      messagesTotal: 0,
      messagesReceived: 0,
      messages: [],
    });
  });
});

describe('channelMessages paging', () => {
  it('defaults to offset 0 and limit 10, newest first (absent or null alike)', TEST, async () => {
    const { a, b, sent } = await conversation('hdefault', 12);
    const expected = { messagesTotal: 12, messagesReceived: 10, messages: sent.slice(-10).reverse() };
    assert.deepEqual(await page(a, { recipientUUID: b.auth.userUUID }), expected);
    assert.deepEqual(await page(a, { recipientUUID: b.auth.userUUID, offset: null, limit: null }), expected);
    assert.deepEqual(await page(a, { recipientUUID: b.auth.userUUID, offset: 0, limit: 10 }), expected);
  });

  it('honours offset and the limits 1 and 99', TEST, async () => {
    const { a, b, sent } = await conversation('hbounds', 12);
    const newestFirst = [...sent].reverse();
    assert.deepEqual(await page(a, { recipientUUID: b.auth.userUUID, offset: 3, limit: 1 }), {
      messagesTotal: 12,
      messagesReceived: 1,
      messages: [newestFirst[3]],
    });
    assert.deepEqual(await page(a, { recipientUUID: b.auth.userUUID, limit: 99 }), {
      messagesTotal: 12,
      messagesReceived: 12,
      messages: newestFirst,
    });
    assert.deepEqual(await page(a, { recipientUUID: b.auth.userUUID, offset: 10, limit: 5 }), {
      messagesTotal: 12,
      messagesReceived: 2,
      messages: newestFirst.slice(10),
    });
  });

  it('answers an offset at or beyond the total with an empty page and the right total', TEST, async () => {
    const { a, b } = await conversation('hbeyond', 5);
    for (const offset of [5, 6, 1000, 2 ** 31]) {
      assert.deepEqual(
        await page(a, { recipientUUID: b.auth.userUUID, offset, limit: 10 }),
        { messagesTotal: 5, messagesReceived: 0, messages: [] },
        `offset ${offset}`,
      );
    }
  });

  it('walks 25 messages in pages of 4 with no gap or duplicate, the reverse of send order', TEST, async () => {
    const { a, b, sent } = await conversation('hwalk', 25);
    const walked: Frame[] = [];
    for (let offset = 0, pages = 0; pages < 20; offset += 4, pages++) {
      const result = await page(a, { recipientUUID: b.auth.userUUID, offset, limit: 4 });
      assert.equal(result.messagesTotal, 25);
      assert.equal(result.messagesReceived, result.messages.length);
      assert.equal(result.messagesReceived, Math.min(4, Math.max(0, 25 - offset)), `page at offset ${offset}`);
      if (result.messages.length === 0) break;
      walked.push(...result.messages);
    }
    assert.equal(walked.length, 25);
    assert.equal(new Set(walked.map((m) => m.UUID)).size, 25, 'no duplicate');
    assert.deepEqual(walked, [...sent].reverse());
  });

  it('rejects a limit of 0, 100, -1 or 2.5 and an offset of -1 with error 2', TEST, async () => {
    const { a, b } = await conversation('hinvalid', 1);
    const cases: Frame[] = [
      { limit: 0 },
      { limit: 100 },
      { limit: -1 },
      { limit: 2.5 },
      { limit: '5' },
      { limit: true },
      { offset: -1 },
      { offset: 1.5 },
      { offset: '1' },
      { offset: -1, limit: 100 },
    ];
    for (const fields of cases) {
      const reply = await read(a, { recipientUUID: b.auth.userUUID, ...fields });
      assert.equal(reply.type, 'error', `${JSON.stringify(fields)} → ${JSON.stringify(reply)}`);
      assert.equal(reply.error.code, 2, `${JSON.stringify(fields)} → ${JSON.stringify(reply)}`);
    }
  });
});

describe('channelMessages channels', () => {
  it('shows a private channel the same from both sides', TEST, async () => {
    const { a, b, sent } = await conversation('hsides', 7);
    const fromA = await page(a, { recipientUUID: b.auth.userUUID, limit: 99 });
    const fromB = await page(b, { recipientUUID: a.auth.userUUID, limit: 99 });
    assert.deepEqual(fromA, { messagesTotal: 7, messagesReceived: 7, messages: [...sent].reverse() });
    assert.deepEqual(fromB, fromA);
    // Each entry names the sender's counterpart as recipient.
    for (const entry of fromA.messages) {
      const other = entry.senderUUID === a.auth.userUUID ? b.auth.userUUID : a.auth.userUUID;
      assert.equal(entry.recipientUUID, other);
    }
    const upper = await page(b, { recipientUUID: a.auth.userUUID.toUpperCase(), limit: 99 });
    assert.deepEqual(upper, fromA, 'a UUID is matched case-insensitively');
  });

  it('keeps a user’s own notes apart from their other channels', TEST, async () => {
    const a = await h.user('hnotes');
    const b = await h.user('hnotes');
    const note = await send(a, a.auth.userUUID, 'note to self');
    await send(a, b.auth.userUUID, 'to b');
    assert.deepEqual(await page(a, { recipientUUID: a.auth.userUUID }), {
      messagesTotal: 1,
      messagesReceived: 1,
      messages: [note],
    });
    assert.equal(note.recipientUUID, a.auth.userUUID);
    assert.deepEqual(await page(b, { recipientUUID: b.auth.userUUID }), {
      messagesTotal: 0,
      messagesReceived: 0,
      messages: [],
    });
  });

  it('answers error 8 for an unknown recipient and 2 for a malformed one', TEST, async () => {
    const a = await h.user('hrecipient');
    assert.equal((await read(a, { recipientUUID: randomUUID() })).error?.code, 8);
    for (const recipientUUID of ['abc', 5, true, null]) {
      const reply = await read(a, { recipientUUID });
      assert.equal(reply.error?.code, 2, `${JSON.stringify(recipientUUID)} → ${JSON.stringify(reply)}`);
    }
    assert.equal((await read(a, {})).error?.code, 2);
  });
});
