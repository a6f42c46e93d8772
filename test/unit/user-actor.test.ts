/**
 * The user actor over in-memory access keys and presence: keys issued,
 * checked (from memory for a minute), revoked and forgotten; presence
 * following the sessions bound on this node, retried when Redis is down.
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { getHeapSnapshot } from 'node:v8';
import { digestSecret, formatAccessKey, newAccessKey, parseAccessKey } from '../../src/actors/access-key.js';
import { UserActor } from '../../src/actors/user-actor.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { MemoryInbox } from '../fakes/memory-signals.js';
import { ManualRevocationWatch, MemoryAccessKeys, MemoryPresence } from '../fakes/memory-users.js';
import { settle } from '../helpers/async.js';

const USER = '21d4b0aa-da77-4833-a315-1b13f70de65d';

function actor(accessKeyTtlMs = 30 * 86_400_000, maxConnectionsPerUser = 0) {
  const accessKeys = new MemoryAccessKeys();
  const presence = new MemoryPresence();
  const revocations = new ManualRevocationWatch();
  const user = new UserActor(USER, {
    accessKeys,
    presence,
    inbox: new MemoryInbox(),
    revocations,
    accessKeyTtlMs,
    maxConnectionsPerUser,
    log: createLogger('silent'),
  });
  return { user, accessKeys, presence, revocations };
}

/** Issues a key and returns its parts as a client would present them. */
async function issued(user: UserActor): Promise<{ keyId: string; secret: string }> {
  const { accessKey } = await user.issueKey();
  return parseAccessKey(accessKey)!;
}

/** How many strings in this process's heap are slices of `text` (a heap snapshot collects garbage first). */
async function slicesOf(text: string): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  const snapshot = JSON.parse(Buffer.concat(chunks).toString());
  const { node_fields: nodeFields, edge_fields: edgeFields, node_types: nodeTypes } = snapshot.snapshot.meta;
  const [type, name, edgeCount] = ['type', 'name', 'edge_count'].map((field) => nodeFields.indexOf(field));
  const [edgeName, to] = ['name_or_index', 'to_node'].map((field) => edgeFields.indexOf(field));
  const { nodes, edges, strings } = snapshot as { nodes: number[]; edges: number[]; strings: string[] };
  let edge = 0;
  let count = 0;
  for (let node = 0; node < nodes.length; node += nodeFields.length) {
    const sliced = nodeTypes[0][nodes[node + type]!] === 'sliced string';
    for (let k = 0; k < nodes[node + edgeCount]!; k++, edge += edgeFields.length) {
      if (
        sliced &&
        strings[edges[edge + edgeName]!] === 'parent' &&
        strings[nodes[edges[edge + to]! + name]!] === text
      ) {
        count++;
      }
    }
  }
  return count;
}

