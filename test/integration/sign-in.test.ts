import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Auth, type ChatClient, type Frame, pollUntil } from '../helpers/client.js';
import { useHarness } from '../helpers/harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PASSWORD = 'correct horse';

let names = 0;
/** A username no other test in this file uses. */
const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${++names}`;

const credentialsOf = (reply: Frame): Auth => ({
  userUUID: reply.authorized.userUUID,
  userAccessKey: reply.authorized.accessKey,
});

/** A `users` request made with `auth` on `client`. */
const usersWith = (client: ChatClient, auth: Auth): Promise<Frame> =>
  client.request({ type: 'users', ...auth, users: { offset: 0, limit: 1000 } });

function assertAuthorized(reply: Frame): void {
  assert.equal(reply.type, 'authorized', JSON.stringify(reply));
  assert.match(reply.authorized.userUUID, UUID);
  assert.equal(typeof reply.authorized.accessKey, 'string');
  assert.deepEqual(Object.keys(reply.authorized).sort(), ['accessKey', 'userUUID']);
}

describe('signIn', () => {
  const h = useHarness({ SIGNIN_FAILURES_MAX: '3' });

  describe('unknown username', () => {
    it('creates the user and answers authorized (seed rule)', async () => {
      const client = await h.connect();
      const name = uniqueName('Newcomer');
      const reply = await client.request({ type: 'signIn', signId: { username: name, password: PASSWORD } });
      assertAuthorized(reply);

      const users = await usersWith(client, credentialsOf(reply));
      assert.equal(users.type, 'users', JSON.stringify(users));
      const me = users.users.users.filter((u: Frame) => u.UUID === reply.authorized.userUUID);
      assert.deepEqual(me, [{ UUID: reply.authorized.userUUID, Username: name, OnLine: true }]);
    });

    it('makes the name taken: signUp with it then gives 7, signIn with it finds the same user', async () => {
      const client = await h.connect();
      const name = uniqueName('created-by-signin');
      const first = await client.request({ type: 'signIn', signId: { username: name, password: PASSWORD } });
      assertAuthorized(first);

      const signUp = await client.request({ type: 'signUp', signUp: { username: name, password: PASSWORD } });
      assert.equal(signUp.error?.code, 7, JSON.stringify(signUp));

      const again = await client.request({ type: 'signIn', signId: { username: name, password: PASSWORD } });
      assertAuthorized(again);
      assert.equal(again.authorized.userUUID, first.authorized.userUUID);
    });
  });

  describe('existing user, right password', () => {
    it('answers authorized with the same userUUID and a new access key each time; every key works', async () => {
      const owner = await h.connect();
      const name = uniqueName('Repeat');
      const signUp = await owner.request({ type: 'signUp', signUp: { username: name, password: PASSWORD } });
      assertAuthorized(signUp);
      const userUUID = signUp.authorized.userUUID;

      const keys = [signUp.authorized.accessKey as string];
      for (let i = 0; i < 2; i++) {
        const client = await h.connect();
        const reply = await client.request({ type: 'signIn', signId: { username: name, password: PASSWORD } });
        assertAuthorized(reply);
        assert.equal(reply.authorized.userUUID, userUUID);
        keys.push(reply.authorized.accessKey);
      }
      assert.equal(new Set(keys).size, keys.length, `keys must differ: ${JSON.stringify(keys)}`);

      // Each key works on a fresh connection and on the owner's connection (bound to the same user).
      for (const userAccessKey of keys) {
        const fresh = await h.connect();
        const onFresh = await usersWith(fresh, { userUUID, userAccessKey });
        assert.equal(onFresh.type, 'users', JSON.stringify(onFresh));
        const onOwner = await usersWith(owner, { userUUID, userAccessKey });
        assert.equal(onOwner.type, 'users', JSON.stringify(onOwner));
      }
    });
  });

  describe('existing user, wrong password', () => {
    it('answers error 6 and issues no key', async () => {
      const client = await h.connect();
      const name = uniqueName('Guarded');
      assertAuthorized(await client.request({ type: 'signUp', signUp: { username: name, password: PASSWORD } }));

      const other = await h.connect();
      const reply = await other.request({ type: 'signIn', signId: { username: name, password: 'not the password' } });
      assert.equal(reply.type, 'error', JSON.stringify(reply));
      assert.equal(reply.error.code, 6);
      assert.equal(typeof reply.error.message, 'string');
      assert.ok(!JSON.stringify(reply).includes('not the password'), 'an error never quotes the password');
    });
  });

  describe('payload key', () => {
    it('accepts `signIn` as an alias of `signId`', async () => {
      const client = await h.connect();
      const name = uniqueName('Alias');
      const created = await client.request({ type: 'signIn', signIn: { username: name, password: PASSWORD } });
      assertAuthorized(created);

      const again = await client.request({ type: 'signIn', signIn: { username: name, password: PASSWORD } });
      assertAuthorized(again);
      assert.equal(again.authorized.userUUID, created.authorized.userUUID);

      const wrong = await client.request({ type: 'signIn', signIn: { username: name, password: 'wrong password' } });
      assert.equal(wrong.error?.code, 6, JSON.stringify(wrong));
    });

    it('uses `signId` when both are present: valid signId + wrong-password signIn → authorized', async () => {
      const client = await h.connect();
      const name = uniqueName('BothKeys');
      const signUp = await client.request({ type: 'signUp', signUp: { username: name, password: PASSWORD } });
      assertAuthorized(signUp);

      const reply = await client.request({
        type: 'signIn',
        signId: { username: name, password: PASSWORD },
        signIn: { username: name, password: 'wrong password' },
      });
      assertAuthorized(reply);
      assert.equal(reply.authorized.userUUID, signUp.authorized.userUUID);
    });

    it('uses `signId` when both are present: wrong-password signId + valid signIn → 6', async () => {
      const client = await h.connect();
      const name = uniqueName('BothKeysWrong');
      assertAuthorized(await client.request({ type: 'signUp', signUp: { username: name, password: PASSWORD } }));

      const reply = await client.request({
        type: 'signIn',
        signId: { username: name, password: 'wrong password' },
        signIn: { username: name, password: PASSWORD },
      });
      assert.equal(reply.error?.code, 6, JSON.stringify(reply));
    });

    it('ignores a malformed `signIn` when a valid `signId` is present', async () => {
      const client = await h.connect();
      const name = uniqueName('IgnoredAlias');
      const signUp = await client.request({ type: 'signUp', signUp: { username: name, password: PASSWORD } });
      assertAuthorized(signUp);

      const reply = await client.request({
        type: 'signIn',
        signId: { username: name, password: PASSWORD },
        signIn: { username: 42 },
      });
      assertAuthorized(reply);
      assert.equal(reply.authorized.userUUID, signUp.authorized.userUUID);
    });

    it('uses `signIn` when `signId` is null, and answers 2 when neither is given', async () => {
      const client = await h.connect();
      const name = uniqueName('NullSignId');
      const reply = await client.request({
        type: 'signIn',
        signId: null,
        signIn: { username: name, password: PASSWORD },
      });
      assertAuthorized(reply);

      for (const body of [{}, { signId: null }, { signId: null, signIn: null }]) {
        const missing = await client.request({ type: 'signIn', ...body });
        assert.equal(missing.error?.code, 2, `${JSON.stringify(body)} → ${JSON.stringify(missing)}`);
      }
    });
  });

  describe('username matching', () => {
    it('finds the user case-insensitively (NFKC + lower case, trimmed)', async () => {
      const client = await h.connect();
      const base = uniqueName('MixedCase');
      const signUp = await client.request({ type: 'signUp', signUp: { username: base, password: PASSWORD } });
      assertAuthorized(signUp);

      const fullWidth = base.replace('MixedCase', 'Ｍｉｘｅｄｃａｓｅ');
      for (const username of [base.toLowerCase(), base.toUpperCase(), `  ${base}  `, fullWidth]) {
        const reply = await client.request({ type: 'signIn', signId: { username, password: PASSWORD } });
        assertAuthorized(reply);
        assert.equal(reply.authorized.userUUID, signUp.authorized.userUUID, `${username} must find the same user`);
      }

      // The displayed spelling stays the one given at sign-up.
      const users = await usersWith(client, credentialsOf(signUp));
      const me = users.users.users.find((u: Frame) => u.UUID === signUp.authorized.userUUID);
      assert.equal(me?.Username, base);
    });
  });

  describe('failed sign-in limit per username (SIGNIN_FAILURES_MAX=3)', () => {
    it('after 3 wrong passwords the next attempt gets 10, even with the right password; other names are unaffected', async () => {
      const client = await h.connect();
      const name = uniqueName('Limited');
      const bystander = uniqueName('Bystander');
      assertAuthorized(await client.request({ type: 'signUp', signUp: { username: name, password: PASSWORD } }));
      assertAuthorized(await client.request({ type: 'signUp', signUp: { username: bystander, password: PASSWORD } }));

      for (let i = 1; i <= 3; i++) {
        const wrong = await client.request({ type: 'signIn', signId: { username: name, password: `wrong pass ${i}` } });
        assert.equal(wrong.error?.code, 6, `attempt ${i}: ${JSON.stringify(wrong)}`);
      }

      const right = await client.request({ type: 'signIn', signId: { username: name, password: PASSWORD } });
      assert.equal(right.error?.code, 10, JSON.stringify(right));
      const wrongAgain = await client.request({ type: 'signIn', signId: { username: name, password: 'wrong pass 4' } });
      assert.equal(wrongAgain.error?.code, 10, JSON.stringify(wrongAgain));
      // The limit is on the username, whatever its spelling.
      const otherCase = await client.request({
        type: 'signIn',
        signId: { username: name.toUpperCase(), password: PASSWORD },
      });
      assert.equal(otherCase.error?.code, 10, JSON.stringify(otherCase));

      const other = await h.connect();
      const unaffected = await other.request({ type: 'signIn', signId: { username: bystander, password: PASSWORD } });
      assertAuthorized(unaffected);
      const wrongOther = await other.request({
        type: 'signIn',
        signId: { username: bystander, password: 'wrong pass' },
      });
      assert.equal(wrongOther.error?.code, 6, JSON.stringify(wrongOther));
    });

    it('lets no more than 3 of 10 concurrent wrong guesses reach the password check', async () => {
      const owner = await h.connect();
      const name = uniqueName('Guessed');
      assertAuthorized(await owner.request({ type: 'signUp', signUp: { username: name, password: PASSWORD } }));
      const guessers = await Promise.all(Array.from({ length: 10 }, () => h.connect()));
      const replies = await Promise.all(
        guessers.map((guesser, i) =>
          guesser.request({ type: 'signIn', signId: { username: name, password: `wrong guess ${i}` } }),
        ),
      );
      const codes = replies.map((reply) => reply.error?.code).sort();
      assert.deepEqual(codes, [10, 10, 10, 10, 10, 10, 10, 6, 6, 6].sort(), JSON.stringify(replies));
    });

    it('gives a right password its attempt back: successes never use up the limit', async () => {
      const client = await h.connect();
      const name = uniqueName('Regular');
      assertAuthorized(await client.request({ type: 'signUp', signUp: { username: name, password: PASSWORD } }));
      for (let i = 0; i < 5; i++) {
        assertAuthorized(await client.request({ type: 'signIn', signId: { username: name, password: PASSWORD } }));
      }
      for (let i = 1; i <= 3; i++) {
        const wrong = await client.request({ type: 'signIn', signId: { username: name, password: `wrong pass ${i}` } });
        assert.equal(wrong.error?.code, 6, `failure ${i} after 5 successes: ${JSON.stringify(wrong)}`);
      }
    });
  });

  describe('rebinding', () => {
    it('signIn on a connection bound to user A rebinds it to user B', async () => {
      const client = await h.connect();
      const nameA = uniqueName('BoundA');
      const nameB = uniqueName('BoundB');
      const a = await client.request({ type: 'signUp', signUp: { username: nameA, password: PASSWORD } });
      assertAuthorized(a);
      const authA = credentialsOf(a);
      assert.equal((await usersWith(client, authA)).type, 'users');

      // B exists already; signing in to B on A's connection rebinds it.
      const setup = await h.connect();
      assertAuthorized(await setup.request({ type: 'signUp', signUp: { username: nameB, password: PASSWORD } }));
      const b = await client.request({ type: 'signIn', signId: { username: nameB, password: PASSWORD } });
      assertAuthorized(b);
      const authB = credentialsOf(b);

      const withA = await usersWith(client, authA);
      assert.equal(withA.error?.code, 5, `A's key on a connection bound to B: ${JSON.stringify(withA)}`);
      const withB = await usersWith(client, authB);
      assert.equal(withB.type, 'users', JSON.stringify(withB));

      // B is online, A is not: its only bound connection now belongs to B (setup is bound to B as well).
      setup.close();
      await setup.closed;
      const entry = (reply: Frame, userUUID: string) => reply.users.users.find((u: Frame) => u.UUID === userUUID);
      const { value: listing } = await pollUntil(
        () => usersWith(client, authB),
        (users) => entry(users, authA.userUUID)?.OnLine === false,
        5000,
        100,
      );
      assert.equal(entry(listing, authA.userUUID)?.OnLine, false, 'A has no bound connection left');
      assert.equal(entry(listing, authB.userUUID)?.OnLine, true, 'B is bound to the rebound connection');

      // A's key itself is still valid elsewhere: rebinding revokes nothing.
      const elsewhere = await h.connect();
      assert.equal((await usersWith(elsewhere, authA)).type, 'users');
    });
  });
});
