/**
 * Redis outages (docs/protocol.md): while Redis is down requests get error 11
 * quickly and nothing is stored; once it is back the server recovers by
 * itself, and everything it acknowledged is in history exactly once.
 *
 * The steps share one story (one outage), so they run in order and build on
 * each other. What was stored is read through a second, freshly started
 * server node on the same Redis as well as through the recovering one: the
 * first proves the data, the second proves the recovery.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ChatClient, type Frame, sleep } from '../helpers/client.js';
import { useHarness } from '../helpers/harness.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** The contract says "within 2 s" (REDIS_COMMAND_TIMEOUT_MS); generous for 2 shared cores. */
const ERROR_11_WITHIN_MS = 5000;
const RECOVERY_WITHIN_MS = 10_000;

const send = (client: ChatClient, message: string): Promise<Frame> =>
  client.authed({ type: 'channelMessage', channelMessage: { recipientUUID: 0, message } });

/** The whole public history, oldest first (bounded). */
async function history(client: ChatClient): Promise<Frame[]> {
  const all: Frame[] = [];
  for (let offset = 0; offset < 10_000; offset += 99) {
    const reply = await client.authed({
      type: 'channelMessages',
      channelMessages: { recipientUUID: 0, offset, limit: 99 },
    });
    assert.equal(reply.type, 'channelRead', JSON.stringify(reply));
    all.push(...reply.channelMessages.messages);
    if (all.length >= reply.channelMessages.messagesTotal || reply.channelMessages.messagesReceived === 0) break;
  }
  return all.reverse();
}

/** Retries `request` while it answers error 11, at most RECOVERY_WITHIN_MS; returns the first other reply. */
async function untilAvailable(what: string, request: () => Promise<Frame>, onRefused?: () => void): Promise<Frame> {
  const deadline = Date.now() + RECOVERY_WITHIN_MS;
  for (;;) {
    const reply = await request();
    if (reply.error?.code !== 11) return reply;
    onRefused?.();
    assert.ok(Date.now() < deadline, `${what}: still error 11 ${RECOVERY_WITHIN_MS} ms after Redis came back`);
    await sleep(200);
  }
}

/** Runs `request` and checks that it fails with error 11 within the bound. */
async function expectUnavailable(what: string, request: () => Promise<Frame>): Promise<void> {
  const started = Date.now();
  const reply = await request();
  const took = Date.now() - started;
  assert.equal(reply.type, 'error', `${what}: ${JSON.stringify(reply)}`);
  assert.equal(reply.error.code, 11, `${what}: ${JSON.stringify(reply)}`);
  assert.ok(took < ERROR_11_WITHIN_MS, `${what}: error 11 after ${took} ms`);
}

