/**
 * Three server nodes on one Redis (docs/protocol.md, Channels): a message sent on
 * any node is pushed to every other joined connection on every node, and
 * every connection sees a channel's messages in one order — its history's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joined, send } from '../helpers/chat.js';
import type { ChatClient, Frame } from '../helpers/client.js';
import {
  afterPoint,
  assertSameSequence,
  assertStoredOnce,
  history,
  joinPoint,
  PacedSender,
  REDIS_BACKENDS,
  settleAll,
  useNodes,
  uuidsOf,
} from '../helpers/nodes.js';

const NODES = 3;

for (const backend of REDIS_BACKENDS) {
  describe(`three nodes on one ${backend}`, () => {
    const c = useNodes(NODES, {}, backend);

    it('pushes a public message sent on any node to every joined connection on every node, all in history order', async () => {
      // Two receivers per node (they never send), two senders per node.
      const receivers: { client: ChatClient; node: number; from: string | null }[] = [];
      for (let node = 0; node < NODES; node++) {
        for (let i = 0; i < 2; i++) {
          const { client } = await c.user(node, `recv${node}-`);
          receivers.push({ client, node, from: joinPoint(await joined(client, 0)) });
        }
      }
      const senders: PacedSender[] = [];
      for (let node = 0; node < NODES; node++) {
        for (let i = 0; i < 2; i++) {
          const { client } = await c.user(node, `send${node}-`);
          senders.push(new PacedSender(client, `n${node}s${i}`));
        }
      }
      // The first sender's own second connection, on another node, joined: it gets that user's messages as pushes too.
      const twin = await c.connectAs(1, senders[0]!.client.auth);
      receivers.push({ client: twin, node: 1, from: joinPoint(await joined(twin, 0)) });

      // 6 senders, 8 messages each, about 5 per second each: ~30 msg/s in all, every node sending at once.
      for (const sender of senders) sender.start(8, 200);
      await Promise.all(senders.map((sender) => sender.finished()));
      const acked = senders.flatMap((s) => s.acked);
      const failures = senders.flatMap((s) => s.sent.filter((x) => x.outcome.reply?.type !== 'channelMessage'));
      assert.deepEqual(
        failures.map((f) => f.outcome),
        [],
        'every send acknowledged',
      );

      const stored = await history(receivers[0]!.client);
      assertStoredOnce(stored, acked, 'public history');
      const watched = receivers.map((r) => ({ ...r, expected: uuidsOf(afterPoint(stored, r.from)) }));
      const pushes = await settleAll(watched.map((w) => ({ ...w, count: w.expected.length })));
      for (const [i, { node, expected }] of watched.entries()) {
        assertSameSequence(uuidsOf(pushes[i]!), expected, `receiver on node ${node}: pushes vs history after its join`);
      }
    });

    it('pushes a private message across nodes to the other participant and to the sender’s other connection', async () => {
      const alice = await c.user(0, 'alice');
      const bob = await c.user(2, 'bob');
      const aliceElsewhere = await c.connectAs(1, alice.client.auth);
      const points = new Map<ChatClient, string | null>([
        [alice.client, joinPoint(await joined(alice.client, bob.UUID))],
        [bob.client, joinPoint(await joined(bob.client, alice.UUID))],
        [aliceElsewhere, joinPoint(await joined(aliceElsewhere, bob.UUID))],
      ]);

      // Both sides send at the same time, from nodes 0 and 2.
      const sentBy = new Map<ChatClient, Frame[]>([
        [alice.client, []],
        [bob.client, []],
      ]);
      await Promise.all([
        (async () => {
          for (let i = 0; i < 5; i++) sentBy.get(alice.client)!.push(await send(alice.client, bob.UUID, `a${i}`));
        })(),
        (async () => {
          for (let i = 0; i < 5; i++) sentBy.get(bob.client)!.push(await send(bob.client, alice.UUID, `b${i}`));
        })(),
      ]);

      const fromAlice = await history(alice.client, bob.UUID);
      const fromBob = await history(bob.client, alice.UUID);
      assertSameSequence(uuidsOf(fromBob), uuidsOf(fromAlice), 'the private channel from either side');
      assertStoredOnce(fromAlice, [...sentBy.values()].flat(), 'private history');
      assert.equal(fromAlice.length, 10);

      const watched = (
        [
          [alice.client, 'alice (node 0)'],
          [bob.client, 'bob (node 2)'],
          [aliceElsewhere, 'alice’s second connection (node 1)'],
        ] as const
      ).map(([client, name]) => {
        const own = new Set(uuidsOf(sentBy.get(client) ?? []));
        return {
          client,
          name,
          expected: uuidsOf(afterPoint(fromAlice, points.get(client)!)).filter((u) => !own.has(u)),
        };
      });
      const received = await settleAll(watched.map((w) => ({ ...w, count: w.expected.length })));
      for (const [i, { name, expected }] of watched.entries()) {
        const pushes = received[i]!;
        assertSameSequence(uuidsOf(pushes), expected, `${name}: private pushes vs history`);
        for (const push of pushes as Frame[]) {
          const { senderUUID, recipientUUID } = push.channelMessage;
          assert.equal(
            recipientUUID,
            senderUUID === alice.UUID ? bob.UUID : alice.UUID,
            'recipientUUID as its sender named it',
          );
        }
      }
    });
  });
}
