/**
 * Gaps in the push stream, opened on purpose: every node's pub/sub
 * connection is cut (`CLIENT KILL TYPE pubsub`) again and again while
 * messages flow fast from both nodes. What a node's topic missed is in the
 * channel's feed, and it must read it from there before it applies anything
 * newer: every receiver's pushes are then exactly the history after its
 * join — none missing, none twice, none out of order.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { joined } from '../helpers/chat.js';
import { type ChatClient, type Frame, sleep } from '../helpers/client.js';
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

const NODES = 2;
/** Cuts, one every CUT_EVERY_MS, while two senders per node send back to back. */
const CUTS = 8;
const CUT_EVERY_MS = 400;
const PER_SENDER = 1500;

for (const backend of REDIS_BACKENDS) {
  describe(`pub/sub connections cut mid-stream (${backend})`, () => {
    const c = useNodes(NODES, { RATE_LIMIT_PER_SEC: '100000' }, backend);
    const senders: PacedSender[] = [];
    const receivers: { client: ChatClient; node: number; from: string | null }[] = [];
    let stored: Frame[] = [];

    before(async () => {
      for (let node = 0; node < NODES; node++) {
        for (let i = 0; i < 2; i++) {
          const r = await c.user(node, `recv${node}-`);
          receivers.push({ client: r.client, node, from: joinPoint(await joined(r.client, 0)) });
          senders.push(new PacedSender((await c.user(node, `send${node}-`)).client, `n${node}s${i}`));
        }
      }
      for (const sender of senders) sender.start(PER_SENDER, 0);
      for (let cut = 0; cut < CUTS; cut++) {
        await sleep(CUT_EVERY_MS);
        await c.killSubscribers();
      }
      await sleep(CUT_EVERY_MS);
      await Promise.all(senders.map((sender) => sender.stop()));
      stored = await history(receivers[0]!.client);
    });

    it('answered every send and stored it once', (t) => {
      const failed = senders.flatMap((s) => s.sent.filter((x) => x.outcome.reply?.type !== 'channelMessage'));
      assert.deepEqual(
        failed.map((x) => x.outcome),
        [],
      );
      assertStoredOnce(
        stored,
        senders.flatMap((s) => s.acked),
        'public history',
      );
      t.diagnostic(`${stored.length} messages across ${CUTS} cuts`);
      assert.ok(stored.length >= CUTS * 20, `messages kept flowing through the cuts (${stored.length})`);
    });

    it('pushed every receiver on either node exactly the history after its join', async () => {
      const watched = receivers.map((r) => ({ ...r, expected: uuidsOf(afterPoint(stored, r.from)) }));
      const pushes = await settleAll(watched.map((w) => ({ ...w, count: w.expected.length })));
      for (const [i, { node, expected }] of watched.entries()) {
        assertSameSequence(uuidsOf(pushes[i]!), expected, `receiver on node ${node}`);
      }
    });
  });
}
