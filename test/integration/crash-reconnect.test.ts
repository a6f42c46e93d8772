/**
 * A client loses its node — it disconnects, or the node is killed with -9 —
 * and carries on from another node with the access key it already has
 * (docs/protocol.md: "An access key keeps working on a new connection"), without
 * signing in again: its acknowledged messages are in history, a new join
 * gets pushes again, and presence follows the new connection — including
 * going offline when it closes while its old node lies dead (NODE_TTL_MS).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { joined, listedInPublic, onLine, send } from '../helpers/chat.js';
import { type Auth, type Frame, pollUntil } from '../helpers/client.js';
import {
  afterPoint,
  assertSameSequence,
  assertStoredOnce,
  history,
  joinPoint,
  type NodeUser,
  REDIS_BACKENDS,
  settlePushes,
  timedRequest,
  useNodes,
  uuidsOf,
} from '../helpers/nodes.js';

const NODE_TTL_MS = 3000;
const OFFLINE_WITHIN_MS = 15_000;
const A = 0;
const B = 1;
const C = 2;

for (const backend of REDIS_BACKENDS) {
  describe(`reconnecting to another node with the same access key (${backend})`, () => {
    const c = useNodes(3, { NODE_TTL_MS: String(NODE_TTL_MS) }, backend);
    /** On node C throughout: watches presence, and sends messages for the moved client to receive. */
    let observer: NodeUser;
    let talker: NodeUser;

    before(async () => {
      observer = await c.user(C, 'observer');
      talker = await c.user(C, 'talker');
      await joined(talker.client, 0);
    });

    /**
     * The client's life on node B with credentials it got on node A: history,
     * a join and its pushes, a send, then presence while connected and after
     * it closes.
     */
    async function carriesOnOnB(auth: Auth, acked: Frame[]): Promise<void> {
      const moved = await c.connectAs(B, auth);

      const earlier = await history(moved);
      assertStoredOnce(earlier, acked, 'history read on node B with the old access key');

      const join = await moved.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
      assert.equal(join.type, 'channelJoin', `channelJoin on node B with the old key: ${JSON.stringify(join)}`);
      assert.ok(
        join.channelJoin.users.some((u: { UUID: string }) => u.UUID === auth.userUUID),
        'the join on B lists the user itself',
      );
      const from = joinPoint(join);

      const own = await send(moved, 0, 'from node B');
      for (let i = 0; i < 3; i++) await send(talker.client, 0, `to the moved client ${i}`);
      const stored = await history(moved);
      const expected = uuidsOf(afterPoint(stored, from)).filter((u) => u !== own.UUID);
      assert.equal(expected.length, 3);
      const pushes = await settlePushes(moved, expected.length);
      assertSameSequence(uuidsOf(pushes), expected, 'pushes on node B after joining again');

      const online = await pollUntil(
        () => onLine(observer.client, auth.userUUID),
        (v) => v,
        5000,
        100,
      );
      assert.equal(online.value, true, 'OnLine while connected to node B');
      assert.equal(
        await listedInPublic(observer.client, auth.userUUID),
        true,
        'in the public channel’s users while joined on B',
      );

      moved.close();
      await moved.closed;
      const gone = await pollUntil(
        async () => ({
          online: await onLine(observer.client, auth.userUUID),
          listed: await listedInPublic(observer.client, auth.userUUID),
        }),
        (v) => !v.online && !v.listed,
        OFFLINE_WITHIN_MS,
        250,
      );
      assert.deepEqual(
        gone.value,
        { online: false, listed: false },
        `${gone.ms} ms after closing on B: users OnLine=${gone.value.online}, listed by channelJoin=${gone.value.listed}`,
      );
    }

    it('keeps history, pushes and presence for a client that disconnects from A and goes on from B with its key', async () => {
      const { client, UUID } = await c.user(A, 'leaver');
      await joined(client, 0);
      const acked: Frame[] = [];
      for (let i = 0; i < 5; i++) acked.push(await send(client, 0, `leaver ${i}`));
      const auth = { ...client.auth };
      client.close();
      await client.closed;
      assert.equal(auth.userUUID, UUID);

      await carriesOnOnB(auth, acked);
    });

    it('keeps history, pushes and presence for a client whose node A was killed with -9, going on from B with its key', async () => {
      const { client } = await c.user(A, 'survivor');
      await joined(client, 0);
      const acked: Frame[] = [];
      for (let i = 0; i < 5; i++) acked.push(await send(client, 0, `survivor ${i}`));
      // A few more in flight as the node dies: those answered count as acknowledged.
      const inFlight = Array.from({ length: 5 }, (_, i) =>
        timedRequest(
          client,
          { type: 'channelMessage', channelMessage: { recipientUUID: 0, message: `in flight ${i}` } },
          5000,
        ),
      );
      await c.killNode(A);
      for (const outcome of await Promise.all(inFlight)) {
        const reply = outcome.reply as Frame | null;
        if (reply?.type === 'channelMessage') acked.push(reply.channelMessage);
      }
      await client.closed;

      await carriesOnOnB({ ...client.auth }, acked);
    });
  });
}
