import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkRouting,
  echoableId,
  MAX_ID_LENGTH,
  parseFrame,
  readPayload,
  readPresentedKey,
} from '../../src/protocol/envelope.js';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.js';

const SESSION = '6f9353ba-92c6-41c2-89f2-60b350bf67e7';
const USER = '21d4b0aa-da77-4833-a315-1b13f70de65d';
const KEY = '54RdYXz3iYLXCiVR.X2DIrvoaw2wKdQGKIMcGDpUsvWxwdAu1NM5RFf4UjSA';

/** Runs `fn` and returns the ProtocolError's code (failing on success or any other error). */
function codeOf(fn: () => unknown): number {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('expected a ProtocolError, got a result');
}

/** The error's message, for checks that it never quotes a value. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected a ProtocolError, got a result');
}

describe('parseFrame', () => {
  it('returns the JSON object', () => {
    assert.deepEqual(parseFrame('{"type":"users","SUUID":"x"}'), { type: 'users', SUUID: 'x' });
    assert.deepEqual(parseFrame(' {} '), {});
  });

  it('gives error 1 for text that is not JSON', () => {
    for (const text of ['', ' ', 'hello', '{', '{"a":1', "{'a':1}", '{"a":1}}', 'undefined', '{a:1}']) {
      assert.equal(
        codeOf(() => parseFrame(text)),
        ErrorCode.MalformedFrame,
        JSON.stringify(text),
      );
    }
  });

  it('gives error 1 for JSON that is not an object', () => {
    for (const text of ['null', '[]', '[{}]', '0', '"{}"', 'true', 'false', '1e999']) {
      assert.equal(
        codeOf(() => parseFrame(text)),
        ErrorCode.MalformedFrame,
        text,
      );
    }
  });

  it('keeps a __proto__ key as plain data, not as the prototype', () => {
    const raw = parseFrame('{"__proto__":{"type":"users"}}');
    assert.equal(raw.type, undefined);
    assert.equal(Object.getPrototypeOf(raw), Object.prototype);
  });
});

describe('echoableId', () => {
  it('echoes a string of up to 64 characters', () => {
    assert.equal(MAX_ID_LENGTH, 64);
    assert.equal(echoableId({ id: '' }), '');
    assert.equal(echoableId({ id: 'r1' }), 'r1');
    assert.equal(echoableId({ id: 'x'.repeat(64) }), 'x'.repeat(64));
    assert.equal(echoableId({ id: '😀' }), '😀');
  });

  it('echoes nothing for a missing, long or non-string id', () => {
    assert.equal(echoableId({}), undefined);
    assert.equal(echoableId({ id: 'x'.repeat(65) }), undefined);
    for (const id of [null, 1, 0, true, ['r1'], { id: 'r1' }]) {
      assert.equal(echoableId({ id }), undefined, JSON.stringify(id));
    }
  });
});

describe('checkRouting', () => {
  it('returns the type when type and SUUID are right', () => {
    assert.equal(checkRouting({ type: 'users', SUUID: SESSION }, SESSION), 'users');
    assert.equal(checkRouting({ type: 'channelMessages', SUUID: SESSION }, SESSION), 'channelMessages');
  });

  it('gives error 3 for a missing, non-string or unknown type', () => {
    for (const type of [
      undefined,
      null,
      1,
      {},
      ['users'],
      '',
      'channelRead',
      'Users',
      'toString',
      '__proto__',
      'hasOwnProperty',
    ]) {
      assert.equal(
        codeOf(() => checkRouting({ type, SUUID: SESSION }, SESSION)),
        ErrorCode.UnknownType,
        String(type),
      );
    }
  });

  it('gives error 4 for a missing or different SUUID', () => {
    for (const SUUID of [undefined, null, '', SESSION.toUpperCase(), `${SESSION} `, 1]) {
      assert.equal(
        codeOf(() => checkRouting({ type: 'users', SUUID }, SESSION)),
        ErrorCode.SessionMismatch,
        String(SUUID),
      );
    }
  });

  it('reports 3 before 4', () => {
    assert.equal(
      codeOf(() => checkRouting({ type: 'nope' }, SESSION)),
      ErrorCode.UnknownType,
    );
    assert.equal(
      codeOf(() => checkRouting({}, SESSION)),
      ErrorCode.UnknownType,
    );
  });

  it('never quotes the submitted type', () => {
    const message = messageOf(() => checkRouting({ type: 'x'.repeat(10_000), SUUID: SESSION }, SESSION));
    assert.equal(message, 'unknown type');
  });
});

describe('readPresentedKey', () => {
  it('answers 5 for a userUUID that is not a UUID, before any lookup', () => {
    for (const userUUID of ['', 'alice', 'x'.repeat(60_000), '{u:x}', `${USER}x`]) {
      assert.throws(
        () => readPresentedKey({ userUUID, userAccessKey: KEY }),
        (error) => error instanceof ProtocolError && error.code === ErrorCode.Unauthorized,
        userUUID.slice(0, 20),
      );
    }
  });

  it('returns the credentials with the user UUID lower-cased', () => {
    assert.deepEqual(readPresentedKey({ userUUID: USER.toUpperCase(), userAccessKey: KEY }), {
      userUUID: USER,
      accessKey: KEY,
    });
  });

  it('keeps the access key exactly as sent', () => {
    assert.deepEqual(readPresentedKey({ userUUID: USER, userAccessKey: 'AbC' }), { userUUID: USER, accessKey: 'AbC' });
  });

  it('gives error 5 for missing or non-string credentials', () => {
    const cases = [
      {},
      { userUUID: USER },
      { userAccessKey: KEY },
      { userUUID: null, userAccessKey: KEY },
      { userUUID: USER, userAccessKey: null },
      { userUUID: 1, userAccessKey: KEY },
      { userUUID: USER, userAccessKey: { key: KEY } },
      { userUUID: [USER], userAccessKey: [KEY] },
    ];
    for (const raw of cases) {
      assert.equal(
        codeOf(() => readPresentedKey(raw)),
        ErrorCode.Unauthorized,
        JSON.stringify(raw),
      );
    }
  });
});

describe('readPayload', () => {
  it('returns the coerced payload', () => {
    const request = readPayload('channelMessages', { channelMessages: { recipientUUID: 0 } });
    assert.deepEqual(request.channelMessages, { recipientUUID: '0', offset: 0, limit: 10 });
    assert.deepEqual(readPayload('users', {}).users, { offset: 0, limit: 100 });
  });

  it('accepts a null id as absent and a valid id', () => {
    assert.deepEqual(readPayload('users', { id: null }).users, { offset: 0, limit: 100 });
    assert.deepEqual(readPayload('users', { id: 'x'.repeat(64) }).users, { offset: 0, limit: 100 });
  });

  it('gives error 2 for an id of another type or length', () => {
    for (const id of [1, true, 'x'.repeat(65), ['r1'], { id: 'r1' }]) {
      assert.equal(
        codeOf(() => readPayload('users', { id })),
        ErrorCode.InvalidRequest,
        JSON.stringify(id),
      );
    }
  });

  it('gives error 2 for an invalid payload', () => {
    const cases: [Parameters<typeof readPayload>[0], Record<string, unknown>][] = [
      ['signIn', {}],
      ['signUp', { signUp: { username: 'Alice' } }],
      ['users', { users: { limit: 0 } }],
      ['channelJoin', { channelJoin: { recipientUUID: 'nope' } }],
      ['channelMessage', { channelMessage: { recipientUUID: 0, message: '   ' } }],
      ['channelMessages', { channelMessages: { recipientUUID: 0, limit: 100 } }],
      ['channelLeave', {}],
    ];
    for (const [type, raw] of cases) {
      assert.equal(
        codeOf(() => readPayload(type, raw)),
        ErrorCode.InvalidRequest,
        `${type} ${JSON.stringify(raw)}`,
      );
    }
  });

  it('names the field at fault in the message', () => {
    assert.equal(
      messageOf(() => readPayload('signUp', { signUp: { username: 'Alice' } })),
      'invalid request: signUp.password is required',
    );
    assert.equal(
      messageOf(() => readPayload('users', { users: { limit: '5' } })),
      'invalid request: users.limit: expected integer',
    );
    assert.equal(
      messageOf(() => readPayload('users', { users: { limit: 5000 } })),
      'invalid request: users.limit: out of range',
    );
  });

  it('never quotes the submitted password or message', () => {
    const password = 'hunter2'; // too short: refused
    const message = messageOf(() => readPayload('signUp', { signUp: { username: 'Alice', password } }));
    assert.ok(!message.includes(password), message);
    const wrongType = messageOf(() =>
      readPayload('signIn', { signId: { username: 'Alice', password: ['sekrit-pw'] } }),
    );
    assert.ok(!wrongType.includes('sekrit-pw'), wrongType);
    const longPassword = 'p'.repeat(73);
    assert.ok(
      !messageOf(() => readPayload('signUp', { signUp: { username: 'A', password: longPassword } })).includes(
        longPassword,
      ),
    );
  });

  it('gives error 2, not another exception, for an object whose toString is not a function', () => {
    // JSON.parse('{"toString":1}') is a plain object that can not be turned into a string.
    const junk = parseFrame('{"toString":1}');
    const cases: [Parameters<typeof readPayload>[0], Record<string, unknown>][] = [
      ['signUp', { signUp: { username: junk, password: 'password1' } }],
      ['signIn', { signId: { username: 'Alice', password: junk } }],
      ['users', { users: { offset: junk } }],
      ['channelJoin', { channelJoin: { recipientUUID: junk } }],
      ['channelMessage', { channelMessage: { recipientUUID: 0, message: junk } }],
      ['channelMessages', { channelMessages: { recipientUUID: 0, limit: junk } }],
    ];
    for (const [type, raw] of cases) {
      assert.equal(
        codeOf(() => readPayload(type, raw)),
        ErrorCode.InvalidRequest,
        `${type}`,
      );
    }
  });
});
