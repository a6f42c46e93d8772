/**
 * The session — a connection's request pipeline and output — over a fake
 * socket and the in-memory node: order, the fault order, back-pressure,
 * frames after pushes, shutdown, release, slow consumers, heartbeats.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocket } from 'ws';
import { Session } from '../../src/server/session.js';
import { FakeSocket } from '../fakes/fake-socket.js';
import { type MemoryNode, memoryNode } from '../fakes/memory-node.js';
import { settle } from '../helpers/async.js';

type Frame = Record<string, any>;

interface Client {
  ws: FakeSocket;
  session: Session;
  SUUID: string;
  /** Released sessions, as the server is told. */
  released: Session[];
  /** Sends a request with SUUID and this client's credentials. */
  send(body: Frame): void;
  /** Sends a request and waits for the reply echoing its id. */
  request(body: Frame): Promise<Frame>;
  auth: { userUUID: string; userAccessKey: string };
}

let ids = 0;

function open(node: MemoryNode): Client {
  const ws = new FakeSocket();
  const released: Session[] = [];
  const session = new Session(ws as unknown as WebSocket, node.services, (s) => released.push(s));
  const client: Client = {
    ws,
    session,
    SUUID: ws.frames[0]?.ready?.sessionUUID,
    released,
    auth: { userUUID: '', userAccessKey: '' },
    send: (body) => ws.receive({ SUUID: client.SUUID, ...client.auth, ...body }),
    request: async (body) => {
      const id = `r${++ids}`;
      client.send({ ...body, id });
      for (let i = 0; i < 1000; i++) {
        const reply = ws.frames.find((frame) => frame.id === id);
        if (reply !== undefined) return reply;
        await settle();
      }
      throw new Error(`no reply to ${id}`);
    },
  };
  return client;
}

async function signedUp(node: MemoryNode, username: string): Promise<Client> {
  const client = open(node);
  const reply = await client.request({ type: 'signUp', signUp: { username, password: 'password1' } });
  assert.equal(reply.type, 'authorized', JSON.stringify(reply));
  client.auth = { userUUID: reply.authorized.userUUID, userAccessKey: reply.authorized.accessKey };
  return client;
}

const errorCode = (frame: Frame | undefined): number | undefined => frame?.error?.code;

