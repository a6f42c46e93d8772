/**
 * Sends pipelined on one connection (many channelMessage requests in flight,
 * none waiting for the answer to the one before): answered in request order,
 * stored in it, pushed in it to every other joined connection exactly once —
 * on one Redis and on a cluster; a read among them sees every send before
 * it; repeats of one clientMessageId among them store one message; and with
 * Redis stopped in the middle, every request is still answered exactly once,
 * an error 11 stored nothing, and what was stored is in request order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatClient, Frame } from '../helpers/client.js';
import { sleep } from '../helpers/client.js';
import { history, REDIS_BACKENDS, useNodes } from '../helpers/nodes.js';

const SENDS = 200;
/** Room for the pipelined bursts under the per-connection rate limit. */
const ENV = { RATE_LIMIT_PER_SEC: '2000' };
/** Bounded waits on a loaded machine: 200 answers, a Redis restart. */
const REPLY_WAIT_MS = 30_000;

const sendBody = (recipientUUID: unknown, message: string, clientMessageId?: string): Frame => ({
  type: 'channelMessage',
  channelMessage: { recipientUUID, message, ...(clientMessageId === undefined ? {} : { clientMessageId }) },
});

/** Sends every body at once, without waiting; resolves with the replies in the order they arrived. */
async function pipelined(client: ChatClient, bodies: Frame[], prefix: string): Promise<Frame[]> {
  bodies.forEach((body, i) => {
    client.sendJson({ SUUID: client.sessionUUID, ...client.auth, id: `${prefix}${i}`, ...body });
  });
  const replies: Frame[] = [];
  for (let i = 0; i < bodies.length; i++) replies.push(await nextReply(client));
  return replies;
}

/** The next reply, waiting at most REPLY_WAIT_MS. */
function nextReply(client: ChatClient): Promise<Frame> {
  return Promise.race([
    client.nextReply(),
    sleep(REPLY_WAIT_MS).then(() => {
      throw new Error(`no reply within ${REPLY_WAIT_MS} ms`);
    }),
  ]);
}

async function join(client: ChatClient, recipientUUID: unknown): Promise<void> {
  const reply = await client.authed({ type: 'channelJoin', channelJoin: { recipientUUID } });
  assert.equal(reply.type, 'channelJoin', JSON.stringify(reply));
}

