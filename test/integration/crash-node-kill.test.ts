/**
 * kill -9 of one of three nodes in the middle of a stream of messages:
 * what was acknowledged is stored exactly once (a success response means it
 * is durably stored), and the connections on the surviving nodes go on
 * seeing the channel in history order, with no gap and no duplicate.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
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

const NODES = 3;
const VICTIM = 2;
/** Per sender: one message every 250 ms — 6 senders, ~24 msg/s, then 4 senders after the kill. */
const INTERVAL_MS = 250;
/** Every sender sends exactly this many (about 6 s); the kill comes half way. */
const PER_SENDER = 24;
const BEFORE_KILL_MS = 3000;

interface Receiver {
  client: ChatClient;
  node: number;
  from: string | null;
}

for (const backend of REDIS_BACKENDS) {
  describe(`kill -9 of a node mid-stream (${backend})`, () => {
    const c = useNodes(NODES, {}, backend);
    const senders: { sender: PacedSender; node: number; userUUID: string }[] = [];
    const receivers: Receiver[] = [];
    let stored: Frame[] = [];

    before(async () => {
      // Every connection joined to the public channel; receivers never send.
      for (let node = 0; node < NODES; node++) {
        for (let i = 0; i < 2; i++) {
          const s = await c.user(node, `send${node}-`);
          await joined(s.client, 0);
          senders.push({ sender: new PacedSender(s.client, `n${node}s${i}`), node, userUUID: s.UUID });
          const r = await c.user(node, `recv${node}-`);
          receivers.push({ client: r.client, node, from: joinPoint(await joined(r.client, 0)) });
        }
      }
      for (const { sender } of senders) sender.start(PER_SENDER, INTERVAL_MS);
      await sleep(BEFORE_KILL_MS);
      await c.killNode(VICTIM);
      await Promise.all(senders.map(({ sender }) => sender.finished()));
      stored = await history(receivers[0]!.client);
    });

    it('answered every send on the surviving nodes, during and after the kill', (t) => {
      t.diagnostic(
        `acknowledged per sender: ${senders.map(({ sender }) => `${sender.label}=${sender.acked.length}`).join(' ')}; history ${stored.length}`,
      );
      for (const { sender, node } of senders.filter((s) => s.node !== VICTIM)) {
        const bad = sender.sent.filter((x) => x.outcome.reply?.type !== 'channelMessage');
        assert.deepEqual(
          bad.map((x) => x.outcome),
          [],
          `${sender.label} on node ${node}`,
        );
        assert.equal(sender.acked.length, PER_SENDER, `${sender.label} had every message acknowledged`);
      }
      // The victim's senders lost their connection, and the victim did answer some sends before it died.
      for (const { sender } of senders.filter((s) => s.node === VICTIM)) {
        assert.notEqual(sender.client.ws.readyState, WebSocket.OPEN, `${sender.label}'s connection closed`);
        assert.ok(sender.acked.length > 0, `${sender.label} had messages acknowledged before the kill`);
        assert.equal(sender.sent.length, sender.acked.length + 1, `${sender.label}: one send ended by the kill`);
      }
    });

    it('stores of a victim’s sender exactly what it acknowledged, and at most the one send the kill cut short', () => {
      for (const { sender, userUUID } of senders.filter((s) => s.node === VICTIM)) {
        const storedTexts = stored.filter((m) => m.senderUUID === userUUID).map((m) => m.message);
        const ackedTexts = sender.acked.map((m) => m.message);
        const cutShort = sender.sent.at(-1)!.text;
        assert.ok(
          JSON.stringify(storedTexts) === JSON.stringify(ackedTexts) ||
            JSON.stringify(storedTexts) === JSON.stringify([...ackedTexts, cutShort]),
          `${sender.label}: stored ${JSON.stringify(storedTexts.slice(-3))}, acknowledged …${JSON.stringify(ackedTexts.slice(-2))}`,
        );
      }
    });

    it('stores every acknowledged message exactly once, on whichever node it was sent', () => {
      const acked = senders.flatMap(({ sender }) => sender.acked);
      assertStoredOnce(stored, acked, 'public history after the kill');
    });

    it('pushes to each receiver on a surviving node the surviving senders’ messages in history order, no gap, no duplicate', async () => {
      const survivors = new Set(senders.filter((s) => s.node !== VICTIM).map((s) => s.userUUID));
      const fromSurvivor = (m: Frame) => survivors.has((m.channelMessage ?? m).senderUUID);
      const watched = receivers
        .filter((r) => r.node !== VICTIM)
        .map((r) => ({ ...r, keep: fromSurvivor, expected: uuidsOf(afterPoint(stored, r.from).filter(fromSurvivor)) }));
      const pushes = await settleAll(watched.map((w) => ({ ...w, count: w.expected.length })));
      for (const [i, { node, expected }] of watched.entries()) {
        assertSameSequence(uuidsOf(pushes[i]!), expected, `receiver on node ${node}, surviving senders' messages`);
      }
    });

    it('pushes to each receiver on a surviving node everything stored after its join, the victim’s last messages included', async () => {
      const watched = receivers
        .filter((r) => r.node !== VICTIM)
        .map((r) => ({ ...r, expected: uuidsOf(afterPoint(stored, r.from)) }));
      const pushes = await settleAll(watched.map((w) => ({ ...w, count: w.expected.length })));
      for (const [i, { node, expected }] of watched.entries()) {
        assertSameSequence(uuidsOf(pushes[i]!), expected, `receiver on node ${node}, all messages`);
      }
    });
  });
}
