import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatClient, Frame } from '../helpers/client.js';
import { useHarness } from '../helpers/harness.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** A well-formed access key (keyId.secret) that was never issued. */
const FORGED_KEY = `${'A'.repeat(16)}.${'B'.repeat(43)}`;
const UNKNOWN_USER = '00000000-0000-4000-8000-000000000000';

/** Sends raw text and returns the next reply. */
async function sendRaw(client: ChatClient, text: string | Buffer, binary = false): Promise<Frame> {
  client.ws.send(text, { binary });
  return client.nextReply();
}

function assertError(reply: Frame, code: number, what: string): void {
  assert.equal(reply.type, 'error', `${what}: ${JSON.stringify(reply)}`);
  assert.equal(reply.error?.code, code, `${what}: ${JSON.stringify(reply)}`);
  assert.equal(typeof reply.error.message, 'string', what);
}

/** Proves the connection still answers: a request round trip. */
async function assertUsable(client: ChatClient): Promise<void> {
  const reply = await client.request({ type: 'noSuchType' });
  assertError(reply, 3, 'follow-up request');
  assert.equal(client.ws.readyState, client.ws.OPEN);
}

describe('envelope', () => {
  const h = useHarness();

  describe('ready frame', () => {
    it('comes first, with a v4 session UUID unique per connection', async () => {
      const clients = await Promise.all(Array.from({ length: 5 }, () => h.connect()));
      const seen = new Set<string>();
      for (const client of clients) {
        const first = client.frames[0];
        assert.deepEqual(Object.keys(first ?? {}).sort(), ['ready', 'type']);
        assert.equal(first?.type, 'ready');
        assert.deepEqual(Object.keys(first?.ready).sort(), ['sessionUUID']);
        assert.match(first?.ready.sessionUUID, UUID_V4);
        seen.add(first?.ready.sessionUUID);
      }
      assert.equal(seen.size, clients.length);
    });
  });

  describe('malformed frames (error 1)', () => {
    it('answers text that is not JSON with 1, and the connection stays usable', async () => {
      const client = await h.connect();
      for (const text of ['not json', '{"type":', '', '{"type":"users"} trailing']) {
        const reply = await sendRaw(client, text);
        assertError(reply, 1, JSON.stringify(text));
        assert.ok(!('id' in reply), 'no id on error 1');
      }
      await assertUsable(client);
    });

    it('answers JSON that is not an object (array, string, number, null, boolean) with 1', async () => {
      const client = await h.connect();
      for (const text of [
        '[]',
        `[{"type":"users","SUUID":"${client.sessionUUID}","id":"x"}]`,
        '"users"',
        '42',
        'null',
        'true',
      ]) {
        const reply = await sendRaw(client, text);
        assertError(reply, 1, text);
        assert.ok(!('id' in reply), 'no id on error 1');
      }
      await assertUsable(client);
    });

    it('answers a binary frame with 1, even one holding a valid request, and the connection stays usable', async () => {
      const client = await h.connect();
      const body = JSON.stringify({ type: 'noSuchType', SUUID: client.sessionUUID, id: 'bin' });
      const reply = await sendRaw(client, Buffer.from(body), true);
      assertError(reply, 1, 'binary frame');
      await assertUsable(client);
    });
  });

  describe('routing (errors 3 and 4)', () => {
    it('answers a missing or unknown type with 3, echoing the id', async () => {
      const client = await h.connect();
      for (const type of [undefined, 'nope', 'SIGNIN', 'signin', '', 42, null, 'toString', '__proto__']) {
        const reply = await client.request({ type });
        assertError(reply, 3, JSON.stringify(type));
      }
    });

    it('answers a missing, null or wrong SUUID with 4, echoing the id', async () => {
      const client = await h.connect();
      const other = await h.connect();
      for (const SUUID of [undefined, null, '', other.sessionUUID, `${client.sessionUUID} `, 42]) {
        const reply = await client.request({
          type: 'signIn',
          SUUID,
          signId: { username: 'someone', password: 'secret pw' },
        });
        assertError(reply, 4, `SUUID ${JSON.stringify(SUUID)}`);
      }
    });
  });

  describe('credentials (error 5)', () => {
    it('answers an authenticated request with missing or mistyped userUUID/userAccessKey with 5', async () => {
      const user = await h.user('creds');
      const client = await h.connect();
      const { userUUID, userAccessKey } = user.auth;
      const cases: Frame[] = [
        {},
        { userUUID },
        { userAccessKey },
        { userUUID: null, userAccessKey },
        { userUUID, userAccessKey: null },
        { userUUID: 42, userAccessKey },
        { userUUID, userAccessKey: { key: userAccessKey } },
      ];
      for (const type of ['users', 'signOut', 'channelJoin']) {
        for (const creds of cases) {
          const reply = await client.request({ type, channelJoin: { recipientUUID: 0 }, ...creds });
          assertError(reply, 5, `${type} ${JSON.stringify(Object.keys(creds))}`);
        }
      }
    });

    it('answers a garbage, forged or mismatched key with 5', async () => {
      const user = await h.user('keys');
      const other = await h.user('keys');
      const client = await h.connect();
      const { userUUID, userAccessKey } = user.auth;
      const cases: Frame[] = [
        { userUUID, userAccessKey: 'garbage' },
        { userUUID, userAccessKey: '' },
        { userUUID, userAccessKey: FORGED_KEY },
        { userUUID, userAccessKey: `${userAccessKey.split('.')[0]}.${'B'.repeat(43)}` },
        { userUUID, userAccessKey: `${userAccessKey}x` },
        { userUUID: other.auth.userUUID, userAccessKey },
        { userUUID: UNKNOWN_USER, userAccessKey },
        { userUUID: 'not-a-uuid', userAccessKey },
      ];
      for (const creds of cases) {
        const reply = await client.request({ type: 'users', ...creds });
        assertError(reply, 5, JSON.stringify(creds));
      }
      // None of that bound the connection: the right key still works on it.
      assert.equal((await client.request({ type: 'users', userUUID, userAccessKey })).type, 'users');
    });
  });

  describe('id', () => {
    it('is echoed unchanged on responses and on errors', async () => {
      const client = await h.user('ids');
      const existing = await h.connect();
      assert.equal((await existing.signUp('id-echo-user')).type, 'authorized');
      const ids = ['', 'a', 'x'.repeat(64), 'with "quotes" and \\ and ünïcödé', '0', 'r1'];
      for (const id of ids) {
        client.sendJson({ type: 'users', SUUID: client.sessionUUID, ...client.auth, users: { limit: 1 }, id });
        const ok = await client.nextReply();
        assert.equal(ok.type, 'users', JSON.stringify(ok));
        assert.equal(ok.id, id);

        client.sendJson({ type: 'nope', SUUID: client.sessionUUID, id });
        const error = await client.nextReply();
        assertError(error, 3, `id ${JSON.stringify(id)}`);
        assert.equal(error.id, id);
      }
      for (const [body, code] of [
        [{ type: 'users', SUUID: 'wrong' }, 4],
        [{ type: 'users', SUUID: client.sessionUUID }, 5],
        [{ type: 'users', SUUID: client.sessionUUID, ...client.auth, users: { limit: 0 } }, 2],
        [
          {
            type: 'signIn',
            SUUID: client.sessionUUID,
            signId: { username: 'id-echo-user', password: 'wrong password' },
          },
          6,
        ],
      ] as const) {
        client.sendJson({ ...body, id: 'echo-me' });
        const error = await client.nextReply();
        assertError(error, code, JSON.stringify(body));
        assert.equal(error.id, 'echo-me');
      }
    });

    it('is absent from the response when absent or null in the request', async () => {
      const client = await h.user('noid');
      client.sendJson({ type: 'users', SUUID: client.sessionUUID, ...client.auth });
      const absent = await client.nextReply();
      assert.equal(absent.type, 'users');
      assert.ok(!('id' in absent), JSON.stringify(absent));
      client.sendJson({ type: 'users', SUUID: client.sessionUUID, ...client.auth, id: null });
      const nulled = await client.nextReply();
      assert.equal(nulled.type, 'users', JSON.stringify(nulled));
      assert.ok(!('id' in nulled), JSON.stringify(nulled));
    });

    it('longer than 64 characters or not a string gives 2, with no id on the error', async () => {
      const client = await h.user('badid');
      for (const id of ['x'.repeat(65), 42, true, { a: 1 }, ['a'], 0]) {
        for (const body of [
          { type: 'users', SUUID: client.sessionUUID, ...client.auth },
          { type: 'signIn', SUUID: client.sessionUUID, signId: { username: 'badid-x', password: 'secret pw' } },
        ]) {
          client.sendJson({ ...body, id });
          const reply = await client.nextReply();
          assertError(reply, 2, `${body.type} id ${JSON.stringify(id)}`);
          assert.ok(!('id' in reply), `no id on the error: ${JSON.stringify(reply)}`);
        }
      }
      await assertUsable(client);
    });
  });

  describe('pipelining', () => {
    it('answers 20 requests sent without waiting in the order sent, each seeing the ones before it', async () => {
      const client = await h.user('pipe');
      const base = (await client.authed({ type: 'channelMessages', channelMessages: { recipientUUID: 0 } }))
        .channelMessages.messagesTotal as number;
      const expected: string[] = [];
      for (let i = 0; i < 20; i++) {
        const id = `p${i}`;
        const common = { SUUID: client.sessionUUID, ...client.auth, id };
        switch (i % 4) {
          case 0:
            client.sendJson({
              ...common,
              type: 'channelMessage',
              channelMessage: { recipientUUID: 0, message: `m${i}` },
            });
            expected.push('channelMessage');
            break;
          case 1:
            client.sendJson({ ...common, type: 'channelMessages', channelMessages: { recipientUUID: 0, limit: 99 } });
            expected.push('channelRead');
            break;
          case 2:
            client.sendJson({ ...common, type: 'noSuchType' });
            expected.push('error');
            break;
          default:
            client.sendJson({ ...common, type: 'users', users: { limit: 1 } });
            expected.push('users');
        }
      }
      const replies: Frame[] = [];
      for (let i = 0; i < 20; i++) replies.push(await client.nextReply());
      assert.deepEqual(
        replies.map((r) => r.id),
        Array.from({ length: 20 }, (_, i) => `p${i}`),
      );
      assert.deepEqual(
        replies.map((r) => r.type),
        expected,
      );
      // Each read sees exactly the messages sent before it on this connection, newest first.
      for (let i = 1; i < 20; i += 4) {
        const read = replies[i]!.channelMessages;
        const sentBefore = Math.floor(i / 4) + 1;
        assert.equal(read.messagesTotal, base + sentBefore, `read p${i}`);
        assert.equal(read.messages[0].message, `m${i - 1}`, `read p${i} sees the message just before it`);
      }
    });
  });

  describe('precedence: 1, 3, 4, 10, 5, 2, then 6-9', () => {
    it('unknown type and wrong SUUID → 3', async () => {
      const client = await h.connect();
      assertError(await client.request({ type: 'nope', SUUID: 'wrong' }), 3, 'unknown type + wrong SUUID');
      assertError(await client.request({ SUUID: undefined }), 3, 'missing type + missing SUUID');
    });

    it('wrong SUUID and bad credentials → 4; wrong SUUID and invalid payload → 4', async () => {
      const client = await h.connect();
      const reply = await client.request({
        type: 'users',
        SUUID: 'wrong',
        userUUID: UNKNOWN_USER,
        userAccessKey: 'garbage',
      });
      assertError(reply, 4, 'wrong SUUID + bad credentials');
      const signIn = await client.request({ type: 'signIn', SUUID: 'wrong', signId: { username: '' } });
      assertError(signIn, 4, 'wrong SUUID + invalid signIn payload');
    });

    it('bad credentials and invalid payload → 5; bad credentials and invalid id → 5', async () => {
      const client = await h.connect();
      const reply = await client.request({
        type: 'channelMessages',
        userUUID: UNKNOWN_USER,
        userAccessKey: FORGED_KEY,
        channelMessages: { recipientUUID: 'nope', limit: 0 },
      });
      assertError(reply, 5, 'bad credentials + invalid payload');
      client.sendJson({ type: 'users', SUUID: client.sessionUUID, users: { limit: 0 }, id: 7 });
      assertError(await client.nextReply(), 5, 'missing credentials + invalid id');
    });

    it('invalid payload and unknown recipient → 2 (2 before 8)', async () => {
      const client = await h.user('prec');
      const reply = await client.authed({
        type: 'channelMessages',
        channelMessages: { recipientUUID: UNKNOWN_USER, limit: 100 },
      });
      assertError(reply, 2, 'invalid limit + unknown recipient');
      const join = await client.authed({ type: 'channelJoin', channelJoin: { recipientUUID: UNKNOWN_USER } });
      assertError(join, 8, 'unknown recipient alone');
    });
  });

  describe('lenient parsing', () => {
    it('ignores unknown extra fields, top level and in payloads', async () => {
      const client = await h.user('extra');
      const users = await client.authed({ type: 'users', extra: { deep: [1, 2] }, users: { limit: 1, extra: true } });
      assert.equal(users.type, 'users', JSON.stringify(users));
      assert.equal(users.users.received, 1);
      const read = await client.authed({
        type: 'channelMessages',
        unknown: 'x',
        channelMessages: { recipientUUID: 0, whatever: null },
      });
      assert.equal(read.type, 'channelRead', JSON.stringify(read));
      const signUp = await client.request({
        type: 'signUp',
        debug: true,
        signUp: { username: 'extra-fields-user', password: 'secret pw', email: 'x@example.com' },
      });
      assert.equal(signUp.type, 'authorized', JSON.stringify(signUp));
    });

    it('treats null optional fields as absent (channelMessages offset/limit null → defaults)', async () => {
      const client = await h.user('nulls');
      for (let i = 0; i < 12; i++) {
        const sent = await client.authed({
          type: 'channelMessage',
          channelMessage: { recipientUUID: 0, message: `n${i}` },
        });
        assert.equal(sent.type, 'channelMessage', JSON.stringify(sent));
      }
      const explicit = await client.authed({
        type: 'channelMessages',
        channelMessages: { recipientUUID: 0, offset: 0, limit: 10 },
      });
      assert.equal(explicit.type, 'channelRead', JSON.stringify(explicit));
      assert.equal(explicit.channelMessages.messagesReceived, 10);
      for (const payload of [
        { recipientUUID: 0, offset: null },
        { recipientUUID: 0, limit: null },
        { recipientUUID: '0', offset: null, limit: null },
        { recipientUUID: 0 },
      ]) {
        const reply = await client.authed({ type: 'channelMessages', channelMessages: payload });
        assert.equal(reply.type, 'channelRead', `${JSON.stringify(payload)} → ${JSON.stringify(reply)}`);
        assert.deepEqual(reply.channelMessages, explicit.channelMessages, JSON.stringify(payload));
      }
    });
  });
});