describe('UserActor access keys', () => {
  it('stores only a digest of an issued key, and accepts exactly that key', async () => {
    const { user, accessKeys } = actor();
    const key = await issued(user);
    const stored = accessKeys.digests.get(`${USER} ${key.keyId}`);
    assert.equal(stored?.length, 32, 'sha256 of the secret');
    assert.ok(!stored.toString('latin1').includes(key.secret));
    assert.equal(await user.authenticate(key.keyId, key.secret), true);
    // Another last character: 'A' unless it already is one (1 key in 64).
    const other = key.secret.endsWith('A') ? 'B' : 'A';
    assert.equal(await user.authenticate(key.keyId, `${key.secret.slice(0, -1)}${other}`), false);
    assert.equal(await user.authenticate('AAAAAAAAAAAAAAAA', key.secret), false);
  });

  it('remembers a checked key id without keeping the presented key (secret and all) alive', async () => {
    const { user, accessKeys } = actor();
    const key = newAccessKey();
    await accessKeys.save(USER, key.keyId, digestSecret(key.secret));
    // As JSON.parse gives it from a request: a flat string of its own, which the parsed parts are slices of.
    const presented: string = JSON.parse(JSON.stringify(formatAccessKey(key)));
    const check = (text: string) => {
      const { keyId, secret } = parseAccessKey(text)!;
      return user.authenticate(keyId, secret);
    };
    assert.equal(await check(presented), true);
    assert.equal(accessKeys.touches, 1, 'checked against the store, and remembered');
    assert.equal(await slicesOf(presented), 0);
    assert.equal(await check(presented), true);
    assert.equal(accessKeys.touches, 1, 'the remembered id still finds the key');
  });

  it('checks a key against the store at most once a minute', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    try {
      const { user, accessKeys } = actor();
      const key = await issued(user);
      assert.equal(await user.authenticate(key.keyId, key.secret), true);
      mock.timers.tick(59_999);
      assert.equal(await user.authenticate(key.keyId, key.secret), true);
      assert.equal(accessKeys.touches, 0, 'known since it was issued: checked from memory');
      mock.timers.tick(1);
      assert.equal(await user.authenticate(key.keyId, key.secret), true);
      assert.equal(accessKeys.touches, 1, 'a minute later the store is asked (which renews the key)');
      assert.equal(await user.authenticate(key.keyId, key.secret), true);
      assert.equal(accessKeys.touches, 1, 'and trusted for another minute');
    } finally {
      mock.timers.reset();
    }
  });

  it('checks a key against the store at least every quarter of its TTL, so a key in use is renewed', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    try {
      const { user, accessKeys } = actor(2000);
      const key = await issued(user);
      mock.timers.tick(499);
      assert.equal(await user.authenticate(key.keyId, key.secret), true);
      assert.equal(accessKeys.touches, 0);
      mock.timers.tick(1);
      assert.equal(await user.authenticate(key.keyId, key.secret), true);
      assert.equal(accessKeys.touches, 1, 'a quarter of the 2 s TTL later');
    } finally {
      mock.timers.reset();
    }
  });

  it('trusts no cached check while a revocation notice may be missed, nor one cached before the gap', async () => {
    const { user, accessKeys, revocations } = actor();
    const key = await issued(user);
    revocations.lose(); // the subscriber connection dropped
    accessKeys.digests.delete(`${USER} ${key.keyId}`); // revoked on another node meanwhile; the notice is lost
    assert.equal(await user.authenticate(key.keyId, key.secret), false, 'checked against the store');
    const other = await issued(user);
    assert.equal(await user.authenticate(other.keyId, other.secret), true);
    const touches = accessKeys.touches;
    assert.equal(await user.authenticate(other.keyId, other.secret), true);
    assert.equal(accessKeys.touches, touches + 1, 'nothing is cached during the gap');
    revocations.recover();
    accessKeys.digests.delete(`${USER} ${other.keyId}`);
    assert.equal(
      await user.authenticate(other.keyId, other.secret),
      false,
      'a check from before the gap is not trusted',
    );
  });

  it('refuses a revoked key at once on the node that revoked it', async () => {
    const { user, accessKeys } = actor();
    const key = await issued(user);
    const other = await issued(user);
    await user.revokeKey(key.keyId);
    assert.deepEqual(accessKeys.revoked, [`${USER} ${key.keyId}`]);
    assert.equal(await user.authenticate(key.keyId, key.secret), false);
    assert.equal(await user.authenticate(other.keyId, other.secret), true, 'the other key keeps working');
  });

  it('answers a check asked while a revocation is under way after the revocation, not from memory', async () => {
    const { user, accessKeys } = actor();
    const key = await issued(user);
    const revoke = accessKeys.revoke.bind(accessKeys);
    let letRevokeFinish!: () => void;
    accessKeys.revoke = async (userUUID, keyId) => {
      await new Promise<void>((resolve) => (letRevokeFinish = resolve));
      return revoke(userUUID, keyId);
    };
    const revoked = user.revokeKey(key.keyId);
    const checked = user.authenticate(key.keyId, key.secret); // the key is still cached and trusted
    await settle();
    letRevokeFinish();
    await revoked;
    assert.equal(await checked, false, 'queued behind the revocation');
  });

  it('refuses a key revoked on another node once told to forget it, although it was cached', async () => {
    const { user, accessKeys } = actor();
    const key = await issued(user);
    assert.equal(await user.authenticate(key.keyId, key.secret), true);
    accessKeys.digests.delete(`${USER} ${key.keyId}`); // revoked elsewhere
    assert.equal(await user.authenticate(key.keyId, key.secret), true, 'still cached: the notice has not come');
    await user.forgetKey(key.keyId);
    assert.equal(await user.authenticate(key.keyId, key.secret), false);
  });
});

describe('UserActor presence', () => {
  it('counts the user present on this node from the first bound session to the last', async () => {
    const { user, presence } = actor();
    await user.bind('s1');
    await user.bind('s2');
    await user.unbind('s1');
    assert.deepEqual(presence.calls, [`add ${USER}`]);
    await user.unbind('s2');
    assert.deepEqual(presence.calls, [`add ${USER}`, `remove ${USER}`]);
    assert.equal(presence.online.has(USER), false);
  });

  it('binds although Redis is down, and records presence a second later', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { user, presence } = actor();
      presence.failures = 1;
      await user.bind('s1');
      assert.equal(presence.online.has(USER), false);
      assert.equal(user.isEvictable(), false, 'a retry is pending');
      mock.timers.tick(1000);
      await settle();
      assert.equal(presence.online.has(USER), true);
      assert.deepEqual(presence.calls, [`add ${USER}`, `add ${USER}`]);
    } finally {
      mock.timers.reset();
    }
  });

  it('records the user again after the node was swept as dead', async () => {
    const { user, presence } = actor();
    await user.bind('s1');
    presence.online.delete(USER); // what node-sweep.lua did
    await user.reassert();
    assert.equal(presence.online.has(USER), true);
  });

  it('can be evicted only with no bound session and nothing recorded', async () => {
    const { user } = actor();
    assert.equal(user.isEvictable(), true);
    await user.bind('s1');
    assert.equal(user.isEvictable(), false);
    await user.unbind('s1');
    assert.equal(user.isEvictable(), true);
  });

  it('binds up to MAX_CONNECTIONS_PER_USER connections, refuses one more with 10, and takes one again after an unbind', async () => {
    const { user, presence } = actor(undefined, 2);
    await user.bind('s1');
    await user.bind('s2');
    await user.bind('s2');
    await assert.rejects(user.bind('s3'), {
      code: 10,
      message: 'rate limited; retry later: at most 2 connections per user',
    });
    assert.equal(presence.connections.get(USER), 2);
    await user.unbind('s1');
    assert.equal(presence.connections.get(USER), 1, 'the record follows the unbind');
    await user.bind('s3');
    assert.equal(presence.connections.get(USER), 2);
  });
});
