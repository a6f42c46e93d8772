/**
 * A node that dies without a word (kill -9) takes its connections offline:
 * the survivors notice its heartbeat key expired (NODE_TTL_MS) and sweep its
 * presence and public-channel membership records, within about NODE_TTL_MS
 * plus a sweep period — here bounded by 15 s.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joined, listedInPublic, onLine } from '../helpers/chat.js';
import { pollUntil } from '../helpers/client.js';
import { type NodeUser, REDIS_BACKENDS, useNodes } from '../helpers/nodes.js';

const NODE_TTL_MS = 3000;
const SWEPT_WITHIN_MS = 15_000;
const A = 0;
const B = 1;

for (const backend of REDIS_BACKENDS) {
  describe(`presence when a node dies (${backend})`, () => {
    const c = useNodes(2, { NODE_TTL_MS: String(NODE_TTL_MS) }, backend);

    /** On both nodes: a connection joined on A and one joined on B. */
    let twin: NodeUser;
    let observer: NodeUser;

    it('shows a user of a kill -9ed node offline and drops them from the public channel’s users within 15 s, on a surviving node', async (t) => {
      observer = await c.user(A, 'observer');
      await joined(observer.client, 0);
      const victim = await c.user(B, 'victim');
      await joined(victim.client, 0);
      twin = await c.user(A, 'twin');
      await joined(twin.client, 0);
      await joined(await c.connectAs(B, twin.client.auth), 0);

      const seenOnline = await pollUntil(
        () => onLine(observer.client, victim.UUID),
        (v) => v,
        5000,
        100,
      );
      assert.equal(seenOnline.value, true, 'node A shows the user connected on B online');
      const seenListed = await pollUntil(
        () => listedInPublic(observer.client, victim.UUID),
        (v) => v,
        5000,
        100,
      );
      assert.equal(seenListed.value, true, 'node A’s channelJoin lists the user joined on B');

      await c.killNode(B);

      const gone = await pollUntil(
        async () => ({
          online: await onLine(observer.client, victim.UUID),
          listed: await listedInPublic(observer.client, victim.UUID),
        }),
        (v) => !v.online && !v.listed,
        SWEPT_WITHIN_MS,
        250,
      );
      assert.deepEqual(
        gone.value,
        { online: false, listed: false },
        `${gone.ms} ms after node B was killed: users OnLine=${gone.value.online}, listed by channelJoin=${gone.value.listed}`,
      );
      t.diagnostic(`offline and unlisted ${gone.ms} ms after the kill`);
    });

    it('keeps a user connected on both nodes online and listed after the dead node’s sweep, and the observer listed', async () => {
      // Runs after the first test: B is dead and swept.
      assert.equal(await onLine(observer.client, twin.UUID), true, 'still connected on A');
      assert.equal(await listedInPublic(observer.client, twin.UUID), true, 'still joined on A');
      assert.equal(await listedInPublic(twin.client, observer.UUID), true, 'an observer joined before the kill');
    });

    it('keeps the surviving node’s own users online and listed after the sweep', async () => {
      // Runs after the first test: B is dead and swept; A's records must be untouched.
      const survivor = await c.user(A, 'survivor');
      await joined(survivor.client, 0);
      // Longer than a node's TTL: had A's own heartbeat lapsed, a sweep would have taken its records by now.
      await new Promise((resolve) => setTimeout(resolve, NODE_TTL_MS + 1000));
      const other = await c.user(A, 'witness');
      assert.equal(await onLine(other.client, survivor.UUID), true, 'a user connected to a live node stays online');
      assert.equal(
        await listedInPublic(other.client, survivor.UUID),
        true,
        'a user joined on a live node stays listed',
      );
    });
  });
}
