import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { joined, pushOf, roundTrip, send } from '../helpers/chat.js';
import type { ChatClient, Frame } from '../helpers/client.js';
import { TEST, useHarness } from '../helpers/harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MESSAGE_KEYS = ['UUID', 'createdAt', 'message', 'recipientUUID', 'senderUUID', 'seq'];

// The 200-message test pipelines far past the default per-connection rate limit.
const h = useHarness({ RATE_LIMIT_PER_SEC: '10000', RATE_LIMIT_BURST: '10000' });

const sendRequest = (client: ChatClient, recipientUUID: unknown, message: unknown): Promise<Frame> =>
  client.authed({ type: 'channelMessage', channelMessage: { recipientUUID, message } });

async function history(client: ChatClient, recipientUUID: unknown, offset: number, limit: number): Promise<Frame> {
  const reply = await client.authed({ type: 'channelMessages', channelMessages: { recipientUUID, offset, limit } });
  assert.equal(reply.type, 'channelRead', JSON.stringify(reply));
  return reply.channelMessages;
}

/** Checks a response payload's shape and returns it. */
function assertMessageShape(message: Frame): void {
  assert.deepEqual(Object.keys(message).sort(), MESSAGE_KEYS);
  assert.match(message.UUID, UUID);
  assert.match(message.senderUUID, UUID);
  assert.match(message.createdAt, ISO);
}

describe('channelMessage response', () => {
  it('answers a public message with {UUID, senderUUID, recipientUUID: 0, message, createdAt}', TEST, async () => {
    const a = await h.user('msender');
    const seqs: number[] = [];
    for (const recipientUUID of [0, '0']) {
      const reply = await sendRequest(a, recipientUUID, 'hello public');
      assert.deepEqual(Object.keys(reply).sort(), ['channelMessage', 'id', 'type']);
      assert.equal(reply.type, 'channelMessage');
      const message = reply.channelMessage;
      assertMessageShape(message);
      assert.deepEqual(message, {
        UUID: message.UUID,
        senderUUID: a.auth.userUUID,
        recipientUUID: 0,
        message: 'hello public',
        createdAt: message.createdAt,
        seq: message.seq,
      });
      seqs.push(message.seq);
      const drift = Math.abs(Date.parse(message.createdAt) - Date.now());
      assert.ok(drift < 10 * 60_000, `createdAt is about now: ${message.createdAt}`);
    }
    const total = (await a.authed({ type: 'channelMessages', channelMessages: { recipientUUID: 0, limit: 1 } }))
      .channelMessages.messagesTotal;
    assert.deepEqual(seqs, [total - 1, total], 'seq is the message’s position in history');
  });

  it('answers a private message with the recipient as a UUID string', TEST, async () => {
    const a = await h.user('msender');
    const b = await h.user('mreceiver');
    const message = await send(a, b.auth.userUUID, 'hello b');
    assertMessageShape(message);
    assert.deepEqual(message, {
      UUID: message.UUID,
      senderUUID: a.auth.userUUID,
      recipientUUID: b.auth.userUUID,
      message: 'hello b',
      createdAt: message.createdAt,
      seq: 1,
    });
  });

  it('issues a distinct UUID per message', TEST, async () => {
    const a = await h.user('muuid');
    const uuids = new Set<string>();
    for (let i = 0; i < 20; i++) uuids.add((await send(a, 0, `distinct ${i}`)).UUID);
    assert.equal(uuids.size, 20);
  });

  it('stores and echoes the message exactly as sent (unicode, emoji, quotes, newlines, padding)', TEST, async () => {
    const a = await h.user('mexact');
    const b = await h.user('mexact');
    await joined(b, 0);
    const texts = [
      'Zoë señor 日本語 עברית',
      '👍🏽 👨‍👩‍👧 🏳️‍🌈 😀',
      `"double" 'single' \`back\` \\ backslash \\" escaped`,
      'line one\nline two\r\nline three\ttabbed',
      '  padded both sides  ',
      '{"type":"channelMessage","id":"x"}',
      '</script><b>bold</b> &amp;',
      'separators \u2028 \u2029 and nul-free \u0007 bell',
      'zero width\u200bspace',
      '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral',
      'pipes | in || the | text |',
    ];
    const sent: Frame[] = [];
    for (const text of texts) {
      const message = await send(a, 0, text);
      assert.equal(message.message, text);
      sent.push(message);
    }
    await b.waitForPushes(texts.length);
    assert.deepEqual(
      b.pushes.map((p) => p.channelMessage.message),
      texts,
    );
    assert.deepEqual(b.pushes, sent.map(pushOf));
    const page = await history(a, 0, 0, texts.length);
    assert.deepEqual(page.messages, [...sent].reverse());
  });
});

