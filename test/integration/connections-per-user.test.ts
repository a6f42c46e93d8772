/**
 * MAX_CONNECTIONS_PER_USER counts a user's connections on all nodes
 * together (Centrifugo's limits are per node only): past it, the request
 * that would bind one more gets error 10, on whichever node; and the count
 * follows a crash — a node killed with -9 stops counting once presence
 * sweeps it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pollUntil } from '../helpers/client.js';
import { TEST } from '../helpers/harness.js';
import { REDIS_BACKENDS, useNodes } from '../helpers/nodes.js';

const NODE_TTL_MS = 2000;

for (const backend of REDIS_BACKENDS) {
  describe(`connections per user across nodes (${backend})`, () => {
    const c = useNodes(2, { MAX_CONNECTIONS_PER_USER: '2', NODE_TTL_MS: String(NODE_TTL_MS) }, backend);

    it(
      'binds two connections on two nodes, refuses a third with 10 on either, and counts again after a kill -9',
      TEST,
      async () => {
        const alice = await c.user(0, 'capped');
        const onB = await c.connectAs(1, alice.client.auth);
        assert.equal((await onB.authed({ type: 'users' })).type, 'users', 'the second, on the other node');

        const third = await c.connectAs(0, alice.client.auth);
        assert.deepEqual((await third.authed({ type: 'users' })).error, {
          code: 10,
          message: 'rate limited; retry later: at most 2 connections per user',
        });
        const signingIn = await c.connect(1);
        assert.equal((await signingIn.signIn(alice.username)).error?.code, 10, 'a sign-in that would bind a third');
        const other = await c.user(1, 'uncapped');
        assert.equal((await other.client.authed({ type: 'users' })).type, 'users', 'another user is not affected');

        await c.killNode(1);
        const fresh = await c.connectAs(0, alice.client.auth);
        const bound = await pollUntil(
          async () => (await fresh.authed({ type: 'users' })).type,
          (type) => type === 'users',
          NODE_TTL_MS * 6,
          250,
        );
        assert.equal(bound.value, 'users', 'the dead node’s connection stopped counting once it was swept');
      },
    );
  });
}
