/**
 * The SDK's promise against real servers: two nodes on one Redis (and on the
 * 3-master cluster), an SDK client given both URLs. Its node is killed with
 * -9 while 200 messages go through the channel: the 'message' handler sees
 * each of the 200 exactly once, in history order; and a sender on the killed
 * node gets every send answered — the unanswered ones sent again through
 * the outbox with the same clientMessageId — with history holding exactly 200.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ChatClient, type Message } from 'wschat/client';
import { until } from '../helpers/async.js';
import { sleep } from '../helpers/client.js';
import { assertSameSequence, history, type Nodes, REDIS_BACKENDS, useNodes, uuidsOf } from '../helpers/nodes.js';

const MESSAGES = 200;
const INTERVAL_MS = 15;
/** When the node is killed: a quarter of the way through. */
const KILL_AFTER = 50;
let users = 0;

function sdk(c: Nodes, first: number, clients: ChatClient[]): ChatClient {
  const urls = [c.nodes[first]!.url, ...c.nodes.filter((_, i) => i !== first).map((n) => n.url)];
  const client = new ChatClient({ urls, WebSocket: WebSocket as never });
  clients.push(client);
  return client;
}

async function signedUp(client: ChatClient): Promise<void> {
  await client.signUp(`sdk${process.pid}x${++users}`, 'password1');
}

const texts = (messages: readonly { message?: unknown }[]) => messages.map((m) => m.message);
const numbered = () => Array.from({ length: MESSAGES }, (_, i) => `n${i}`);

for (const backend of REDIS_BACKENDS) {
  describe(`SDK: a receiver whose node is killed with -9 mid-stream sees all 200 once, in order (${backend})`, () => {
    const c = useNodes(2, { RATE_LIMIT_PER_SEC: '1000' }, backend);
    const clients: ChatClient[] = [];
    after(() => {
      for (const client of clients) client.close();
    });

    it('delivers every message after the join exactly once, in history order, across the failover', async () => {
      const receiver = sdk(c, 1, clients);
      await signedUp(receiver);
      const channel = await receiver.join(0);
      const got: Message[] = [];
      channel.on('message', (m) => got.push(m));
      const states: string[] = [];
      receiver.on('state', (s) => states.push(s));

      const sender = (await c.user(0, 'sdksender')).client;
      await sender.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
      for (let i = 0; i < MESSAGES; i++) {
        if (i === KILL_AFTER) await c.killNode(1);
        const reply = await sender.authed({
          type: 'channelMessage',
          channelMessage: { recipientUUID: 0, message: `n${i}` },
        });
        assert.equal(reply.type, 'channelMessage', JSON.stringify(reply));
        await sleep(INTERVAL_MS);
      }
      await until(() => got.length >= MESSAGES, `${MESSAGES} messages (got ${got.length})`, 20_000);
      await sleep(200);
      const stored = await history(sender);
      assert.equal(stored.length, MESSAGES);
      assertSameSequence(uuidsOf(got), uuidsOf(stored), 'the receiver’s messages against history');
      assert.deepEqual(texts(got), numbered());
      assert.deepEqual(states.slice(0, 2), ['connecting', 'connected'], 'it reconnected by itself');
      assert.equal(receiver.state, 'connected');
    });
  });

  describe(`SDK: a sender whose node is killed with -9 mid-stream stores all 200 exactly once (${backend})`, () => {
    const c = useNodes(2, { RATE_LIMIT_PER_SEC: '1000' }, backend);
    const clients: ChatClient[] = [];
    after(() => {
      for (const client of clients) client.close();
    });

    it('answers every send with its stored message, the unanswered ones sent again with their clientMessageId', async () => {
      const sender = sdk(c, 1, clients);
      await signedUp(sender);
      const channel = await sender.join(0);
      const got: Message[] = [];
      channel.on('message', (m) => got.push(m));
      const sends: Promise<Message>[] = [];
      for (let i = 0; i < MESSAGES; i++) {
        if (i === KILL_AFTER) void c.killNode(1);
        sends.push(channel.send(`n${i}`));
        await sleep(INTERVAL_MS);
      }
      const answered = await Promise.all(sends);
      assert.deepEqual(texts(answered), numbered(), 'each send resolves with its own message');

      const reader = (await c.user(0, 'sdkreader')).client;
      const stored = await history(reader);
      assert.deepEqual(texts(stored), numbered(), 'history holds exactly the 200, once each, in send order');
      assert.deepEqual(
        stored.map((m) => m.seq),
        Array.from({ length: MESSAGES }, (_, i) => i + 1),
      );
      assert.deepEqual(
        answered.map((m) => m.UUID),
        uuidsOf(stored),
        'the answers are the stored messages',
      );
      await until(() => got.length >= MESSAGES, 'its own messages on the channel', 5000);
      assertSameSequence(uuidsOf(got), uuidsOf(stored), 'the sender’s channel stream against history');
    });
  });
}