describe('channelMessage pushes', () => {
  it(
    "pushes to every other joined connection, the sender's other connection included, not the sending one",
    TEST,
    async () => {
      const a1 = await h.user('mfan');
      const a2 = await h.connectAs(a1);
      const b = await h.user('mfan');
      await joined(a1, 0);
      await joined(a2, 0);
      await joined(b, 0);
      const sent = await send(a1, 0, 'fan-out');
      await a2.waitForPushes(1);
      await b.waitForPushes(1);
      await roundTrip(a1);
      assert.deepEqual(a2.pushes, [pushOf(sent)]);
      assert.deepEqual(b.pushes, [pushOf(sent)]);
      assert.deepEqual(a1.pushes, [], 'the sending connection gets its response, not a push');
      const pushFrame = a2.frames.find((f) => f.type === 'channelMessage');
      assert.deepEqual(Object.keys(pushFrame!).sort(), ['channelMessage', 'type'], 'a push carries no id');
    },
  );

  it('does not push to connections that did not join, whether signed in or the sender’s own', TEST, async () => {
    const a = await h.user('mnojoin');
    const a2 = await h.connectAs(a);
    const c = await h.user('mnojoin');
    const anonymous = await h.connect();
    const witness = await h.user('mwitness');
    await joined(witness, 0);
    await roundTrip(a2); // binds a2 to a, without joining
    const sent = await send(a, 0, 'only for the joined');
    await witness.waitForPushes(1);
    assert.deepEqual(witness.pushes, [pushOf(sent)]);
    await roundTrip(a);
    await roundTrip(a2);
    await roundTrip(c);
    const probe = await anonymous.request({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
    assert.equal(probe.error?.code, 5);
    for (const client of [a, a2, c, anonymous]) assert.deepEqual(client.pushes, []);
  });

  it('sends without a prior join, publicly and privately, and still pushes to the joined', TEST, async () => {
    const a = await h.user('mnoprior');
    const b = await h.user('mnoprior');
    await joined(b, 0);
    await joined(b, a.auth.userUUID);
    const publicMessage = await send(a, 0, 'never joined, public');
    const privateMessage = await send(a, b.auth.userUUID, 'never joined, private');
    await b.waitForPushes(2);
    assert.deepEqual(b.pushes, [pushOf(publicMessage), pushOf(privateMessage)]);
    assert.deepEqual((await history(b, a.auth.userUUID, 0, 1)).messages, [privateMessage]);
  });
});

describe('channelMessage text rules', () => {
  it('rejects empty, white-space-only and over-long messages with error 2, storing nothing', TEST, async () => {
    const a = await h.user('mrules');
    const b = await h.user('mrules');
    const before = (await history(a, b.auth.userUUID, 0, 1)).messagesTotal;
    const cases: unknown[] = [
      '',
      '   ',
      '\n\t \r\n',
      '\u00a0\u3000\ufeff', // white space by JavaScript trim() rules
      'x'.repeat(4097),
      '😀'.repeat(4097),
      42,
      null,
      ['hi'],
      { text: 'hi' },
    ];
    for (const message of cases) {
      const reply = await sendRequest(a, b.auth.userUUID, message);
      const label = `${JSON.stringify(message).slice(0, 40)} → ${JSON.stringify(reply).slice(0, 200)}`;
      assert.equal(reply.type, 'error', label);
      assert.equal(reply.error.code, 2, label);
    }
    const missing = await a.authed({ type: 'channelMessage', channelMessage: { recipientUUID: b.auth.userUUID } });
    assert.equal(missing.error?.code, 2);
    assert.equal((await history(a, b.auth.userUUID, 0, 1)).messagesTotal, before);
  });

  it('accepts exactly 4096 code points, counting an emoji as one', TEST, async () => {
    const a = await h.user('mlimit');
    const b = await h.user('mlimit');
    await joined(b, 0);
    const emoji = '😀'.repeat(4096);
    const letters = 'y'.repeat(4096);
    const first = await send(a, 0, emoji);
    const second = await send(a, 0, letters);
    assert.equal(first.message, emoji);
    assert.equal(second.message, letters);
    await b.waitForPushes(2);
    assert.deepEqual(b.pushes, [pushOf(first), pushOf(second)]);
    assert.deepEqual((await history(a, 0, 0, 2)).messages, [second, first]);
  });

  it('answers 2 for a non-UUID recipient and 8 for an unknown one', TEST, async () => {
    const a = await h.user('mrecipient');
    for (const recipientUUID of ['abc', 5, true, null, '']) {
      const reply = await sendRequest(a, recipientUUID, 'hi');
      assert.equal(reply.error?.code, 2, `${JSON.stringify(recipientUUID)} → ${JSON.stringify(reply)}`);
    }
    const reply = await sendRequest(a, randomUUID(), 'hi');
    assert.equal(reply.error?.code, 8, JSON.stringify(reply));
  });
});

describe('channelMessage order', () => {
  it('delivers 200 pipelined messages to 3 receivers in one order, the order of history and of sending', {
    timeout: 120_000,
  }, async () => {
    const count = 200;
    const sender = await h.user('mpipe');
    const receivers = [await h.user('mpipe'), await h.user('mpipe'), await h.user('mpipe')];
    for (const receiver of receivers) await joined(receiver, 0);

    const texts = Array.from({ length: count }, (_, i) => `pipelined ${i}`);
    const pending = texts.map((text) => sendRequest(sender, 0, text)); // all sent before any answer
    const replies = await Promise.all(pending);
    for (const reply of replies) assert.equal(reply.type, 'channelMessage', JSON.stringify(reply));
    const sent = replies.map((reply) => reply.channelMessage);

    // The sender's responses came back in send order.
    assert.deepEqual(
      sent.map((m) => m.message),
      texts,
    );
    const positions = replies.map((reply) => sender.frames.indexOf(reply));
    assert.ok(
      positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!)),
      'responses in send order',
    );

    for (const receiver of receivers) await receiver.waitForPushes(count, 60_000);
    await roundTrip(sender);
    for (const receiver of receivers) await roundTrip(receiver);
    const orders = receivers.map((receiver) => receiver.pushes.map((p) => p.channelMessage));
    assert.deepEqual(orders[1], orders[0]);
    assert.deepEqual(orders[2], orders[0]);
    assert.deepEqual(orders[0], sent, 'pushed in send order, each exactly once');
    assert.deepEqual(sender.pushes, []);

    // History, read in pages of 99, holds them in the same order.
    const newestFirst: Frame[] = [];
    for (let offset = 0; offset < count; offset += 99) {
      const page = await history(sender, 0, offset, 99);
      newestFirst.push(...page.messages);
    }
    assert.ok(newestFirst.length >= count);
    assert.equal(new Set(newestFirst.map((m) => m.UUID)).size, newestFirst.length, 'no page overlaps another');
    assert.deepEqual(newestFirst.slice(0, count).reverse(), sent);
  });

  it('never answers a joined sender before pushing it every earlier message', { timeout: 120_000 }, async () => {
    // A joined sender is answered only once this node has pushed every earlier message
    // (channel-message.ts waits for its own push), pushes being written at the end of their turn.
    const count = 60;
    const senders = [await h.user('minter'), await h.user('minter'), await h.user('minter')];
    for (const sender of senders) await joined(sender, 0);
    const replies = await Promise.all(
      senders.flatMap((sender, s) =>
        Array.from({ length: count }, (_, i) => sendRequest(sender, 0, `interleaved ${s}.${i}`)),
      ),
    );
    const sentUUIDs = new Set(replies.map((reply) => reply.channelMessage.UUID as string));
    for (const sender of senders) await sender.waitForPushes(2 * count, 60_000);

    const newestFirst: Frame[] = [];
    for (let offset = 0; offset < 3 * count; offset += 99)
      newestFirst.push(...(await history(senders[0]!, 0, offset, 99)).messages);
    const historyOrder = newestFirst
      .reverse()
      .map((m) => m.UUID as string)
      .filter((uuid) => sentUUIDs.has(uuid));
    assert.equal(historyOrder.length, 3 * count);
    const rank = new Map(historyOrder.map((uuid, i) => [uuid, i]));
    for (const sender of senders) {
      const seen = sender.frames
        .filter((f) => f.type === 'channelMessage' && sentUUIDs.has(f.channelMessage.UUID))
        .map((f) => ({ rank: rank.get(f.channelMessage.UUID)!, isReply: 'id' in f }));
      const pushRanks = seen.filter((f) => !f.isReply).map((f) => f.rank);
      assert.deepEqual(
        pushRanks,
        [...pushRanks].sort((x, y) => x - y),
        'pushes in history order',
      );
      // A later message may be pushed before an earlier reply (sends are pipelined), never the other way round.
      const own = new Set(seen.filter((f) => f.isReply).map((f) => f.rank));
      const pushedSoFar = new Set<number>();
      for (const frame of seen) {
        if (!frame.isReply) {
          pushedSoFar.add(frame.rank);
          continue;
        }
        for (let earlier = 0; earlier < frame.rank; earlier++) {
          if (own.has(earlier)) continue;
          assert.ok(pushedSoFar.has(earlier), `the reply to message ${frame.rank} came before the push of ${earlier}`);
        }
      }
    }
  });
});