for (const backend of REDIS_BACKENDS) {
  describe(`pipelined sends (${backend})`, () => {
    const c = useNodes(2, ENV, backend);

    it('answers 200 pipelined sends in request order, stores them in it and pushes them in it to every other joined connection once', async () => {
      const sender = await c.user(0, 'pipe');
      const peer = await c.user(1, 'pipe');
      // Every other joined connection: the recipient on both nodes and the sender's second connection.
      const others = [peer.client, await c.connectAs(0, peer.client.auth), await c.connectAs(1, sender.client.auth)];
      for (const client of [sender.client, ...others])
        await join(client, client.auth.userUUID === sender.UUID ? peer.UUID : sender.UUID);

      const texts = Array.from({ length: SENDS }, (_, i) => `pipelined ${i}`);
      const replies = await pipelined(
        sender.client,
        texts.map((text) => sendBody(peer.UUID, text)),
        'p',
      );
      assert.deepEqual(
        replies.map((reply) => [reply.id, reply.type, reply.channelMessage?.message, reply.channelMessage?.seq]),
        texts.map((text, i) => [`p${i}`, 'channelMessage', text, i + 1]),
      );
      const stored = await history(sender.client, peer.UUID);
      assert.deepEqual(
        stored.map((m) => [m.seq, m.message, m.UUID]),
        replies.map((reply) => [reply.channelMessage.seq, reply.channelMessage.message, reply.channelMessage.UUID]),
      );
      for (const other of others) {
        const pushes = await other.waitForPushes(SENDS, REPLY_WAIT_MS);
        await sleep(200); // a duplicate would arrive right behind
        assert.deepEqual(
          other.pushes.map((push) => push.channelMessage.UUID),
          stored.map((m) => m.UUID),
        );
        assert.equal(pushes.length, SENDS);
      }
      assert.equal(sender.client.pushes.length, 0, 'the sending connection gets no push of its own messages');
    });

    it('lets a channelMessages read among pipelined sends see every send before it', async () => {
      const sender = await c.user(0, 'mixed');
      const peer = await c.user(1, 'mixed');
      const read: Frame = { type: 'channelMessages', channelMessages: { recipientUUID: peer.UUID, limit: 99 } };
      const bodies: Frame[] = [];
      for (let run = 0; run < 3; run++) {
        for (let i = 0; i < 10; i++) bodies.push(sendBody(peer.UUID, `run ${run} send ${i}`));
        bodies.push(read);
      }
      const replies = await pipelined(sender.client, bodies, 'x');
      assert.deepEqual(
        replies.map((reply) => reply.id),
        bodies.map((_, i) => `x${i}`),
      );
      for (let run = 0; run < 3; run++) {
        const reply = replies[run * 11 + 10]!;
        assert.equal(reply.type, 'channelRead', JSON.stringify(reply));
        assert.equal(reply.channelMessages.messagesTotal, (run + 1) * 10);
        assert.deepEqual(
          reply.channelMessages.messages.map((m: Frame) => m.message),
          bodies
            .slice(0, run * 11 + 10)
            .filter((body) => body.type === 'channelMessage')
            .map((body) => body.channelMessage.message)
            .reverse(),
        );
      }
    });

    it('stores one message for pipelined repeats of one clientMessageId, answered as the first', async () => {
      const sender = await c.user(0, 'dupe');
      const peer = await c.user(1, 'dupe');
      await join(peer.client, sender.UUID);
      const replies = await pipelined(
        sender.client,
        [
          sendBody(peer.UUID, 'first', 'same-id'),
          sendBody(peer.UUID, 'second', 'same-id'),
          sendBody(peer.UUID, 'no id'),
          sendBody(peer.UUID, 'third', 'same-id'),
          sendBody(peer.UUID, 'other', 'other-id'),
        ],
        'd',
      );
      assert.deepEqual(
        replies.map((r) => [r.type, r.channelMessage.message, r.channelMessage.seq, r.channelMessage.clientMessageId]),
        [
          ['channelMessage', 'first', 1, 'same-id'],
          ['channelMessage', 'first', 1, 'same-id'],
          ['channelMessage', 'no id', 2, undefined],
          ['channelMessage', 'first', 1, 'same-id'],
          ['channelMessage', 'other', 3, 'other-id'],
        ],
      );
      assert.equal(replies[1]!.channelMessage.UUID, replies[0]!.channelMessage.UUID);
      assert.equal(replies[3]!.channelMessage.UUID, replies[0]!.channelMessage.UUID);
      const stored = await history(sender.client, peer.UUID);
      assert.deepEqual(
        stored.map((m) => m.message),
        ['first', 'no id', 'other'],
      );
      await peer.client.waitForPushes(3, REPLY_WAIT_MS);
      await sleep(200);
      assert.deepEqual(
        peer.client.pushes.map((p) => p.channelMessage.message),
        ['first', 'no id', 'other'],
      );
    });
  });
}

