/**
 * Slow consumers (docs/protocol.md): a connection whose unsent output exceeds
 * MAX_BUFFERED_BYTES is closed with 1013, and nothing else is affected.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { type ChatClient, type Frame, sleep } from '../helpers/client.js';
import { useHarness } from '../helpers/harness.js';

/** Upper bound on messages sent: loopback kernel buffers may hold several MB before the server has to queue. */
const MAX_MESSAGES = 3000;
const BATCH = 50;
/** 4000 code points of 4 UTF-8 bytes each: ~16 KB per push, well under the 64 KiB frame limit. */
const BODY = '😀'.repeat(3990);

const joinPublic = async (client: ChatClient): Promise<void> => {
  const reply = await client.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
  assert.equal(reply.type, 'channelJoin', JSON.stringify(reply));
};

/** Resolves with the close code, or 'timeout' after `ms`. */
function closedWithin(closed: Promise<number>, ms: number): Promise<number | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([closed, timeout]).finally(() => clearTimeout(timer));
}

describe('slow consumer', () => {
  const h = useHarness({
    MAX_BUFFERED_BYTES: '65536',
    RATE_LIMIT_PER_SEC: '100000',
    RATE_LIMIT_BURST: '100000',
  });

  it('closes a connection that stops reading with 1013 and affects nobody else', async (t) => {
    const slow = await h.user('slow');
    const reader = await h.user('reader');
    const sender = await h.user('sender');
    await joinPublic(slow);
    await joinPublic(reader);

    // The slow receiver stops reading: its socket's data stays in the kernel, then in the server.
    const socket = (slow.ws as any)._socket as { pause(): void; resume(): void };
    socket.pause();

    const sent: string[] = [];
    const slowClosedLogged = () => h.server.output.some((line) => line.includes('slow consumer closed'));
    for (let i = 0; i < MAX_MESSAGES && !slowClosedLogged(); i += BATCH) {
      const replies = await Promise.all(
        Array.from({ length: BATCH }, (_, j) =>
          sender.authed({ type: 'channelMessage', channelMessage: { recipientUUID: 0, message: `${i + j} ${BODY}` } }),
        ),
      );
      for (const reply of replies) {
        assert.equal(reply.type, 'channelMessage', JSON.stringify(reply).slice(0, 200));
        sent.push(reply.channelMessage.UUID);
      }
    }
    // A moment for the last pushes to reach the slow connection's buffer.
    await sleep(200);

    socket.resume();
    assert.equal(await closedWithin(slow.closed, 30_000), 1013, `after ${sent.length} messages`);
    // What it did read before the close is a prefix of the channel's order, with no gaps.
    const seen = slow.pushes.map((push: Frame) => push.channelMessage.UUID);
    t.diagnostic(`slow consumer closed after ${sent.length} messages sent, ${seen.length} read`);
    assert.deepEqual(seen, sent.slice(0, seen.length));
    assert.ok(seen.length < sent.length, 'the slow consumer was closed before it got everything');

    // The normal reader got every push, in order.
    const pushes = await reader.waitForPushes(sent.length, 30_000);
    assert.deepEqual(
      pushes.map((push) => push.channelMessage.UUID),
      sent,
    );
    assert.equal(reader.ws.readyState, WebSocket.OPEN);

    // The sender is still connected and served, and so is the reader.
    assert.equal(sender.ws.readyState, WebSocket.OPEN);
    const more = await sender.authed({
      type: 'channelMessage',
      channelMessage: { recipientUUID: 0, message: 'after' },
    });
    assert.equal(more.type, 'channelMessage', JSON.stringify(more));
    const readerUsers = await reader.authed({ type: 'users' });
    assert.equal(readerUsers.type, 'users');
    const [last] = await reader.waitForPushes(sent.length + 1, 5000).then((all) => all.slice(-1));
    assert.equal(last?.channelMessage.UUID, more.channelMessage.UUID);
  });
});
