/**
 * PushWriter's slow-consumer rule: unsent output past the limit closes the
 * connection with 1013, but one reply larger than the limit does not, until
 * the socket drains.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocket } from 'ws';
import { PushWriter } from '../../src/server/push-writer.js';
import { FakeSocket } from '../fakes/fake-socket.js';

const LIMIT = 1000;

function writer() {
  const ws = new FakeSocket();
  ws.bufferEverySend = true;
  let slow = 0;
  const push = new PushWriter(ws as unknown as WebSocket, LIMIT, () => slow++);
  return { ws, push, slow: () => slow };
}

/** A reply frame of about `bytes` bytes. */
const reply = (bytes: number) => JSON.stringify({ type: 'channelJoin', users: 'u'.repeat(bytes) });

describe('PushWriter', () => {
  it('closes with 1013 when small replies pile up past the limit', () => {
    const { ws, push, slow } = writer();
    for (let i = 0; i < 20 && ws.closeCode === undefined; i++) push.reply(reply(100));
    assert.equal(ws.closeCode, 1013);
    assert.equal(slow(), 1);
  });

  it('keeps a connection open for one reply larger than the limit while the socket drains', () => {
    const { ws, push, slow } = writer();
    ws._socket.writableNeedDrain = true;
    push.reply(reply(5000));
    assert.equal(ws.closeCode, undefined);
    assert.equal(ws.frames.at(-1)?.type, 'channelJoin');
    assert.ok(ws.bufferedAmount > 5000);
    // Output past the big reply plus the limit is still a slow consumer.
    ws.bufferedAmount += LIMIT - 100;
    push.reply(reply(10));
    assert.equal(ws.closeCode, undefined);
    ws.bufferedAmount += 200;
    push.reply(reply(10));
    assert.equal(ws.closeCode, 1013);
    assert.equal(slow(), 1);
  });

  it('counts the limit alone again once the socket drained', () => {
    const { ws, push } = writer();
    ws._socket.writableNeedDrain = true;
    push.reply(reply(5000));
    ws.bufferedAmount = 0;
    ws._socket.writableNeedDrain = false;
    ws._socket.emit('drain');
    ws.bufferedAmount = LIMIT + 1;
    push.reply(reply(10));
    assert.equal(ws.closeCode, 1013);
  });

  it('grants nothing to a socket under its high-water mark, which would never drain', () => {
    const { ws, push } = writer();
    push.reply(reply(5000));
    assert.equal(ws.closeCode, 1013);
  });
});
