import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useHarness } from '../helpers/harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('signUp', () => {
  const h = useHarness();

  it('creates a user and answers authorized with a UUID and an access key', async () => {
    const client = await h.connect();
    const reply = await client.request({ type: 'signUp', signUp: { username: 'Zoë', password: 'secret pw' } });
    assert.equal(reply.type, 'authorized');
    assert.match(reply.authorized.userUUID, UUID);
    assert.equal(typeof reply.authorized.accessKey, 'string');
    assert.ok(reply.authorized.accessKey.length >= 22);
    assert.deepEqual(Object.keys(reply.authorized).sort(), ['accessKey', 'userUUID']);
  });

  it('refuses a name taken in another case or width with error 7', async () => {
    const client = await h.connect();
    const first = await client.request({ type: 'signUp', signUp: { username: 'Bob', password: 'secret pw' } });
    assert.equal(first.type, 'authorized');
    for (const username of ['bob', ' BOB ', 'Ｂｏｂ']) {
      const reply = await client.request({ type: 'signUp', signUp: { username, password: 'secret pw' } });
      assert.deepEqual(reply.error?.code, 7, `${username}: ${JSON.stringify(reply)}`);
    }
  });

  it('rejects invalid usernames and passwords with error 2', async () => {
    const client = await h.connect();
    const cases = [
      { username: '', password: 'secret pw' },
      { username: '   ', password: 'secret pw' },
      { username: 'x'.repeat(33), password: 'secret pw' },
      { username: 'a\u0007b', password: 'secret pw' },
      { username: 'a\u200bb', password: 'secret pw' },
      { username: 'shortpw', password: '1234567' },
      { username: 'longpw', password: 'x'.repeat(73) },
      { username: 'emoji-pw', password: '😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀' },
      { username: 42, password: 'secret pw' },
    ];
    for (const signUp of cases) {
      const reply = await client.request({ type: 'signUp', signUp });
      assert.equal(reply.error?.code, 2, `${JSON.stringify(signUp)} → ${JSON.stringify(reply)}`);
      assert.ok(!JSON.stringify(reply).includes('secret pw'), 'an error never quotes the password');
    }
  });

  it('stores the display name trimmed and as spelled', async () => {
    const client = await h.connect();
    await client.signUp('  Mixed Case Ünïcode  ');
    const users = await client.authed({ type: 'users' });
    const me = users.users.users.find((u: { UUID: string }) => u.UUID === client.auth.userUUID);
    assert.equal(me.Username, 'Mixed Case Ünïcode');
  });
});