describe('pipelined sends while Redis stops', () => {
  const c = useNodes(1, ENV, 'redis');

  /** Sends `count` pipelined; after `after` replies, does `meanwhile`; resolves with all the replies. */
  async function run(
    client: ChatClient,
    to: string,
    prefix: string,
    count: number,
    after: number,
    meanwhile: () => Promise<void>,
  ) {
    const texts = Array.from({ length: count }, (_, i) => `${prefix} ${i}`);
    texts.forEach((text, i) => {
      client.sendJson({ SUUID: client.sessionUUID, ...client.auth, id: `${prefix}${i}`, ...sendBody(to, text) });
    });
    const replies: Frame[] = [];
    for (let i = 0; i < after; i++) replies.push(await nextReply(client));
    await meanwhile();
    for (let i = after; i < count; i++) replies.push(await nextReply(client));
    assert.deepEqual(
      replies.map((reply) => reply.id),
      texts.map((_, i) => `${prefix}${i}`),
      'every request answered once, in request order',
    );
    for (const reply of replies) {
      assert.ok(reply.type === 'channelMessage' || reply.error?.code === 11, JSON.stringify(reply));
    }
    return replies;
  }

  /** The channel's history once Redis answers again (bounded). */
  async function storedOnceBack(client: ChatClient, recipientUUID: string): Promise<Frame[]> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const reply = await client.authed({ type: 'channelMessages', channelMessages: { recipientUUID } });
      if (reply.error?.code !== 11) return history(client, recipientUUID);
      await sleep(200);
    }
    throw new Error('Redis did not come back');
  }

  it('answers every request once, in order, when Redis stops with sends in flight and later ones queued; all stored in order', async () => {
    const sender = await c.user(0, 'inflight');
    const peer = await c.user(0, 'inflight');
    await join(sender.client, peer.UUID);
    const replies = await run(sender.client, peer.UUID, 'f', SENDS, 20, async () => {
      await c.redis.stop();
      await sleep(500);
      c.redis = await c.redis.restart();
    });
    // A send in flight when Redis stopped is settled once it is back; the ones after it wait for it.
    const stored = await storedOnceBack(sender.client, peer.UUID);
    assert.deepEqual(
      stored.map((m) => [m.seq, m.UUID, m.message]),
      replies.map((reply, i) => [i + 1, reply.channelMessage?.UUID, reply.channelMessage?.message]),
    );
  });

  it('goes on after error 11 in the middle of a pipelined run: an 11 stored nothing, the rest are stored in order', async () => {
    const sender = await c.user(0, 'refused');
    const peer = await c.user(0, 'refused');
    await join(sender.client, peer.UUID);
    const bodies = Array.from({ length: SENDS }, (_, i) => sendBody(peer.UUID, `r ${i}`));
    const send = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        sender.client.sendJson({ SUUID: sender.client.sessionUUID, ...sender.client.auth, id: `r${i}`, ...bodies[i] });
      }
    };
    const replies: Frame[] = [];
    const repliesUpTo = async (count: number) => {
      while (replies.length < count) replies.push(await nextReply(sender.client));
    };
    send(0, 50);
    await repliesUpTo(50);
    await c.redis.stop();
    // Nothing in flight and Redis down: these are refused.
    send(50, 100);
    await repliesUpTo(60);
    c.redis = await c.redis.restart();
    // Sent behind the refused ones, without waiting: refused or stored as the reconnect goes.
    send(100, 150);
    const reader = await c.connectAs(0, peer.client.auth);
    await storedOnceBack(reader, sender.UUID);
    send(150, SENDS);
    await repliesUpTo(SENDS);

    assert.deepEqual(
      replies.map((reply) => reply.id),
      bodies.map((_, i) => `r${i}`),
      'every request answered once, in request order',
    );
    const codes = replies.map((reply) => (reply.type === 'channelMessage' ? 0 : reply.error?.code));
    assert.deepEqual(codes.slice(0, 50), Array(50).fill(0), 'stored before the stop');
    assert.deepEqual(codes.slice(50, 100), Array(50).fill(11), 'refused while Redis was down');
    assert.deepEqual(codes.slice(150), Array(50).fill(0), 'stored once it was back');
    for (const code of codes.slice(100, 150)) assert.ok(code === 0 || code === 11, String(code));
    const acknowledged = replies.filter((reply) => reply.type === 'channelMessage');
    const stored = await history(sender.client, peer.UUID);
    assert.deepEqual(
      stored.map((m) => [m.seq, m.UUID, m.message]),
      acknowledged.map((reply, i) => [i + 1, reply.channelMessage.UUID, reply.channelMessage.message]),
      'exactly the acknowledged, in request order: an 11 stored nothing',
    );
  });
});
