import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type UserEntry as Entry, everyone, onLine, pollOnLine } from '../helpers/chat.js';
import { type ChatClient, type Frame, sleep } from '../helpers/client.js';
import { useHarness } from '../helpers/harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const normalized = (name: string): string => name.trim().normalize('NFKC').toLowerCase();

/** Normalized name, then UUID; in code point order (UTF-8 byte order). */
function compareEntries(a: Entry, b: Entry): number {
  return (
    Buffer.compare(Buffer.from(normalized(a.Username)), Buffer.from(normalized(b.Username))) ||
    Buffer.compare(Buffer.from(a.UUID), Buffer.from(b.UUID))
  );
}

async function page(client: ChatClient, users?: unknown): Promise<Frame> {
  const reply = await client.authed(users === undefined ? { type: 'users' } : { type: 'users', users });
  assert.equal(reply.type, 'users', JSON.stringify(reply));
  return reply;
}

describe('users', () => {
  const h = useHarness();
  let observer: ChatClient;

  before(async () => {
    // Names chosen so that display order, case and width differ from normalized order.
    observer = await h.connect();
    for (const username of ['zeta', 'Alpha', 'beta', 'ＧＡＭＭＡ', 'ab', 'abc', 'AB-c', 'Ärger', 'delta']) {
      const reply = await observer.signUp(username);
      assert.equal(reply.type, 'authorized', JSON.stringify(reply));
    }
  });

  describe('entries', () => {
    it('have exactly the keys UUID, Username and OnLine; no password or hash is ever sent', async () => {
      const raw: string[] = [];
      observer.ws.on('message', (data) => raw.push(data.toString()));
      const reply = await page(observer);
      assert.deepEqual(Object.keys(reply).sort(), ['id', 'type', 'users']);
      assert.deepEqual(Object.keys(reply.users).sort(), ['received', 'total', 'users']);
      assert.ok(reply.users.users.length >= 9);
      for (const entry of reply.users.users) {
        assert.deepEqual(Object.keys(entry).sort(), ['OnLine', 'UUID', 'Username'], JSON.stringify(entry));
        assert.match(entry.UUID, UUID);
        assert.equal(typeof entry.Username, 'string');
        assert.equal(typeof entry.OnLine, 'boolean');
      }
      const text = raw.find((frame) => frame.includes(`"id":"${reply.id}"`));
      assert.ok(text, 'the raw frame was captured');
      assert.ok(!text.includes('$2'), 'no bcrypt hash in the frame');
      assert.ok(!/password/i.test(text), 'no password field in the frame');
      assert.ok(!text.includes('correct horse'), 'no password in the frame');
    });

    it('show the name as spelled at sign-up', async () => {
      const names = (await everyone(observer)).map((u) => u.Username);
      for (const username of ['zeta', 'Alpha', 'ＧＡＭＭＡ', 'AB-c', 'Ärger'])
        assert.ok(names.includes(username), username);
    });
  });

  describe('order', () => {
    it('is by normalized (NFKC + lower case) username', async () => {
      const entries = await everyone(observer);
      assert.deepEqual(
        entries.map((u) => u.Username),
        [...entries].sort(compareEntries).map((u) => u.Username),
      );
      const mine = entries
        .map((u) => u.Username)
        .filter((name) =>
          ['zeta', 'Alpha', 'beta', 'ＧＡＭＭＡ', 'ab', 'abc', 'AB-c', 'Ärger', 'delta'].includes(name),
        );
      assert.deepEqual(mine, ['ab', 'AB-c', 'abc', 'Alpha', 'beta', 'delta', 'ＧＡＭＭＡ', 'zeta', 'Ärger']);
    });
  });

  describe('counts and paging', () => {
    it('total counts all users and received counts the entries returned', async () => {
      const before = await page(observer, { offset: 0, limit: 1000 });
      assert.equal(before.users.received, before.users.users.length);
      assert.equal(before.users.total, before.users.users.length);

      await h.user('counted');
      const after = await page(observer, { offset: 0, limit: 3 });
      assert.equal(after.users.total, before.users.total + 1);
      assert.equal(after.users.received, 3);
      assert.equal(after.users.users.length, 3);
    });

    it('walks all users with limit 2, with no gap and no duplicate', async () => {
      const all = await everyone(observer);
      const walked: Entry[] = [];
      for (let offset = 0; offset < all.length + 2; offset += 2) {
        const reply = await page(observer, { offset, limit: 2 });
        assert.equal(reply.users.total, all.length);
        const expected = Math.max(0, Math.min(2, all.length - offset));
        assert.equal(reply.users.received, expected, `offset ${offset}`);
        assert.equal(reply.users.users.length, expected, `offset ${offset}`);
        walked.push(...reply.users.users);
      }
      assert.deepEqual(
        walked.map((u) => u.UUID),
        all.map((u) => u.UUID),
      );
      assert.equal(new Set(walked.map((u) => u.UUID)).size, all.length);
    });

    it('answers an offset past the end with no entries and the right total', async () => {
      const total = (await everyone(observer)).length;
      for (const offset of [total, total + 5, 1_000_000, 1e14, Number.MAX_SAFE_INTEGER]) {
        const reply = await observer.authed({ type: 'users', users: { offset, limit: 1000 } });
        assert.equal(reply.type, 'users', `offset ${offset}: ${JSON.stringify(reply)}`);
        assert.deepEqual(reply.users, { total, received: 0, users: [] }, `offset ${offset}`);
      }
    });

    it('defaults to offset 0 and limit 100 (payload absent, null, {} or null fields)', async () => {
      // Make sure more than 100 users exist, so the default limit shows.
      const missing = 101 - (await everyone(observer)).length;
      const lanes = 2;
      await Promise.all(
        Array.from({ length: lanes }, async (_, lane) => {
          const client = await h.connect();
          for (let i = lane; i < missing; i += lanes) {
            const reply = await client.signUp(`bulk-${lane}-${i}`);
            assert.equal(reply.type, 'authorized', JSON.stringify(reply));
          }
        }),
      );
      const all = await everyone(observer);
      assert.ok(all.length > 100, `${all.length} users`);
      const first100 = all.slice(0, 100).map((u) => u.UUID);

      for (const users of [undefined, null, {}, { offset: null, limit: null }, { offset: 0 }, { limit: 100 }]) {
        const reply = await page(observer, users);
        assert.equal(reply.users.total, all.length, JSON.stringify(users));
        assert.equal(reply.users.received, 100, JSON.stringify(users));
        assert.deepEqual(
          reply.users.users.map((u: Entry) => u.UUID),
          first100,
          JSON.stringify(users),
        );
      }
      const limit1000 = await page(observer, { limit: 1000 });
      assert.equal(limit1000.users.received, all.length);
      const offsetOnly = await page(observer, { offset: 100 });
      assert.deepEqual(
        offsetOnly.users.users.map((u: Entry) => u.UUID),
        all.slice(100, 200).map((u) => u.UUID),
      );
    });

    it('rejects a limit of 0, 1001, -1, 1.5 or "5" and an offset of -1, 1.5 or "0" with error 2', async () => {
      const cases = [
        { limit: 0 },
        { limit: 1001 },
        { limit: -1 },
        { limit: 1.5 },
        { limit: '5' },
        { offset: -1 },
        { offset: 1.5 },
        { offset: '0' },
        'all',
        5,
      ];
      for (const users of cases) {
        const reply = await observer.authed({ type: 'users', users });
        assert.equal(reply.type, 'error', `${JSON.stringify(users)} → ${JSON.stringify(reply)}`);
        assert.equal(reply.error.code, 2, `${JSON.stringify(users)} → ${JSON.stringify(reply)}`);
      }
    });
  });

  describe('OnLine', () => {
    it('is true while a bound connection is open and false after it closes', async () => {
      const subject = await h.user('presence');
      const { userUUID } = subject.auth;
      const auth = { ...subject.auth };
      assert.equal(await onLine(observer, userUUID), true);

      subject.close();
      await subject.closed;
      assert.equal(await pollOnLine(observer, userUUID, false), false, 'offline after its only connection closed');

      // A new connection bound by its first request with the (still valid) key.
      const again = await h.connect();
      assert.equal(await onLine(observer, userUUID), false, 'an unbound connection does not count');
      assert.equal((await again.request({ type: 'users', ...auth })).type, 'users');
      assert.equal(await onLine(observer, userUUID), true, 'online again once a connection is bound');

      again.close();
      await again.closed;
      assert.equal(await pollOnLine(observer, userUUID, false), false, 'offline again after it closed');
    });

    it('stays true while one of two bound connections remains open', async () => {
      const first = await h.user('twice');
      const auth = { ...first.auth };
      const second = await h.connect();
      assert.equal((await second.request({ type: 'users', ...auth })).type, 'users');

      first.close();
      await first.closed;
      // Give the close time to be processed, then check it changed nothing.
      await sleep(300);
      assert.equal(await onLine(observer, auth.userUUID), true);
      second.close();
      await second.closed;
      assert.equal(await pollOnLine(observer, auth.userUUID, false), false);
    });
  });
});
