import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { textFrame, textFrameOf, textFrameParts } from '../../src/server/text-frame.js';

describe('textFrame', () => {
  let server: WebSocketServer;
  let serverSide: WebSocket;
  let client: WebSocket;

  before(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const connected = once(server, 'connection');
    client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    [serverSide] = (await connected) as [WebSocket];
  });
  after(() => {
    client.terminate();
    server.close();
  });

  /** Writes the frame raw to the server side of the socket; resolves with what the ws client reads. */
  async function roundTrip(frame: Buffer): Promise<{ data: string; isBinary: boolean }> {
    const received = once(client, 'message');
    (serverSide as unknown as { _socket: Duplex })._socket.write(frame);
    const [data, isBinary] = (await received) as [Buffer, boolean];
    return { data: data.toString(), isBinary };
  }

  for (const length of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
    it(`frames a ${length}-byte payload that a ws client reads back as the same text`, async () => {
      const payload = Buffer.from('x'.repeat(length));
      const frame = textFrame(payload);
      const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
      assert.equal(frame.length, header + length);
      assert.deepEqual(await roundTrip(frame), { data: payload.toString(), isBinary: false });
    });
  }

  for (const length of [0, 125, 126, 65536]) {
    it(`frames a ${length}-character reply with multi-byte characters that a ws client reads back as the same text`, async () => {
      const text = 'é'.repeat(length);
      const frame = textFrameOf(text);
      const bytes = 2 * length;
      const header = bytes < 126 ? 2 : bytes < 65536 ? 4 : 10;
      assert.equal(frame.length, header + bytes);
      assert.deepEqual(await roundTrip(frame), { data: text, isBinary: false });
    });
  }

  it('frames a reply in pieces, strings and UTF-8 buffers, as the same bytes as its whole text', async () => {
    const pieces = ['{"users":', Buffer.from('["é😀', 'utf8'), Buffer.alloc(0), `${'x'.repeat(70_000)}`, '"]}'];
    const text = `{"users":["é😀${'x'.repeat(70_000)}"]}`;
    const parts = textFrameParts(pieces);
    assert.deepEqual(Buffer.concat(parts), textFrameOf(text));
    const socket = (serverSide as unknown as { _socket: Duplex })._socket;
    const received = once(client, 'message');
    socket.cork();
    for (const part of parts) socket.write(part);
    socket.uncork();
    const [data] = (await received) as [Buffer];
    assert.equal(data.toString(), text);
  });

  it('writes a Buffer piece as it is, not a copy, between the header with the strings before it and the strings after it', () => {
    const users = Buffer.from('[{"UUID":"a","username":"b"}');
    const parts = textFrameParts(['{"type":"channelJoin","users":', users, ']', ',"id":"7"}']);
    assert.equal(parts.length, 3);
    assert.equal(parts[1], users);
    assert.equal(parts[0]!.subarray(2).toString(), '{"type":"channelJoin","users":');
    assert.equal(parts[2]!.toString(), '],"id":"7"}');
  });

  it('frames each payload once: the same buffer gives the same frame object', () => {
    const payload = Buffer.from('{"type":"channelMessage"}');
    assert.equal(textFrame(payload), textFrame(payload));
    assert.notEqual(textFrame(Buffer.from('{"type":"channelMessage"}')), textFrame(payload));
  });
});