describe('Redis outage', () => {
  const h = useHarness();
  const fresh: { server?: TestServer; client?: ChatClient } = {};
  after(async () => {
    fresh.client?.close();
    await fresh.server?.stop();
  });
  /** A client on a second server node started now on the same Redis (its own, new Redis connections). */
  const freshNodeClient = async (): Promise<ChatClient> => {
    fresh.client?.close();
    await fresh.server?.stop();
    fresh.server = await startServer(h.redis.url);
    fresh.client = await ChatClient.connect(fresh.server.url);
    const reply = await fresh.client.signUp(`reader${Date.now()}`);
    assert.equal(reply.type, 'authorized', JSON.stringify(reply));
    return fresh.client;
  };

  let sender: ChatClient;
  let listener: ChatClient;
  /** UUIDs of the messages acknowledged, in send order. */
  const acknowledged: string[] = [];
  /** Texts of the messages that got error 11. */
  const refused: string[] = [];

  it('answers error 11 within 5 s to channelMessage, signUp and channelMessages while Redis is down', async () => {
    sender = await h.user('outage-sender');
    listener = await h.user('outage-listener');
    for (const client of [sender, listener]) {
      const joined = await client.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
      assert.equal(joined.type, 'channelJoin', JSON.stringify(joined));
    }
    for (let i = 0; i < 3; i++) {
      const reply = await send(sender, `before ${i}`);
      assert.equal(reply.type, 'channelMessage', JSON.stringify(reply));
      acknowledged.push(reply.channelMessage.UUID);
    }
    await listener.waitForPushes(3);

    await h.redis.stop();

    for (let i = 0; i < 3; i++) {
      refused.push(`during ${i}`);
      await expectUnavailable('channelMessage', () => send(sender, `during ${i}`));
    }
    await expectUnavailable('signUp', () =>
      listener.request({ type: 'signUp', signUp: { username: 'born-in-outage', password: 'correct horse' } }),
    );
    await expectUnavailable('channelMessages', () =>
      sender.authed({ type: 'channelMessages', channelMessages: { recipientUUID: 0 } }),
    );
    // The connections themselves survive the outage.
    assert.equal(sender.ws.readyState, WebSocket.OPEN);
    assert.equal(listener.ws.readyState, WebSocket.OPEN);
  });

  it('stores messages again, by itself, within 10 s of Redis coming back', async () => {
    h.redis = await h.redis.restart();
    let attempt = 0;
    const reply = await untilAvailable(
      'channelMessage',
      () => send(sender, `retry ${attempt}`),
      () => refused.push(`retry ${attempt++}`),
    );
    assert.equal(reply.type, 'channelMessage', JSON.stringify(reply));
    acknowledged.push(reply.channelMessage.UUID);

    const next = await send(sender, 'after recovery');
    assert.equal(next.type, 'channelMessage', JSON.stringify(next));
    acknowledged.push(next.channelMessage.UUID);
  });

  it('keeps pushing to a connection joined before the outage', async () => {
    const pushes = await listener.waitForPushes(acknowledged.length, 10_000);
    assert.deepEqual(
      pushes.map((push) => push.channelMessage.UUID),
      acknowledged,
      'every acknowledged message pushed once, in order, and nothing refused',
    );
  });

  it('has every acknowledged message in history exactly once, and none that got error 11', async () => {
    const stored = await history(await freshNodeClient());
    assert.deepEqual(
      stored.map((m) => m.UUID),
      acknowledged,
    );
    for (const text of refused) {
      assert.ok(!stored.some((m) => m.message === text), `"${text}" got error 11 but was stored`);
    }
  });

  it('serves signUp and channelMessages again on the node that lived through the outage', async () => {
    const signUp = await untilAvailable('signUp', () =>
      listener.request({ type: 'signUp', signUp: { username: 'born-after-outage', password: 'correct horse' } }),
    );
    assert.equal(signUp.type, 'authorized', JSON.stringify(signUp));

    const read = await untilAvailable('channelMessages', () =>
      sender.authed({ type: 'channelMessages', channelMessages: { recipientUUID: 0, limit: 99 } }),
    );
    assert.equal(read.type, 'channelRead', JSON.stringify(read));
    assert.deepEqual(read.channelMessages.messages.map((m: Frame) => m.UUID).reverse(), acknowledged);
  });

  it('serves channelJoin again on the node that lived through the outage', async () => {
    const newcomer = await h.user('newcomer');
    const joined = await untilAvailable('channelJoin', () =>
      newcomer.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } }),
    );
    assert.equal(joined.type, 'channelJoin', JSON.stringify(joined));
  });

  it('keeps everything acknowledged across a Redis stop (SIGTERM) and restart', async () => {
    const writer = await h.user('aof');
    const texts = Array.from({ length: 40 }, (_, i) => `durable ${i}`);
    // Pipelined right up to the stop: the last ones are acknowledged moments before it.
    const replies = await Promise.all(texts.map((text) => send(writer, text)));
    const durable = replies.map((reply) => {
      assert.equal(reply.type, 'channelMessage', JSON.stringify(reply));
      return reply.channelMessage.UUID as string;
    });

    await h.redis.stop();
    h.redis = await h.redis.restart();

    const stored = await history(await freshNodeClient());
    const uuids = stored.map((m) => m.UUID);
    for (const uuid of durable) {
      assert.equal(uuids.filter((u) => u === uuid).length, 1, `acknowledged message ${uuid} in history once`);
    }
    // Pipelined on one connection: stored in send order.
    const mine = stored.filter((m) => durable.includes(m.UUID));
    assert.deepEqual(
      mine.map((m) => m.message),
      texts,
    );
  });
});
