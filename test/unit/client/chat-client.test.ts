/**
 * The SDK over a fake WebSocket and an in-memory server: state transitions
 * and failover, request timeouts, typed errors, the outbox sending again
 * with the same clientMessageId, and gaps paged from history — after a
 * rejoin that did not recover everything, and between pushes.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TEMPORARY_SERVER_CODES } from '../../../client/chat-error.js';
import { ChatClient, type ClientState, type Message } from '../../../client/index.js';
import { ERRORS } from '../../../src/protocol/errors.js';
import { FakeChatServer } from '../../fakes/fake-chat-server.js';
import { settle, until } from '../../helpers/async.js';

const clients: ChatClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

function start(server: FakeChatServer, urls = ['ws://a/ws']): ChatClient {
  const client = new ChatClient({
    urls,
    WebSocket: server.WebSocket,
    requestTimeoutMs: 200,
    minReconnectDelayMs: 1,
    maxReconnectDelayMs: 5,
  });
  clients.push(client);
  return client;
}

/** A signed-in client joined to the public channel, collecting its 'message' events. */
async function joined(server: FakeChatServer) {
  const client = start(server);
  await client.signIn('alice', 'secret1');
  const channel = await client.join(0);
  const got: Message[] = [];
  channel.on('message', (m) => got.push(m));
  return { client, channel, got };
}

