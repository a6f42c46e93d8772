import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { onLine, pollOnLine } from '../helpers/chat.js';
import type { Auth, ChatClient, Frame } from '../helpers/client.js';
import { useHarness } from '../helpers/harness.js';

const PASSWORD = 'correct horse';

const usersWith = (client: ChatClient, auth: Auth): Promise<Frame> =>
  client.request({ type: 'users', ...auth, users: { offset: 0, limit: 1000 } });

describe('signOut', () => {
  const h = useHarness();

  describe('response', () => {
    it('answers {"type":"unauthorized","unauthorized":{"userUUID":…}} echoing the id', async () => {
      const client = await h.user('out');
      const reply = await client.authed({ type: 'signOut' });
      assert.equal(typeof reply.id, 'string');
      assert.deepEqual(reply, { type: 'unauthorized', unauthorized: { userUUID: client.auth.userUUID }, id: reply.id });
    });
  });

  describe('key revocation', () => {
    it('the revoked key then gets 5 on the same connection and on a new one', async () => {
      const client = await h.user('revoke');
      const auth = { ...client.auth };
      assert.equal((await usersWith(client, auth)).type, 'users');
      const out = await client.authed({ type: 'signOut' });
      assert.equal(out.type, 'unauthorized', JSON.stringify(out));

      const same = await usersWith(client, auth);
      assert.equal(same.error?.code, 5, JSON.stringify(same));
      const again = await client.request({ type: 'signOut', ...auth });
      assert.equal(again.error?.code, 5, `signOut with a revoked key: ${JSON.stringify(again)}`);

      const fresh = await h.connect();
      const onFresh = await usersWith(fresh, auth);
      assert.equal(onFresh.error?.code, 5, JSON.stringify(onFresh));
      const join = await fresh.request({ type: 'channelJoin', ...auth, channelJoin: { recipientUUID: 0 } });
      assert.equal(join.error?.code, 5, JSON.stringify(join));
    });

    it('the revoked key also gets 5 on another connection that was already using it', async () => {
      const client = await h.user('shared');
      const auth = { ...client.auth };
      const other = await h.connect();
      assert.equal((await usersWith(other, auth)).type, 'users', 'the key works (and binds) before signOut');

      const out = await client.authed({ type: 'signOut' });
      assert.equal(out.type, 'unauthorized', JSON.stringify(out));

      const after = await usersWith(other, auth);
      assert.equal(after.error?.code, 5, `revoked key on a connection bound with it: ${JSON.stringify(after)}`);
    });

    it('another key of the same user keeps working, on the signed-out connection and elsewhere', async () => {
      const first = await h.user('twokeys');
      const keyA = { ...first.auth };
      const second = await h.connect();
      const signIn = await second.request({
        type: 'signIn',
        signId: { username: await usernameOf(first), password: PASSWORD },
      });
      assert.equal(signIn.type, 'authorized', JSON.stringify(signIn));
      const keyB = {
        userUUID: signIn.authorized.userUUID as string,
        userAccessKey: signIn.authorized.accessKey as string,
      };
      assert.equal(keyB.userUUID, keyA.userUUID);

      const out = await first.request({ type: 'signOut', ...keyA });
      assert.equal(out.type, 'unauthorized', JSON.stringify(out));

      assert.equal((await usersWith(second, keyB)).type, 'users', 'key B on its own connection');
      const onSignedOut = await usersWith(first, keyB);
      assert.equal(onSignedOut.type, 'users', `key B on the signed-out connection: ${JSON.stringify(onSignedOut)}`);
      const third = await h.connect();
      assert.equal((await usersWith(third, keyB)).type, 'users', 'key B on a new connection');
      assert.equal((await usersWith(third, keyA)).error?.code, 5, 'key A stays revoked');
    });
  });

  describe('subscriptions', () => {
    it('after signOut the connection no longer receives pushes of channels it had joined', async () => {
      const leaver = await h.user('leaver');
      const join = await leaver.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } });
      assert.equal(join.type, 'channelJoin', JSON.stringify(join));
      const out = await leaver.authed({ type: 'signOut' });
      assert.equal(out.type, 'unauthorized', JSON.stringify(out));

      // A control connection joined to the same channel gets the push.
      const watcher = await h.user('watcher');
      assert.equal(
        (await watcher.authed({ type: 'channelJoin', channelJoin: { recipientUUID: 0 } })).type,
        'channelJoin',
      );
      const sender = await h.user('sender');
      const sent = await sender.authed({
        type: 'channelMessage',
        channelMessage: { recipientUUID: 0, message: 'nobody signed out should see this' },
      });
      assert.equal(sent.type, 'channelMessage', JSON.stringify(sent));
      const [push] = await watcher.waitForPushes(1);
      assert.equal(push?.channelMessage.UUID, sent.channelMessage.UUID);

      // A round trip on the signed-out connection: a push sent to it before would have arrived first.
      const probe = await leaver.request({ type: 'noSuchType' });
      assert.equal(probe.error?.code, 3);
      assert.deepEqual(leaver.pushes, []);
    });
  });

  describe('presence', () => {
    it('the user shows OnLine false in `users` once no bound connection remains', async () => {
      const observer = await h.user('observer');
      const first = await h.user('present');
      const userUUID = first.auth.userUUID;
      // A second connection bound to the same user by a signIn (a second key).
      const second = await h.connect();
      const signIn = await second.request({
        type: 'signIn',
        signId: { username: await usernameOf(first), password: PASSWORD },
      });
      assert.equal(signIn.type, 'authorized', JSON.stringify(signIn));
      assert.equal(await onLine(observer, userUUID), true);

      assert.equal((await first.authed({ type: 'signOut' })).type, 'unauthorized');
      assert.equal(await onLine(observer, userUUID), true, 'still online: the second connection is bound');

      const out = await second.request({
        type: 'signOut',
        userUUID,
        userAccessKey: signIn.authorized.accessKey,
      });
      assert.equal(out.type, 'unauthorized', JSON.stringify(out));
      assert.equal(await pollOnLine(observer, userUUID, false), false, 'offline once no bound connection remains');
      // Both connections are still open, merely unbound.
      assert.equal(first.ws.readyState, first.ws.OPEN);
      assert.equal(second.ws.readyState, second.ws.OPEN);
    });
  });
});

/** The display name of the client's user, read through `users`. */
async function usernameOf(client: ChatClient): Promise<string> {
  const reply = await client.authed({ type: 'users', users: { offset: 0, limit: 1000 } });
  const entry = reply.users.users.find((u: Frame) => u.UUID === client.auth.userUUID);
  assert.ok(entry, 'user is listed');
  return entry.Username;
}
