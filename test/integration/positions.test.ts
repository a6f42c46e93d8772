/**
 * Protocol 1.1 positions and cursors: every message object carries `seq`,
 * its 1-based position in its channel's history — in responses, pushes,
 * join lists and history pages alike — with no gaps, and `messagesTotal` is
 * the newest seq. `channelMessages.before` / `.after` page by seq, newest
 * first, and a cursor page never shifts while new messages arrive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joined, send } from '../helpers/chat.js';
import type { ChatClient, Frame } from '../helpers/client.js';
import { TEST, useHarness } from '../helpers/harness.js';

const h = useHarness({ RATE_LIMIT_PER_SEC: '1000' });

const seqs = (messages: Frame[]): number[] => messages.map((m) => m.seq);
/** from, from - 1, …, to (newest first, as pages list). */
const down = (from: number, to: number): number[] => Array.from({ length: from - to + 1 }, (_, i) => from - i);
/** from, from + 1, …, to. */
const up = (from: number, to: number): number[] => down(to, from).reverse();

/** A page of channelMessages with `page`'s fields; returns the whole reply. */
const page = (client: ChatClient, recipientUUID: unknown, fields: Frame): Promise<Frame> =>
  client.authed({ type: 'channelMessages', channelMessages: { recipientUUID, ...fields } });

/** The seqs of a page that must succeed, and its messagesTotal. */
async function pageSeqs(client: ChatClient, recipientUUID: unknown, fields: Frame): Promise<[number, number[]]> {
  const reply = await page(client, recipientUUID, fields);
  assert.equal(reply.type, 'channelRead', JSON.stringify(reply));
  assert.equal(reply.channelMessages.messagesReceived, reply.channelMessages.messages.length);
  return [reply.channelMessages.messagesTotal, seqs(reply.channelMessages.messages)];
}

/** Two users and a private channel of 25 messages, sent by both in turn; seq n is text `m<n>`. */
async function conversation(): Promise<{
  a: ChatClient;
  b: ChatClient;
  /** b's UUID: the channel as a names it. */
  other: string;
  /** a's UUID: the channel as b names it. */
  self: string;
  sent: Frame[];
  watcher: ChatClient;
}> {
  const a = await h.namedUser('pos');
  const b = await h.namedUser('pos');
  const watcher = await h.connectAs(b.client);
  await joined(watcher, a.UUID);
  const sent: Frame[] = [];
  for (let n = 1; n <= 25; n++) {
    sent.push(n % 2 ? await send(a.client, b.UUID, `m${n}`) : await send(b.client, a.UUID, `m${n}`));
  }
  return { a: a.client, b: b.client, other: b.UUID, self: a.UUID, sent, watcher };
}

describe('seq', () => {
  it('numbers a channel’s messages 1..N in responses, pushes, join lists and history pages alike', TEST, async () => {
    const { a, other, sent, watcher } = await conversation();
    assert.deepEqual(seqs(sent), up(1, 25));
    assert.deepEqual(
      sent.map((m) => m.message),
      up(1, 25).map((n) => `m${n}`),
    );
    // b's second connection: it gets every message pushed, b's own from b's other connection included.
    const pushes = await watcher.waitForPushes(25);
    assert.deepEqual(
      pushes.map((p) => p.channelMessage.seq),
      up(1, 25),
    );
    const join = await joined(a, other);
    assert.deepEqual(seqs(join.channelJoin.messages), down(25, 16));
    assert.deepEqual(await pageSeqs(a, other, { offset: 0, limit: 99 }), [25, down(25, 1)]);
    assert.deepEqual(
      (await page(a, other, { offset: 0, limit: 99 })).channelMessages.messages.map((m: Frame) => m.message),
      down(25, 1).map((n) => `m${n}`),
      'seq n is the n-th message stored',
    );
  });

  it('makes messagesTotal the newest seq, and counts each channel on its own', TEST, async () => {
    const { a, other } = await conversation();
    const notes = await h.namedUser('pos');
    const note = await send(notes.client, notes.UUID, 'a note');
    assert.equal(note.seq, 1, 'a new channel starts at 1');
    const [total, newest] = await pageSeqs(a, other, { limit: 1 });
    assert.equal(total, 25);
    assert.deepEqual(newest, [25]);
  });
});

describe('cursor paging', () => {
  it('pages by seq at the edges: after 0, before 1, before past the end, after the newest', TEST, async () => {
    const { a, other } = await conversation();
    assert.deepEqual(await pageSeqs(a, other, { after: 0, limit: 10 }), [25, down(10, 1)]);
    assert.deepEqual(await pageSeqs(a, other, { after: 20, limit: 10 }), [25, down(25, 21)]);
    assert.deepEqual(await pageSeqs(a, other, { after: 25 }), [25, []]);
    assert.deepEqual(await pageSeqs(a, other, { after: 1000 }), [25, []]);
    assert.deepEqual(await pageSeqs(a, other, { before: 1 }), [25, []]);
    assert.deepEqual(await pageSeqs(a, other, { before: 2 }), [25, [1]]);
    assert.deepEqual(await pageSeqs(a, other, { before: 26, limit: 5 }), [25, down(25, 21)]);
    assert.deepEqual(await pageSeqs(a, other, { before: Number.MAX_SAFE_INTEGER, limit: 3 }), [25, down(25, 23)]);
    assert.deepEqual(await pageSeqs(a, other, { before: 13 }), [25, down(12, 3)], 'default limit 10');
    assert.deepEqual(await pageSeqs(a, other, { before: 13, limit: 99 }), [25, down(12, 1)]);
    assert.deepEqual(await pageSeqs(a, other, { after: 3, limit: 1 }), [25, [4]]);
    assert.deepEqual(await pageSeqs(a, other, { before: 13, offset: 0 }), [25, down(12, 3)], 'offset 0 is no offset');
  });

  it(
    'answers 2 for a cursor out of range, or for more than one of before, after and a non-zero offset',
    TEST,
    async () => {
      const { a, other } = await conversation();
      const invalid: Frame[] = [
        { before: 0 },
        { before: -1 },
        { after: -1 },
        { before: 1.5 },
        { after: '3' },
        { before: Number.MAX_SAFE_INTEGER + 2 },
        { before: 5, after: 2 },
        { before: 5, offset: 3 },
        { after: 5, offset: 1 },
        { before: 5, limit: 0 },
        { after: 5, limit: 100 },
      ];
      for (const fields of invalid) {
        const reply = await page(a, other, fields);
        assert.equal(reply.error?.code, 2, `${JSON.stringify(fields)}: ${JSON.stringify(reply)}`);
      }
      assert.deepEqual(await pageSeqs(a, other, { before: null, after: null, offset: 2 }), [25, down(23, 14)]);
    },
  );

  it(
    'gives the same page for a cursor while 50 messages arrive between two pages (an offset would shift)',
    TEST,
    async () => {
      const { a, b, other, self } = await conversation();
      const [, first] = await pageSeqs(a, other, { limit: 10 });
      assert.deepEqual(first, down(25, 16));
      for (let i = 0; i < 50; i++) await send(b, self, `late ${i}`);
      const [total, next] = await pageSeqs(a, other, { before: first.at(-1)!, limit: 10 });
      assert.equal(total, 75);
      assert.deepEqual(next, down(15, 6), 'the page after the first, whatever arrived since');
      const [, byOffset] = await pageSeqs(a, other, { offset: 10, limit: 10 });
      assert.deepEqual(byOffset, down(65, 56), 'an offset counts from the newest, and so shifted');
    },
  );
});
