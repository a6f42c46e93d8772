/**
 * Fuzzing a live server: random and mutated frames on one connection, each
 * followed by a sentinel request. Every frame must get exactly one
 * well-formed reply, a valid request only success or the errors its type
 * allows, the connection must stay open, and a separate client must keep
 * getting correct `users` answers throughout. Afterwards the server still
 * delivers messages and has logged no failed request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { junkArbitraries, mutate, mutationArbitrary } from '../helpers/arbitraries.js';
import type { ChatClient } from '../helpers/client.js';
import { useHarness } from '../helpers/harness.js';

const PASSWORD = 'correct horse';
const WAIT_MS = 5000;
const MAX_FRAME = 60 * 1024; // below MAX_FRAME_BYTES (64 KiB): larger frames close the connection by design
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The response type and payload keys for each request type. */
const RESPONSES: Record<string, { type: string; key: string; fields: string[] }> = {
  signIn: { type: 'authorized', key: 'authorized', fields: ['accessKey', 'userUUID'] },
  signUp: { type: 'authorized', key: 'authorized', fields: ['accessKey', 'userUUID'] },
  signOut: { type: 'unauthorized', key: 'unauthorized', fields: ['userUUID'] },
  users: { type: 'users', key: 'users', fields: ['received', 'total', 'users'] },
  channelJoin: { type: 'channelJoin', key: 'channelJoin', fields: ['messages', 'users'] },
  channelMessage: {
    type: 'channelMessage',
    key: 'channelMessage',
    fields: ['UUID', 'createdAt', 'message', 'recipientUUID', 'senderUUID', 'seq'],
  },
  channelMessages: {
    type: 'channelRead',
    key: 'channelMessages',
    fields: ['messages', 'messagesReceived', 'messagesTotal'],
  },
  channelLeave: { type: 'channelLeave', key: 'channelLeave', fields: ['recipientUUID'] },
};

/** The errors a valid request of each type may get: its own outcomes, and 10 (always possible). */
const ALLOWED_ERRORS: Record<string, number[]> = {
  signIn: [6, 10],
  signUp: [7, 10],
  signOut: [10],
  users: [10],
  channelJoin: [8, 10],
  channelMessage: [8, 10],
  channelMessages: [8, 10],
  channelLeave: [8, 9, 10],
};

