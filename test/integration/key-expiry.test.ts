/**
 * Access keys expire after ACCESS_KEY_TTL_MS unused, and a key in use never
 * does: each use renews it in Redis (at least every quarter of the TTL,
 * although a node trusts its checks from memory), so a node that never saw
 * the key accepts it as long as it is used, and refuses it once idle.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChatClient, sleep } from '../helpers/client.js';
import { useNodes } from '../helpers/nodes.js';

const TTL_MS = 1500;
const A = 0;
const B = 1;
const C = 2;

async function usersCode(client: ChatClient): Promise<number> {
  const reply = await client.authed({ type: 'users', users: { limit: 1 } });
  return reply.type === 'users' ? 0 : reply.error.code;
}

describe(`access key expiry (ACCESS_KEY_TTL_MS=${TTL_MS})`, () => {
  const c = useNodes(3, { ACCESS_KEY_TTL_MS: String(TTL_MS) });

  it('refuses a key left unused longer than its TTL, on a node that never saw it and on the one that issued it', async () => {
    const user = await c.user(A, 'idle');
    await sleep(TTL_MS + 700);
    assert.equal(await usersCode(await c.connectAs(B, user.client.auth)), 5, 'on a node that never saw the key');
    assert.equal(await usersCode(user.client), 5, 'on the node that issued it');
  });

  it('keeps a key in use working past its TTL, also on a node that never saw it', async () => {
    const user = await c.user(A, 'busy');
    const codes: number[] = [];
    const until = Date.now() + TTL_MS * 3;
    while (Date.now() < until) {
      codes.push(await usersCode(user.client));
      await sleep(200);
    }
    assert.ok(codes.length >= 10, `${codes.length} uses`);
    assert.deepEqual(new Set(codes), new Set([0]), 'every use accepted');
    assert.equal(await usersCode(await c.connectAs(C, user.client.auth)), 0, 'renewed in Redis by its use');
  });
});
