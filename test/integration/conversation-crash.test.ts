/**
 * The conversation index can not drift: a node killed with -9 right after a
 * private message is stored and before the conversation is indexed (the
 * test hook WSCHAT_TEST_CRASH_AT=message-stored stops it exactly there)
 * leaves neither participant's list missing the conversation or showing it
 * out of order — the next list, on another node, repairs it from the
 * channel. On one Redis and on a cluster.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { send } from '../helpers/chat.js';
import { ChatClient, type Frame } from '../helpers/client.js';
import { REDIS_BACKENDS, useNodes } from '../helpers/nodes.js';
import { startServer, type TestServer } from '../helpers/server.js';

const SURVIVOR = 0;

async function channels(client: ChatClient): Promise<Frame[]> {
  const reply = await client.authed({ type: 'channels' });
  assert.equal(reply.type, 'channels', JSON.stringify(reply));
  return reply.channels.channels;
}

for (const backend of REDIS_BACKENDS) {
  describe(`a node killed between storing a private message and indexing it (${backend})`, () => {
    const c = useNodes(1, {}, backend);

    it('still lists the conversation, first, with the message and its unread count, on the next list elsewhere', async () => {
      const me = await c.user(SURVIVOR, 'me');
      const older = await c.user(SURVIVOR, 'older');
      const sender = await c.user(SURVIVOR, 'sender');
      await send(me.client, sender.UUID, 'we talked before');
      // Now the conversation with `older` is ahead; the crashed send must put `sender`'s back on top.
      await send(older.client, me.UUID, 'a later conversation');

      const crashing: TestServer = await startServer(
        backend === 'redis' ? c.redis.url : '',
        backend === 'redis'
          ? { WSCHAT_TEST_CRASH_AT: 'message-stored' }
          : { WSCHAT_TEST_CRASH_AT: 'message-stored', REDIS_CLUSTER_NODES: c.redisCluster.nodes },
      );
      const onCrashing = await ChatClient.connect(crashing.url);
      onCrashing.auth = { ...sender.client.auth };
      onCrashing.sendJson({
        type: 'channelMessage',
        SUUID: onCrashing.sessionUUID,
        ...onCrashing.auth,
        id: 'x',
        channelMessage: { recipientUUID: me.UUID, message: 'stored, then the node died' },
      });
      assert.equal(await crashing.exited, 'SIGKILL', 'the node killed itself at the hook');

      const mine = await channels(me.client);
      assert.deepEqual(
        mine.map((entry) => entry.recipientUUID),
        [0, sender.UUID, older.UUID],
        'the conversation with the newest message comes first, though its index was never updated',
      );
      assert.equal(mine[1].lastMessage.message, 'stored, then the node died');
      assert.deepEqual(
        [mine[1].messagesTotal, mine[1].seenSeq, mine[1].unread],
        [2, 1, 1],
        'my own first message is seen',
      );

      const theirs = await channels(sender.client);
      assert.deepEqual(
        theirs.map((entry) => entry.recipientUUID),
        [0, me.UUID],
      );
      assert.deepEqual([theirs[1].messagesTotal, theirs[1].unread], [2, 0], 'the sender’s own message is seen');
      assert.equal(theirs[1].lastMessage.message, 'stored, then the node died');
    });

    it('lists a first message of a new conversation whose node died before indexing it', async () => {
      const me = await c.user(SURVIVOR, 'new-me');
      const stranger = await c.user(SURVIVOR, 'stranger');
      const crashing = await startServer(
        backend === 'redis' ? c.redis.url : '',
        backend === 'redis'
          ? { WSCHAT_TEST_CRASH_AT: 'message-stored' }
          : { WSCHAT_TEST_CRASH_AT: 'message-stored', REDIS_CLUSTER_NODES: c.redisCluster.nodes },
      );
      const onCrashing = await ChatClient.connect(crashing.url);
      onCrashing.auth = { ...stranger.client.auth };
      onCrashing.sendJson({
        type: 'channelMessage',
        SUUID: onCrashing.sessionUUID,
        ...onCrashing.auth,
        channelMessage: { recipientUUID: me.UUID, message: 'hello, first time' },
      });
      assert.equal(await crashing.exited, 'SIGKILL');
      const mine = await channels(me.client);
      assert.deepEqual(
        mine.map((entry) => entry.recipientUUID),
        [0, stranger.UUID],
      );
      assert.equal(mine[1].username, stranger.username);
      assert.equal(mine[1].unread, 1);
    });
  });
}