/** A raw connection that records every frame as text, so nothing is parsed behind the test's back. */
class RawConnection {
  readonly ws: WebSocket;
  readonly frames: string[] = [];
  sessionUUID = '';
  closeCode: number | undefined;
  #wake: (() => void) | undefined;

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? `<binary ${String(data)}>` : data.toString());
      this.#wake?.();
    });
    this.ws.on('close', (code) => {
      this.closeCode = code;
      this.#wake?.();
    });
    this.ws.on('error', () => {});
  }

  static async open(url: string): Promise<RawConnection> {
    const connection = new RawConnection(url);
    const ready = JSON.parse(await connection.frameAt(0)) as { type: string; ready: { sessionUUID: string } };
    assert.equal(ready.type, 'ready');
    connection.sessionUUID = ready.ready.sessionUUID;
    return connection;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** The frame at `index`, waiting for it at most WAIT_MS. */
  async frameAt(index: number): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    while (this.frames.length <= index) {
      if (this.closeCode !== undefined) throw new Error(`connection closed with ${this.closeCode}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame #${index} within ${WAIT_MS} ms (got ${this.frames.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.frames[index]!;
  }

  close(): void {
    this.ws.close();
  }
}

// ---- arbitraries -------------------------------------------------------

const { key, junk } = junkArbitraries({
  hugeNumbers: [1e21, -1e21, 2 ** 53, 2 ** 53 + 2, 1e17, 1e308, -1e308, 5e-324, -0, 0.5, 99.999, 1e100],
  oddStrings: ['', ' ', '0', '00', 'null', '\ud800', 'a\udfffb', '\u0000', '\u200b', '😀', 'x'.repeat(4097)],
  uuids: true,
  maxDepth: 3,
});

/** Placeholders the test fills in at send time with live values. */
const SESSION = '<session>';
const SELF = '<self>';
const KEY = '<key>';
const OTHER = '<other>';
const FRESH = '<fresh-name>';

type Template = Record<string, unknown>;

const base = (type: string, payload: Template = {}): Template => ({
  type,
  SUUID: SESSION,
  id: type,
  userUUID: SELF,
  userAccessKey: KEY,
  ...payload,
});
const recipient = fc.constantFrom<unknown>(0, '0', OTHER, SELF, '9c1e0f7a-3b1d-4c55-8f00-0123456789ab');

const validTemplate: fc.Arbitrary<Template> = fc.oneof(
  fc.constant({ type: 'signIn', SUUID: SESSION, id: 'in', signId: { username: '<self-name>', password: PASSWORD } }),
  fc.constant({ type: 'signIn', SUUID: SESSION, id: 'in2', signIn: { username: FRESH, password: PASSWORD } }),
  fc.constant({ type: 'signUp', SUUID: SESSION, id: 'up', signUp: { username: FRESH, password: PASSWORD } }),
  fc.constant(base('signOut')),
  fc.record({ offset: fc.nat(5), limit: fc.integer({ min: 1, max: 1000 }) }).map((users) => base('users', { users })),
  recipient.map((recipientUUID) => base('channelJoin', { channelJoin: { recipientUUID } })),
  fc
    .tuple(recipient, fc.string({ minLength: 1, maxLength: 50 }))
    .map(([recipientUUID, message]) =>
      base('channelMessage', { channelMessage: { recipientUUID, message: `m ${message}` } }),
    ),
  fc
    .tuple(recipient, fc.nat(20), fc.integer({ min: 1, max: 99 }))
    .map(([recipientUUID, offset, limit]) =>
      base('channelMessages', { channelMessages: { recipientUUID, offset, limit } }),
    ),
  recipient.map((recipientUUID) => base('channelLeave', { channelLeave: { recipientUUID } })),
);

const mutation = mutationArbitrary({
  junk,
  key,
  types: [...Object.keys(RESPONSES), 'channelRead', 'ready', 'error', 'Users'],
  ids: [fc.string({ maxLength: 70 }), fc.constant('x'.repeat(64)), fc.constant('x'.repeat(65))],
});

/** A frame to send: a valid request or other JSON, with placeholders, or raw text sent as is. */
type Fuzz = { kind: 'valid' | 'json'; text: string } | { kind: 'raw'; text: string };

const fuzzFrame: fc.Arbitrary<Fuzz> = fc.oneof(
  { weight: 1, arbitrary: validTemplate.map((t) => ({ kind: 'valid' as const, text: JSON.stringify(t) })) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(validTemplate, fc.array(mutation, { minLength: 1, maxLength: 3 }))
      .map(([t, ms]) => ({ kind: 'json' as const, text: JSON.stringify(mutate(t, ms, 3)) })),
  },
  { weight: 1, arbitrary: junk.map((v) => ({ kind: 'json' as const, text: JSON.stringify(v) ?? 'null' })) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.string({ maxLength: 60 }),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        fc.constantFrom('', ' ', '{', '}', '[]', 'null', '{"type":', '{"type":"users"', 'undefined', '\u0000'),
      )
      .map((text) => ({ kind: 'raw' as const, text })),
  },
);

// ---- the live test -----------------------------------------------------

describe('fuzzing a live server (property)', () => {
  const h = useHarness({ RATE_LIMIT_PER_SEC: '100000', RATE_LIMIT_BURST: '100000' });
  let fuzzer: RawConnection;
  let keySource: ChatClient;
  let observer: ChatClient;
  let self: { userUUID: string; userAccessKey: string; username: string };
  let observerTotal = 0;
  let fresh = 0;
  let sentinels = 0;
  /** Index in fuzzer.frames of the next frame expected. */
  let next = 0;

  before(async () => {
    const me = await h.user('fuzz');
    self = {
      ...me.auth,
      username: (await me.authed({ type: 'users', users: { limit: 1000 } })).users.users.find(
        (u: { UUID: string }) => u.UUID === me.auth.userUUID,
      ).Username,
    };
    keySource = me;
    observer = await h.user('watch');
    fuzzer = await RawConnection.open(h.server.url);
    next = 1; // the ready frame
  });

  after(() => fuzzer?.close());

  /** Fills the placeholders with live values; a successful signOut would revoke our key, so it gets a throwaway one. */
  async function materialize(frame: Fuzz): Promise<string> {
    if (frame.kind === 'raw') return frame.text;
    const text = frame.text
      .replaceAll(`"${SESSION}"`, JSON.stringify(fuzzer.sessionUUID))
      .replaceAll(`"${SELF}"`, JSON.stringify(self.userUUID))
      .replaceAll(`"${KEY}"`, JSON.stringify(self.userAccessKey))
      .replaceAll(`"${OTHER}"`, JSON.stringify(observer.auth.userUUID))
      .replaceAll('"<self-name>"', JSON.stringify(self.username))
      .replaceAll(`"${FRESH}"`, () => JSON.stringify(`fz${++fresh}`));
    const value = JSON.parse(text) as Record<string, unknown> | null;
    if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      value.type === 'signOut' &&
      value.userAccessKey === self.userAccessKey
    ) {
      const reply = await keySource.signIn(self.username, PASSWORD);
      assert.equal(reply.type, 'authorized', JSON.stringify(reply));
      // keySource.auth now holds the throwaway key; put ours back for the next materialize.
      const throwaway = keySource.auth.userAccessKey;
      keySource.auth = { userUUID: self.userUUID, userAccessKey: self.userAccessKey };
      return JSON.stringify({ ...value, userAccessKey: throwaway });
    }
    return text;
  }

  /** The id the reply must echo, when the frame is an object with an echoable id. */
  function expectedId(text: string): { parsed: Record<string, unknown> | undefined; id: string | undefined } {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { parsed: undefined, id: undefined };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { parsed: undefined, id: undefined };
    const record = value as Record<string, unknown>;
    const id = typeof record.id === 'string' && record.id.length <= 64 ? record.id : undefined;
    return { parsed: record, id };
  }

  /** Checks one reply's shape; returns it parsed. */
  function checkReply(replyText: string, sent: string): Record<string, any> {
    let reply: Record<string, any>;
    try {
      reply = JSON.parse(replyText);
    } catch {
      assert.fail(`reply is not JSON: ${replyText.slice(0, 200)}`);
    }
    assert.ok(
      typeof reply === 'object' && reply !== null && !Array.isArray(reply),
      `reply is not an object: ${replyText}`,
    );
    const { parsed, id } = expectedId(sent);
    if (id === undefined) assert.ok(!('id' in reply), `unexpected id in ${replyText}`);
    else assert.equal(reply.id, id, `id not echoed: ${replyText}`);
    if (reply.type === 'error') {
      assert.deepEqual(Object.keys(reply).sort(), id === undefined ? ['error', 'type'] : ['error', 'id', 'type']);
      assert.deepEqual(Object.keys(reply.error).sort(), ['code', 'message']);
      assert.ok(Number.isInteger(reply.error.code) && reply.error.code >= 1 && reply.error.code <= 11, replyText);
      assert.equal(typeof reply.error.message, 'string');
      assert.ok(!reply.error.message.includes(PASSWORD), 'an error never quotes a password');
      return reply;
    }
    const requestType = parsed?.type;
    assert.ok(
      typeof requestType === 'string' && Object.hasOwn(RESPONSES, requestType),
      `success for ${String(requestType)}: ${replyText}`,
    );
    const expected = RESPONSES[requestType]!;
    assert.equal(reply.type, expected.type, replyText);
    assert.deepEqual(
      Object.keys(reply).sort(),
      id === undefined ? [expected.key, 'type'].sort() : [expected.key, 'id', 'type'].sort(),
    );
    assert.deepEqual(Object.keys(reply[expected.key]).sort(), expected.fields, replyText);
    return reply;
  }

  /** Sends the sentinel and checks it is the very next frame and a correct users answer. */
  async function sentinel(): Promise<void> {
    const id = `sentinel-${++sentinels}`;
    fuzzer.send(
      JSON.stringify({
        type: 'users',
        SUUID: fuzzer.sessionUUID,
        id,
        userUUID: self.userUUID,
        userAccessKey: self.userAccessKey,
        users: { limit: 1 },
      }),
    );
    const text = await fuzzer.frameAt(next);
    const reply = JSON.parse(text);
    assert.equal(reply.id, id, `the frame before the sentinel's reply was an extra reply: ${text}`);
    assert.equal(reply.type, 'users', text);
    next++;
  }

  /** The observer asks for users and checks the answer. */
  async function observe(): Promise<void> {
    const reply = await observer.authed({ type: 'users', users: { offset: 0, limit: 1000 } });
    assert.equal(reply.type, 'users', JSON.stringify(reply));
    const { total, received, users } = reply.users;
    assert.ok(Number.isInteger(total) && total >= observerTotal, `total ${total} after ${observerTotal}`);
    observerTotal = total;
    assert.equal(received, users.length);
    assert.equal(received, Math.min(total, 1000));
    for (const user of users) {
      assert.deepEqual(Object.keys(user).sort(), ['OnLine', 'UUID', 'Username']);
      assert.match(user.UUID, UUID);
      assert.equal(typeof user.Username, 'string');
      assert.equal(typeof user.OnLine, 'boolean');
    }
    if (total <= 1000) {
      const me = users.find((u: { UUID: string }) => u.UUID === observer.auth.userUUID);
      assert.deepEqual(me, { UUID: observer.auth.userUUID, Username: me?.Username, OnLine: true });
    }
  }

  /** Sends one fuzz frame; checks exactly one reply; returns it parsed. */
  async function fuzzOnce(frame: Fuzz): Promise<Record<string, any>> {
    const text = await materialize(frame);
    fc.pre(Buffer.byteLength(text) <= MAX_FRAME);
    assert.equal(fuzzer.frames.length, next, 'no frame arrives between runs');
    fuzzer.send(text);
    const reply = checkReply(await fuzzer.frameAt(next++), text);
    if (frame.kind === 'valid' && reply.type === 'error') {
      const type = String(JSON.parse(text).type);
      assert.ok(
        ALLOWED_ERRORS[type]!.includes(reply.error.code),
        `a valid ${type} got error ${reply.error.code}: ${JSON.stringify(reply)}`,
      );
    }
    // A sign-in or sign-up as someone else rebinds the connection: undo it with that key, so ours works again.
    if (reply.type === 'authorized' && reply.authorized.userUUID !== self.userUUID) {
      fuzzer.send(
        JSON.stringify({
          type: 'signOut',
          SUUID: fuzzer.sessionUUID,
          id: 'undo',
          userUUID: reply.authorized.userUUID,
          userAccessKey: reply.authorized.accessKey,
        }),
      );
      const undo = JSON.parse(await fuzzer.frameAt(next++));
      assert.equal(undo.type, 'unauthorized', JSON.stringify(undo));
    }
    await sentinel();
    assert.equal(fuzzer.closeCode, undefined, 'the connection stays open');
    await observe();
    return reply;
  }

  it('answers every frame exactly once with a well-formed reply, keeps the connection open and other clients served', async (t) => {
    await observe();
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fuzzFrame, async (frame) => {
        const reply = await fuzzOnce(frame);
        const outcome = reply.type === 'error' ? `error ${reply.error.code}` : reply.type;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { numRuns: 300, endOnFailure: true },
    );
    assert.equal(fuzzer.ws.readyState, WebSocket.OPEN);
    await sentinel();
    t.diagnostic(`replies: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
  });

  it('never answers 11 ("server unavailable") while Redis is up', { timeout: 120_000 }, async (t) => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fuzzFrame, async (frame) => {
        runs++;
        const reply = await fuzzOnce(frame);
        if (reply.type === 'error') {
          assert.notEqual(reply.error.code, 11, `answered 11 while Redis is up: ${JSON.stringify(reply)}`);
        }
      }),
      { numRuns: 200 },
    );
    assert.ok(runs >= 200, `${runs} frames ran`);
    t.diagnostic(`${runs} frames`);
  });

  it('still delivers afterwards, and logged no failed request', async () => {
    // A private channel of two new users: the fuzzing connection may be joined to the public one.
    const listener = await h.user('after');
    const speaker = await h.user('after');
    const joinedReply = await listener.authed({
      type: 'channelJoin',
      channelJoin: { recipientUUID: speaker.auth.userUUID },
    });
    assert.equal(joinedReply.type, 'channelJoin', JSON.stringify(joinedReply));
    const sent = await speaker.authed({
      type: 'channelMessage',
      channelMessage: { recipientUUID: listener.auth.userUUID, message: 'after the fuzz' },
    });
    assert.equal(sent.type, 'channelMessage', JSON.stringify(sent));
    const [push] = await listener.waitForPushes(1);
    assert.deepEqual(push, { type: 'channelMessage', channelMessage: sent.channelMessage });
    const failed = h.server.output.filter((line) => line.includes('request failed'));
    assert.deepEqual(failed, [], 'no request failed on the server');
  });

  it('answers 2, not 11, to a value whose toString is not a function', async () => {
    const junkValue = { toString: 1 };
    const cases = [
      base('channelMessage', { channelMessage: { recipientUUID: 0, message: junkValue } }),
      base('channelJoin', { channelJoin: { recipientUUID: [{ toString: [] }] } }),
      base('users', { users: { limit: junkValue } }),
      { type: 'signUp', SUUID: SESSION, id: 'x', signUp: { username: junkValue, password: PASSWORD } },
      { type: 'signIn', SUUID: SESSION, id: 'y', signId: { toString: [] } },
    ];
    const codes: number[] = [];
    for (const template of cases) {
      const reply = await fuzzOnce({ kind: 'json', text: JSON.stringify(template) });
      codes.push(reply.error?.code);
    }
    assert.deepEqual(codes, [2, 2, 2, 2, 2]);
  });

  it('ignores an unknown field named toString beside valid sign-in credentials', async () => {
    const reply = await fuzzOnce({
      kind: 'json',
      text: JSON.stringify({
        type: 'signIn',
        SUUID: SESSION,
        id: 'ts',
        signId: { username: '<self-name>', password: PASSWORD, toString: 'extra' },
      }),
    });
    assert.equal(reply.type, 'authorized', JSON.stringify(reply));
    assert.equal(reply.authorized.userUUID, self.userUUID);
  });

  it('answers a users page far past the end with an empty page, not 11', async () => {
    const reply = await fuzzOnce({ kind: 'json', text: JSON.stringify(base('users', { users: { offset: 1e21 } })) });
    assert.equal(reply.type, 'users', JSON.stringify(reply));
    assert.equal(reply.users.received, 0);
    assert.deepEqual(reply.users.users, []);
  });
});