describe('Session', () => {
  it('sends ready with a random v4 session UUID before anything else', () => {
    const node = memoryNode();
    const [a, b] = [open(node), open(node)];
    assert.deepEqual(Object.keys(a.ws.frames[0]!), ['type', 'ready']);
    assert.match(a.SUUID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a.SUUID, b.SUUID);
  });

  it('answers pipelined requests in the order received, each seeing the ones before it', async () => {
    const node = memoryNode();
    const client = await signedUp(node, 'ann');
    for (let i = 0; i < 5; i++) {
      client.send({ id: `m${i}`, type: 'channelMessage', channelMessage: { recipientUUID: 0, message: `m${i}` } });
    }
    client.send({ id: 'page', type: 'channelMessages', channelMessages: { recipientUUID: 0, limit: 10 } });
    await client.request({ type: 'users' });
    const replies = client.ws.frames.filter((frame) => /^(m\d|page)$/.test(frame.id));
    assert.deepEqual(
      replies.map((frame) => frame.id),
      ['m0', 'm1', 'm2', 'm3', 'm4', 'page'],
    );
    const page = replies.at(-1)!.channelMessages;
    assert.deepEqual(
      page.messages.map((m: Frame) => m.message),
      ['m4', 'm3', 'm2', 'm1', 'm0'],
      'the page saw all five',
    );
  });

  it('answers a pipelined run in order when a send in the middle fails: the failed one stored nothing', async () => {
    const node = memoryNode();
    const client = await signedUp(node, 'ann');
    const history = node.historyOf('pub');
    const send = (i: number) =>
      client.send({ id: `s${i}`, type: 'channelMessage', channelMessage: { recipientUUID: 0, message: `s${i}` } });
    send(0);
    send(1);
    await settle();
    history.failAppends = 1;
    for (let i = 2; i < 5; i++) send(i);
    await client.request({ type: 'users' });
    const replies = client.ws.frames.filter((frame) => /^s\d$/.test(frame.id));
    assert.deepEqual(
      replies.map((frame) => [frame.id, frame.type === 'error' ? frame.error.code : frame.channelMessage.seq]),
      [
        ['s0', 1],
        ['s1', 2],
        ['s2', 11],
        ['s3', 3],
        ['s4', 4],
      ],
    );
    assert.deepEqual(
      history.messages.map((m) => m.message),
      ['s0', 's1', 's3', 's4'],
    );
  });

  it('reports faults in the contract’s order: 1, 3, 4, 10, 5, 2', async () => {
    const node = memoryNode({ RATE_LIMIT_PER_SEC: '1', RATE_LIMIT_BURST: '4' });
    const client = open(node);
    const codes: (number | undefined)[] = [];
    const next = async (): Promise<void> => {
      await settle();
      codes.push(errorCode(client.ws.frames.at(-1)));
    };
    client.ws.emit('message', Buffer.from('{}'), true); // binary, whatever it holds
    await next();
    client.ws.receive({ type: 'nope', SUUID: 'wrong', id: 5 });
    await next();
    client.ws.receive({ type: 'users', SUUID: 'wrong', userUUID: 'x' });
    await next();
    client.ws.receive({ type: 'users', SUUID: client.SUUID, users: { limit: 'x' } }); // no key: 5 before 2
    await next();
    client.ws.receive({ type: 'users', SUUID: client.SUUID }); // the bucket of 4 is empty: 10 before 5
    await next();
    assert.deepEqual(codes, [1, 3, 4, 5, 10]);
    const signedIn = await signedUp(memoryNode(), 'bob');
    const invalid = await signedIn.request({ type: 'users', users: { limit: 'x' } });
    assert.equal(errorCode(invalid), 2);
  });

  it('writes the pushes due before a reply, and a turn’s pushes in one write', async () => {
    const node = memoryNode();
    const reader = await signedUp(node, 'reader');
    const sender = await signedUp(node, 'sender');
    assert.equal(
      (await reader.request({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } })).type,
      'channelJoin',
    );
    const feed = node.feedOf('pub');
    feed.publishing = false;
    for (let i = 0; i < 3; i++) {
      await sender.request({ type: 'channelMessage', channelMessage: { recipientUUID: 0, message: `p${i}` } });
    }
    const writes = reader.ws.writes;
    const channel = node.services.channelActors.get('pub');
    channel.resync(); // one read brings all three: one turn
    await settle();
    await settle();
    assert.equal(reader.ws.writes, writes + 1, 'three pushes, one write');
    const reply = await reader.request({ type: 'users' });
    const tail = reader.ws.frames.slice(-4);
    assert.deepEqual(
      tail.map((frame) => frame.channelMessage?.message ?? frame.type),
      ['p0', 'p1', 'p2', 'users'],
    );
    assert.equal(tail[3], reply);
  });

  it('stops reading at 256 queued requests and reads again once half are answered', async () => {
    const node = memoryNode({ RATE_LIMIT_BURST: '1000' });
    const client = await signedUp(node, 'piper');
    const release = node.pages.hold();
    for (let i = 0; i < 300; i++) {
      client.send({ id: `q${i}`, type: 'channelMessages', channelMessages: { recipientUUID: 0 } });
    }
    await settle();
    assert.equal(client.ws.paused, true);
    release();
    for (let i = 0; i < 100 && client.ws.paused; i++) await settle();
    assert.equal(client.ws.paused, false);
    await client.request({ type: 'users' });
    assert.equal(
      client.ws.frames.filter((frame) => frame.type === 'channelRead').length,
      300,
      'every request answered',
    );
  });

  it('answers the requests already received, then closes with 1001, when the server shuts down', async () => {
    const node = memoryNode();
    const client = await signedUp(node, 'late');
    const release = node.pages.hold();
    client.send({ id: 'a', type: 'channelMessages', channelMessages: { recipientUUID: 0 } });
    client.send({ id: 'b', type: 'channelMessages', channelMessages: { recipientUUID: 0 } });
    const stopped = client.session.shutdown();
    client.send({ id: 'c', type: 'users' }); // arrives after: the socket is paused, but a frame already read is queued
    assert.equal(client.ws.paused, true);
    release();
    await stopped;
    assert.deepEqual(
      client.ws.frames.slice(-3).map((frame) => frame.id),
      ['a', 'b', 'c'],
    );
    assert.equal(client.ws.closeCode, 1001);
  });

  it('releases the binding after the request in flight when the socket closes, and tells the server once', async () => {
    const node = memoryNode();
    const client = await signedUp(node, 'leaver');
    assert.equal(node.presence.online.has(client.auth.userUUID), true);
    const release = node.pages.hold();
    client.send({ id: 'j', type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
    await settle();
    client.ws.closed();
    const released = client.session.released;
    release();
    await released;
    assert.deepEqual(client.released, [client.session]);
    assert.equal(node.presence.online.has(client.auth.userUUID), false, 'offline');
    assert.deepEqual(
      node.feedOf('pub').entries.map((entry) => entry.kind),
      ['join', 'leave'],
      'the join that finished after the close was undone',
    );
  });

  it('closes a connection with 1013 once its unsent output passes MAX_BUFFERED_BYTES', async () => {
    const node = memoryNode({ MAX_BUFFERED_BYTES: '1024' });
    const slow = await signedUp(node, 'slow');
    const sender = await signedUp(node, 'fast');
    await slow.request({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
    slow.ws.bufferedAmount = 2048;
    await sender.request({ type: 'channelMessage', channelMessage: { recipientUUID: 0, message: 'too much' } });
    await settle();
    await settle();
    assert.equal(slow.ws.closeCode, 1013);
    assert.equal(sender.ws.closeCode, undefined, 'nothing else is affected');
  });

  it('terminates a connection that missed a pong, unless the server itself stopped reading it', async () => {
    const node = memoryNode({ RATE_LIMIT_BURST: '1000' });
    const quiet = open(node);
    quiet.session.heartbeat();
    assert.equal(quiet.ws.pings, 1);
    quiet.ws.emit('pong');
    quiet.session.heartbeat();
    assert.equal(quiet.ws.terminated, false, 'it answered');
    quiet.session.heartbeat();
    assert.equal(quiet.ws.terminated, true, 'no pong to the last ping');

    const busy = await signedUp(node, 'busy');
    const release = node.pages.hold();
    for (let i = 0; i < 300; i++) busy.send({ type: 'channelMessages', channelMessages: { recipientUUID: 0 } });
    await settle();
    busy.session.heartbeat();
    busy.session.heartbeat();
    assert.equal(busy.ws.terminated, false, 'its pong may be waiting unread');
    release();
  });

  it('answers 11 when the store fails, and the connection goes on', async () => {
    const node = memoryNode();
    const client = await signedUp(node, 'unlucky');
    node.historyOf('pub').failAppends = 1;
    const failed = await client.request({ type: 'channelMessage', channelMessage: { recipientUUID: 0, message: 'x' } });
    assert.deepEqual(failed.error, { code: 11, message: 'server temporarily unavailable; nothing was stored' });
    const next = await client.request({ type: 'channelMessage', channelMessage: { recipientUUID: 0, message: 'y' } });
    assert.equal(next.type, 'channelMessage');
    assert.equal(node.historyOf('pub').messages.length, 1);
  });
});
