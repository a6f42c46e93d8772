/**
 * A revoked access key stops working on every node, not only the one that
 * revoked it — although the other node checked the key a moment before and
 * trusts such checks from memory — and also when that node's pub/sub
 * connection was cut just before the revocation, so the notice never
 * reached it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatClient } from '../helpers/client.js';
import { REDIS_BACKENDS, useNodes } from '../helpers/nodes.js';

const A = 0;
const B = 1;
/** Users signed out one after another in the first test. */
const REVOCATION_ROUNDS = 12;

/** The error code of a `users` request on `client` with its credentials, or 0 for success. */
async function usersCode(client: ChatClient): Promise<number> {
  const reply = await client.authed({ type: 'users', users: { limit: 1 } });
  return reply.type === 'users' ? 0 : reply.error.code;
}

for (const backend of REDIS_BACKENDS) {
  describe(`access-key revocation across nodes (${backend})`, () => {
    const c = useNodes(2, {}, backend);

    // Several users in turn: on a cluster each key lives on its own master, and the notice must beat the reply from any.
    it('refuses a key on node B at once after it was signed out on node A, though B had just checked it', async () => {
      for (let round = 0; round < REVOCATION_ROUNDS; round++) {
        const user = await c.user(A, `revoked-${round}`);
        const onB = await c.connectAs(B, user.client.auth);
        assert.equal(await usersCode(onB), 0, 'the key works on B (and B now trusts it from memory)');
        const out = await user.client.authed({ type: 'signOut' });
        assert.equal(out.type, 'unauthorized', JSON.stringify(out));
        assert.equal(await usersCode(onB), 5, `round ${round}`);
        const fresh = await c.connectAs(B, user.client.auth);
        assert.equal(await usersCode(fresh), 5, 'nor on a new connection');
      }
    });

    // On a cluster the client replaces a cut subscriber by itself; its close is still seen at once (store/pubsub.ts).
    it('refuses it at once too when B’s pub/sub connection was cut just before the sign-out', async () => {
      const user = await c.user(A, 'cut');
      const onB = await c.connectAs(B, user.client.auth);
      assert.equal(await usersCode(onB), 0);
      await c.killSubscribers();
      const out = await user.client.authed({ type: 'signOut' });
      assert.equal(out.type, 'unauthorized', JSON.stringify(out));
      assert.equal(await usersCode(onB), 5, 'the notice was lost, but B no longer trusts what it cached');
    });

    it('keeps trusting the user’s other keys, and keys of other users, after the subscriber came back', async () => {
      const user = await c.user(A, 'other-keys');
      const second = await c.connect(B);
      const signedIn = await second.signIn(user.username);
      assert.equal(signedIn.type, 'authorized', JSON.stringify(signedIn));
      assert.equal(await usersCode(second), 0);
      assert.equal((await user.client.authed({ type: 'signOut' })).type, 'unauthorized');
      assert.equal(await usersCode(second), 0, 'a sign-out revokes only the key it carries');
    });
  });
}
