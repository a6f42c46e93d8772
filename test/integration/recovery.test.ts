/**
 * Protocol 1.1 recovery: `channelJoin.since` answers with the messages after
 * `since` — all of them when there are at most 100 (`recovered: true`),
 * else the newest 100 (`recovered: false`), and the client pages the rest
 * with `before` — and the join response and the pushes after it carry every
 * message newer than `since` exactly once, also while other joins, with and
 * without `since`, share the node's page.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { send } from '../helpers/chat.js';
import type { ChatClient, Frame } from '../helpers/client.js';
import { TEST, useHarness } from '../helpers/harness.js';

const h = useHarness({ RATE_LIMIT_PER_SEC: '10000', RATE_LIMIT_BURST: '10000' });

const seqs = (messages: Frame[]): number[] => messages.map((m) => m.seq);
const down = (from: number, to: number): number[] => Array.from({ length: from - to + 1 }, (_, i) => from - i);

const join = (client: ChatClient, recipientUUID: unknown, since?: unknown): Promise<Frame> =>
  client.authed({ type: 'channelJoin', channelJoin: { recipientUUID, ...(since === undefined ? {} : { since }) } });

/** A private channel holding `count` messages; the reader is its other participant, on its own connection. */
async function channelWith(
  count: number,
): Promise<{ sender: ChatClient; reader: ChatClient; other: string; self: string }> {
  const a = await h.namedUser('rec');
  const b = await h.namedUser('rec');
  // Pipelined, then awaited in order: quick, and stored in send order.
  const replies: Promise<Frame>[] = [];
  for (let n = 1; n <= count; n++) {
    replies.push(
      a.client.authed({ type: 'channelMessage', channelMessage: { recipientUUID: b.UUID, message: `m${n}` } }),
    );
  }
  for (const reply of await Promise.all(replies)) assert.equal(reply.type, 'channelMessage', JSON.stringify(reply));
  return { sender: a.client, reader: await h.connectAs(b.client), other: a.UUID, self: b.UUID };
}

describe('channelJoin since', () => {
  it('answers since 0 with every message when there are at most 100, recovered', TEST, async () => {
    const { reader, other } = await channelWith(30);
    const reply = await join(reader, other, 0);
    assert.deepEqual(Object.keys(reply.channelJoin).sort(), ['messages', 'recovered', 'users']);
    assert.equal(reply.channelJoin.recovered, true);
    assert.deepEqual(seqs(reply.channelJoin.messages), down(30, 1));
    assert.ok('created_at' in reply.channelJoin.messages[0], 'join lists keep created_at');
  });

  it('answers a since in the middle with exactly the messages after it, recovered', TEST, async () => {
    const { reader, other } = await channelWith(30);
    const reply = await join(reader, other, 12);
    assert.equal(reply.channelJoin.recovered, true);
    assert.deepEqual(seqs(reply.channelJoin.messages), down(30, 13));
    assert.deepEqual(
      reply.channelJoin.messages.map((m: Frame) => m.message),
      down(30, 13).map((n) => `m${n}`),
    );
  });

  it('answers a since at the newest with no messages, recovered', TEST, async () => {
    const { reader, other } = await channelWith(5);
    const reply = await join(reader, other, 5);
    assert.deepEqual(reply.channelJoin.messages, []);
    assert.equal(reply.channelJoin.recovered, true);
  });

  it(
    'answers 250 missed with the newest 100, not recovered; paging with before then fills exactly the gap',
    TEST,
    async () => {
      const { reader, other } = await channelWith(300);
      const reply = await join(reader, other, 50);
      assert.equal(reply.channelJoin.recovered, false);
      assert.deepEqual(seqs(reply.channelJoin.messages), down(300, 201));
      const filled: Frame[] = [];
      let before = 201;
      for (let pages = 0; pages < 10 && before > 51; pages++) {
        const page = await reader.authed({
          type: 'channelMessages',
          channelMessages: { recipientUUID: other, before, limit: 99 },
        });
        const messages = page.channelMessages.messages.filter((m: Frame) => m.seq > 50);
        filled.push(...messages);
        before = messages.at(-1)?.seq ?? 0;
      }
      assert.deepEqual(seqs(filled), down(200, 51), 'the gap, once, newest first');
    },
  );

  it(
    'answers a since above the newest (state this server never had) with the newest, not recovered',
    TEST,
    async () => {
      const { reader, other } = await channelWith(12);
      const reply = await join(reader, other, 40);
      assert.equal(reply.channelJoin.recovered, false);
      assert.deepEqual(seqs(reply.channelJoin.messages), down(12, 1));
      const many = await channelWith(130);
      const far = await join(many.reader, many.other, 1000);
      assert.equal(far.channelJoin.recovered, false);
      assert.deepEqual(seqs(far.channelJoin.messages), down(130, 31));
    },
  );

  it('answers without since as the seed does: the latest 10, no recovered', TEST, async () => {
    const { reader, other } = await channelWith(15);
    for (const since of [undefined, null]) {
      const reply = await join(reader, other, since);
      assert.deepEqual(Object.keys(reply.channelJoin).sort(), ['messages', 'users']);
      assert.deepEqual(seqs(reply.channelJoin.messages), down(15, 6));
    }
  });

  it('answers 2 for a since that is not an integer ≥ 0', TEST, async () => {
    const { reader, other } = await channelWith(1);
    for (const since of [-1, 1.5, '3', true, Number.MAX_SAFE_INTEGER + 2]) {
      const reply = await join(reader, other, since);
      assert.equal(reply.error?.code, 2, `since ${JSON.stringify(since)}: ${JSON.stringify(reply)}`);
    }
  });

  it('pushes after the response every message newer than what it showed, once', TEST, async () => {
    const { sender, reader, other, self } = await channelWith(20);
    const reply = await join(reader, other, 15);
    for (let n = 21; n <= 25; n++) await send(sender, self, `m${n}`);
    const pushes = await reader.waitForPushes(5);
    assert.deepEqual(
      [...seqs(reply.channelJoin.messages).reverse(), ...pushes.map((p) => p.channelMessage.seq)],
      [16, 17, 18, 19, 20, 21, 22, 23, 24, 25],
    );
  });

  it('gives joins with and without since, racing messages on one node, every message after their point once', {
    timeout: 120_000,
  }, async () => {
    const { sender, self } = await channelWith(40);
    // The sender's other connections: every message is pushed to them. Half ask with since.
    const readers: { client: ChatClient; since: number | undefined }[] = [];
    for (let i = 0; i < 12; i++)
      readers.push({ client: await h.connectAs(sender), since: i % 2 === 0 ? 10 + i : undefined });
    const sending = (async () => {
      for (let n = 41; n <= 70; n++) await send(sender, self, `m${n}`);
    })();
    const replies = await Promise.all(readers.map((reader) => join(reader.client, self, reader.since)));
    await sending;
    for (const [i, reply] of replies.entries()) {
      assert.equal(reply.type, 'channelJoin', JSON.stringify(reply));
      const shown = seqs(reply.channelJoin.messages).reverse();
      const from = readers[i]!.since ?? shown[0]! - 1;
      const expected = Array.from({ length: 70 - from }, (_, k) => from + 1 + k);
      const count = expected.length - shown.length;
      const pushes = await readers[i]!.client.waitForPushes(count);
      const seen = [...shown, ...pushes.map((p) => p.channelMessage.seq)];
      assert.deepEqual(seen, expected, `reader ${i} (since ${readers[i]!.since})`);
    }
  });
});