const seqs = (messages: { seq: number }[]) => messages.map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ChatClient', () => {
  it('goes disconnected → connecting → connected, fails over to the next URL on a drop, and ends disconnected', async () => {
    const server = new FakeChatServer();
    const client = start(server, ['ws://a/ws', 'ws://b/ws']);
    const states: ClientState[] = [];
    client.on('state', (state) => states.push(state));
    assert.equal(client.state, 'disconnected');
    await client.signIn('alice', 'secret1');
    assert.equal(client.state, 'connected');
    server.socket.drop();
    await until(() => client.state === 'connected' && server.sockets.length === 2, 'reconnected');
    client.close();
    assert.deepEqual(states, ['connecting', 'connected', 'connecting', 'connected', 'disconnected']);
    assert.deepEqual(
      server.sockets.map((s) => s.url),
      ['ws://a/ws', 'ws://b/ws'],
    );
    assert.equal(server.sentOf('watch')[1].userAccessKey, 'key', 're-bound with the access key on the new node');
  });

  it('keeps trying, URL after URL, while no node accepts', async () => {
    const server = new FakeChatServer();
    server.autoOpen = false;
    const client = start(server, ['ws://a/ws', 'ws://b/ws']);
    client.connect();
    for (let i = 0; i < 3; i++) {
      await until(() => server.sockets.length === i + 1, `attempt ${i + 1}`);
      server.socket.drop();
    }
    await until(() => server.sockets.length === 4, 'a fourth attempt');
    server.socket.open();
    await until(() => client.state === 'connected', 'connected');
    assert.deepEqual(
      server.sockets.map((s) => s.url),
      ['ws://a/ws', 'ws://b/ws', 'ws://a/ws', 'ws://b/ws'],
    );
  });

  it('rejects a request unanswered within requestTimeoutMs with a temporary ChatError "timeout"', async () => {
    const server = new FakeChatServer();
    const client = start(server);
    await client.signIn('alice', 'secret1');
    server.hold.add('users');
    const started = performance.now();
    await assert.rejects(client.users(), { name: 'ChatError', code: 'timeout', temporary: true });
    const waited = performance.now() - started;
    assert.ok(waited >= 190 && waited < 1000, `waited ${waited} ms`);
    assert.equal(server.sentOf('users').length, 1);
    assert.equal(typeof server.sentOf('users')[0].id, 'string', 'the request carries an id');
  });

  it('gives the server’s error as a ChatError with its code, message and temporary flag', async () => {
    const server = new FakeChatServer();
    const client = start(server);
    await client.signIn('alice', 'secret1');
    server.handle = (socket, frame) =>
      socket.push({ type: 'error', error: { code: 11, message: 'unavailable' }, id: frame.id });
    await assert.rejects(client.users(), { code: 11, message: 'unavailable', temporary: true });
    server.handle = (socket, frame) =>
      socket.push({ type: 'error', error: { code: 8, message: 'recipient not found' }, id: frame.id });
    await assert.rejects(client.join('33333333-3333-4333-8333-333333333333'), { code: 8, temporary: false });
  });

  it('knows the server’s temporary codes as the server’s error table has them', () => {
    const temporary = Object.entries(ERRORS)
      .filter(([, info]) => info.temporary)
      .map(([code]) => Number(code));
    assert.deepEqual([...TEMPORARY_SERVER_CODES].sort(), temporary.sort());
  });

  it('sends an unanswered send again after a reconnect with the same clientMessageId, stores it once and resolves it', async () => {
    const server = new FakeChatServer();
    const { channel, got } = await joined(server);
    server.hold.add('channelMessage');
    const sent = channel.send('hello');
    await settle();
    server.hold.delete('channelMessage');
    // The first attempt was stored but its answer lost with the connection.
    server.handle(server.socket, { ...server.sentOf('channelMessage')[0], id: 'lost' });
    server.socket.drop();
    const message = await sent;
    const attempts = server.sentOf('channelMessage');
    assert.equal(attempts.length, 2);
    assert.equal(attempts[0].channelMessage.clientMessageId, attempts[1].channelMessage.clientMessageId);
    assert.match(
      attempts[0].channelMessage.clientMessageId,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.equal(server.history.length, 1, 'stored once');
    assert.deepEqual({ seq: message.seq, text: message.message }, { seq: 1, text: 'hello' });
    assert.deepEqual(seqs(got), [1], 'handed out once: by the rejoin, not again by the answer');
  });

  it('gives each send a fresh clientMessageId, and a send up after sendTimeoutMs with its id', async () => {
    const server = new FakeChatServer();
    const client = new ChatClient({ urls: ['ws://a/ws'], WebSocket: server.WebSocket, sendTimeoutMs: 100 });
    clients.push(client);
    await client.signIn('alice', 'secret1');
    const channel = await client.join(0);
    await channel.send('one');
    server.hold.add('channelMessage');
    await assert.rejects(channel.send('two'), (error: any) => {
      assert.equal(error.code, 'timeout');
      assert.equal(error.clientMessageId, server.sentOf('channelMessage')[1].channelMessage.clientMessageId);
      return true;
    });
    const ids = server.sentOf('channelMessage').map((f) => f.channelMessage.clientMessageId);
    assert.notEqual(ids[0], ids[1]);
  });

  it('pages the gap with before when a rejoin answers recovered: false, and hands out every message once, in order', async () => {
    const server = new FakeChatServer();
    for (let i = 1; i <= 5; i++) server.store(`m${i}`);
    const { channel, got } = await joined(server);
    assert.deepEqual(seqs(channel.recent), [1, 2, 3, 4, 5]);
    server.socket.drop();
    server.autoOpen = false;
    await until(() => server.sockets.length === 2, 'a new socket');
    for (let i = 6; i <= 150; i++) server.store(`m${i}`);
    server.socket.open();
    await until(() => got.length === 145, 'every missed message', 2000);
    const join = server.sentOf('channelJoin')[1].channelJoin;
    assert.equal(join.since, 5);
    const pages = server.sentOf('channelMessages').map((f) => f.channelMessages);
    assert.deepEqual(pages, [{ recipientUUID: 0, before: 51, limit: 99 }], 'one before page from the oldest received');
    assert.deepEqual(seqs(got), range(6, 150));
  });

  it('holds a push that arrives after a gap, pages the gap, and hands out in seq order; duplicates are dropped', async () => {
    const server = new FakeChatServer();
    const { got } = await joined(server);
    server.store('m1', server.socket);
    const missed = server.store('m2');
    server.store('m3', server.socket);
    server.socket.push({ type: 'channelMessage', channelMessage: missed });
    server.socket.push({ type: 'channelMessage', channelMessage: server.history[0] });
    await until(() => got.length === 3, 'the gap filled');
    assert.deepEqual(seqs(got), [1, 2, 3]);
    assert.deepEqual(
      server.sentOf('channelMessages').map((f) => f.channelMessages.before),
      [3],
    );
    assert.deepEqual(Object.keys(got[0]!).sort(), [
      'UUID',
      'createdAt',
      'message',
      'recipientUUID',
      'senderUUID',
      'seq',
    ]);
  });

  it('on a refused access key after a reconnect: signed out, "unauthorized" emitted, unanswered sends given up with 5', async () => {
    const server = new FakeChatServer();
    const { client, channel } = await joined(server);
    const refused: unknown[] = [];
    client.on('unauthorized', (error) => refused.push(error));
    server.hold.add('channelMessage');
    const sent = channel.send('lost');
    await settle();
    const handle = server.handle.bind(server);
    server.handle = (socket, frame) =>
      frame.type === 'watch'
        ? socket.push({ type: 'error', error: { code: 5, message: 'unauthorized' }, id: frame.id })
        : handle(socket, frame);
    server.socket.drop();
    await assert.rejects(sent, { code: 5 });
    assert.equal(refused.length, 1);
    assert.equal(client.credentials, undefined);
    await assert.rejects(client.users(), { code: 5 });
  });

  it('routes typing and receipts to their channel and ends a typing not repeated within 6 s', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    const server = new FakeChatServer();
    server.autoOpen = false;
    const client = start(server);
    const signingIn = client.signIn('alice', 'secret1');
    server.socket.open();
    await signingIn;
    const bob = '22222222-2222-4222-8222-222222222222';
    const joining = client.join(bob);
    const channel = await joining;
    const events: unknown[] = [];
    channel.on('typing', (e) => events.push(['typing', e.userUUID, e.typing]));
    channel.on('seen', (e) => events.push(['seen', e.userUUID, e.seq]));
    server.socket.push({ type: 'typing', typing: { userUUID: bob, recipientUUID: server.userUUID, typing: true } });
    server.socket.push({ type: 'channelSeen', channelSeen: { userUUID: bob, recipientUUID: server.userUUID, seq: 4 } });
    t.mock.timers.tick(5999);
    assert.equal(events.length, 2);
    t.mock.timers.tick(1);
    assert.deepEqual(events, [
      ['typing', bob, true],
      ['seen', bob, 4],
      ['typing', bob, false],
    ]);
  });
});
