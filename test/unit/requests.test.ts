import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, type Struct, StructError } from 'superstruct';
import {
  ChannelJoinRequest,
  ChannelLeaveRequest,
  ChannelMessageRequest,
  ChannelMessagesRequest,
  isRequestType,
  PUBLIC_RECIPIENT,
  Recipient,
  requestStructs,
  SignInRequest,
  SignOutRequest,
  SignUpRequest,
  UNAUTHENTICATED_TYPES,
  UsersRequest,
} from '../../src/protocol/requests.js';

const UUID = '6f9353ba-92c6-41c2-89f2-60b350bf67e7';
const CREDENTIALS = { username: 'Alice', password: 'password1' };

/** The struct's failure, with the path it points at. */
function failure(value: unknown, struct: Struct<any, any>): { path: string; refinement?: string } {
  try {
    create(value, struct);
  } catch (error) {
    assert.ok(error instanceof StructError, `expected a StructError, got ${String(error)}`);
    const first = error.failures()[0]!;
    return first.refinement === undefined
      ? { path: first.path.join('.') }
      : { path: first.path.join('.'), refinement: first.refinement };
  }
  assert.fail(`expected ${JSON.stringify(value)} to be refused`);
}

describe('the request type table', () => {
  it('knows exactly the eight request types of the seed and the four of protocol 1.1', () => {
    assert.deepEqual(Object.keys(requestStructs).sort(), [
      'channelJoin',
      'channelLeave',
      'channelMessage',
      'channelMessages',
      'channelSeen',
      'channels',
      'signIn',
      'signOut',
      'signUp',
      'typing',
      'users',
      'watch',
    ]);
  });

  it('isRequestType accepts only own type names', () => {
    assert.equal(isRequestType('signIn'), true);
    assert.equal(isRequestType('channelRead'), false);
    assert.equal(isRequestType('constructor'), false);
    assert.equal(isRequestType('toString'), false);
    assert.equal(isRequestType('__proto__'), false);
    assert.equal(isRequestType('SIGNIN'), false);
    assert.equal(isRequestType(''), false);
    assert.equal(isRequestType(1), false);
    assert.equal(isRequestType(null), false);
    assert.equal(isRequestType(undefined), false);
  });

  it('needs no credentials only for signIn and signUp', () => {
    assert.deepEqual([...UNAUTHENTICATED_TYPES].sort(), ['signIn', 'signUp']);
  });
});

describe('Recipient', () => {
  it('reads 0 and "0" as the public channel', () => {
    assert.equal(PUBLIC_RECIPIENT, '0');
    assert.equal(create(0, Recipient), '0');
    assert.equal(create('0', Recipient), '0');
    assert.equal(create(-0, Recipient), '0');
  });

  it('accepts a UUID string in any case and writes it lower case', () => {
    assert.equal(create(UUID, Recipient), UUID);
    assert.equal(create(UUID.toUpperCase(), Recipient), UUID);
    assert.equal(create('00000000-0000-0000-0000-000000000000', Recipient), '00000000-0000-0000-0000-000000000000');
  });

  it('refuses other numbers and strings', () => {
    for (const value of [
      1,
      -1,
      0.5,
      1e21,
      '',
      '00',
      ' 0',
      '0 ',
      'abc',
      `${UUID} `,
      `{${UUID}}`,
      UUID.replaceAll('-', ''),
      `${UUID}0`,
    ]) {
      assert.deepEqual(failure(value, Recipient), { path: '', refinement: 'recipientUUID' }, JSON.stringify(value));
    }
  });

  it('refuses values that are neither number nor string', () => {
    for (const value of [null, undefined, true, [], {}, [0]]) {
      assert.deepEqual(failure(value, Recipient), { path: '' }, JSON.stringify(value));
    }
  });
});

describe('SignInRequest', () => {
  it('takes the credentials from signId', () => {
    const request = create({ signId: CREDENTIALS }, SignInRequest);
    assert.deepEqual(request.signId, CREDENTIALS);
    assert.equal(request.signIn, undefined);
  });

  it('accepts signIn as the payload key', () => {
    const request = create({ signIn: CREDENTIALS }, SignInRequest);
    assert.deepEqual(request.signIn, CREDENTIALS);
    assert.equal(request.signId, undefined);
  });

  it('treats a null signId as absent', () => {
    const request = create({ signId: null, signIn: CREDENTIALS }, SignInRequest);
    assert.equal(request.signId, undefined);
    assert.deepEqual(request.signIn, CREDENTIALS);
  });

  it('uses signId when both signId and signIn are valid', () => {
    const other = { username: 'Bob', password: 'password2' };
    const request = create({ signId: CREDENTIALS, signIn: other }, SignInRequest);
    assert.deepEqual(request.signId, CREDENTIALS);
  });

  it('uses signId and ignores an unusable signIn when both are present', () => {
    // docs/protocol.md: "If both signId and signIn are present, signId is used."
    for (const signIn of [42, 'x', { username: '', password: '' }, []]) {
      const request = create({ signId: CREDENTIALS, signIn }, SignInRequest);
      assert.deepEqual(request.signId, CREDENTIALS, JSON.stringify(signIn));
    }
  });

  it('requires one of signId and signIn', () => {
    assert.deepEqual(failure({}, SignInRequest), { path: '', refinement: 'signId' });
    assert.deepEqual(failure({ signId: null, signIn: null }, SignInRequest), { path: '', refinement: 'signId' });
  });

  it('refuses invalid credentials', () => {
    assert.deepEqual(failure({ signId: { username: 'Alice' } }, SignInRequest), { path: 'signId.password' });
    assert.deepEqual(failure({ signId: { username: '', password: 'password1' } }, SignInRequest), {
      path: 'signId.username',
      refinement: 'username',
    });
    assert.deepEqual(failure({ signId: { username: 'Alice', password: 'short' } }, SignInRequest), {
      path: 'signId.password',
      refinement: 'password',
    });
    assert.deepEqual(failure({ signId: 'Alice' }, SignInRequest), { path: 'signId' });
    assert.deepEqual(failure({ signId: [] }, SignInRequest), { path: 'signId' });
  });
});

describe('SignUpRequest', () => {
  it('accepts valid credentials and ignores extra fields', () => {
    const request = create({ signUp: { ...CREDENTIALS, extra: 1 }, other: true }, SignUpRequest);
    assert.equal(request.signUp.username, 'Alice');
    assert.equal(request.signUp.password, 'password1');
  });

  it('keeps the username as sent (trimming is the handler’s)', () => {
    assert.equal(
      create({ signUp: { username: '  Alice ', password: 'password1' } }, SignUpRequest).signUp.username,
      '  Alice ',
    );
  });

  it('refuses a missing or null payload and wrong field types', () => {
    assert.deepEqual(failure({}, SignUpRequest), { path: 'signUp' });
    assert.deepEqual(failure({ signUp: null }, SignUpRequest), { path: 'signUp' });
    assert.deepEqual(failure({ signUp: { username: 42, password: 'password1' } }, SignUpRequest), {
      path: 'signUp.username',
    });
    assert.deepEqual(failure({ signUp: { username: 'Alice', password: 12345678 } }, SignUpRequest), {
      path: 'signUp.password',
    });
    assert.deepEqual(failure({ signUp: { username: 'a\u200bb', password: 'password1' } }, SignUpRequest), {
      path: 'signUp.username',
      refinement: 'username',
    });
    assert.deepEqual(failure({ signUp: { username: 'Alice', password: 'x'.repeat(73) } }, SignUpRequest), {
      path: 'signUp.password',
      refinement: 'password',
    });
  });
});

describe('SignOutRequest', () => {
  it('accepts any object', () => {
    assert.deepEqual(create({}, SignOutRequest), {});
    assert.deepEqual(create({ signOut: 1 }, SignOutRequest), { signOut: 1 });
  });
});

describe('UsersRequest', () => {
  it('defaults to offset 0 and limit 100 when the payload is absent or null', () => {
    assert.deepEqual(create({}, UsersRequest).users, { offset: 0, limit: 100 });
    assert.deepEqual(create({ users: null }, UsersRequest).users, { offset: 0, limit: 100 });
    assert.deepEqual(create({ users: {} }, UsersRequest).users, { offset: 0, limit: 100 });
    assert.deepEqual(create({ users: { offset: null, limit: null } }, UsersRequest).users, { offset: 0, limit: 100 });
  });

  it('does not share the default object between requests', () => {
    const first = create({}, UsersRequest);
    first.users.offset = 99;
    assert.deepEqual(create({}, UsersRequest).users, { offset: 0, limit: 100 });
  });

  it('accepts limit 1 to 1000 and any offset of at least 0', () => {
    assert.deepEqual(create({ users: { offset: 5, limit: 1 } }, UsersRequest).users, { offset: 5, limit: 1 });
    assert.deepEqual(create({ users: { offset: 0, limit: 1000 } }, UsersRequest).users, { offset: 0, limit: 1000 });
  });

  it('refuses out-of-range and non-integer values', () => {
    assert.deepEqual(failure({ users: { limit: 0 } }, UsersRequest), { path: 'users.limit', refinement: 'min' });
    assert.deepEqual(failure({ users: { limit: 1001 } }, UsersRequest), { path: 'users.limit', refinement: 'max' });
    assert.deepEqual(failure({ users: { offset: -1 } }, UsersRequest), { path: 'users.offset', refinement: 'min' });
    assert.deepEqual(failure({ users: { offset: 1.5 } }, UsersRequest), { path: 'users.offset' });
    assert.deepEqual(failure({ users: { limit: '10' } }, UsersRequest), { path: 'users.limit' });
    assert.deepEqual(failure({ users: 'all' }, UsersRequest), { path: 'users' });
    assert.deepEqual(failure({ users: [] }, UsersRequest), { path: 'users' });
  });
});

describe('ChannelJoinRequest and ChannelLeaveRequest', () => {
  it('canonicalize the recipient', () => {
    assert.equal(create({ channelJoin: { recipientUUID: 0 } }, ChannelJoinRequest).channelJoin.recipientUUID, '0');
    assert.equal(create({ channelLeave: { recipientUUID: '0' } }, ChannelLeaveRequest).channelLeave.recipientUUID, '0');
    assert.equal(
      create({ channelJoin: { recipientUUID: UUID.toUpperCase() } }, ChannelJoinRequest).channelJoin.recipientUUID,
      UUID,
    );
  });

  it('refuse a missing payload or recipient', () => {
    assert.deepEqual(failure({}, ChannelJoinRequest), { path: 'channelJoin' });
    assert.deepEqual(failure({ channelJoin: {} }, ChannelJoinRequest), { path: 'channelJoin.recipientUUID' });
    assert.deepEqual(failure({ channelLeave: { recipientUUID: null } }, ChannelLeaveRequest), {
      path: 'channelLeave.recipientUUID',
    });
    assert.deepEqual(failure({ channelLeave: { recipientUUID: 7 } }, ChannelLeaveRequest), {
      path: 'channelLeave.recipientUUID',
      refinement: 'recipientUUID',
    });
  });
});

describe('ChannelMessageRequest', () => {
  it('keeps the message exactly as sent', () => {
    const request = create({ channelMessage: { recipientUUID: 0, message: '  hi  ' } }, ChannelMessageRequest);
    assert.deepEqual(request.channelMessage, { recipientUUID: '0', message: '  hi  ' });
  });

  it('refuses an empty, blank, too long or non-string message', () => {
    for (const message of ['', '   ', 'x'.repeat(4097)]) {
      assert.deepEqual(failure({ channelMessage: { recipientUUID: 0, message } }, ChannelMessageRequest), {
        path: 'channelMessage.message',
        refinement: 'message',
      });
    }
    assert.deepEqual(failure({ channelMessage: { recipientUUID: 0, message: 5 } }, ChannelMessageRequest), {
      path: 'channelMessage.message',
    });
    assert.deepEqual(failure({ channelMessage: { recipientUUID: 0 } }, ChannelMessageRequest), {
      path: 'channelMessage.message',
    });
  });
});

describe('ChannelMessagesRequest', () => {
  it('defaults to offset 0 and limit 10', () => {
    assert.deepEqual(create({ channelMessages: { recipientUUID: 0 } }, ChannelMessagesRequest).channelMessages, {
      recipientUUID: '0',
      offset: 0,
      limit: 10,
    });
    assert.deepEqual(
      create({ channelMessages: { recipientUUID: '0', offset: null, limit: null } }, ChannelMessagesRequest)
        .channelMessages,
      { recipientUUID: '0', offset: 0, limit: 10 },
    );
  });

  it('accepts limit 1 to 99', () => {
    assert.equal(
      create({ channelMessages: { recipientUUID: 0, limit: 1 } }, ChannelMessagesRequest).channelMessages.limit,
      1,
    );
    assert.equal(
      create({ channelMessages: { recipientUUID: 0, limit: 99 } }, ChannelMessagesRequest).channelMessages.limit,
      99,
    );
  });

  it('refuses limit 0, 100 and a negative offset', () => {
    assert.deepEqual(failure({ channelMessages: { recipientUUID: 0, limit: 0 } }, ChannelMessagesRequest), {
      path: 'channelMessages.limit',
      refinement: 'min',
    });
    assert.deepEqual(failure({ channelMessages: { recipientUUID: 0, limit: 100 } }, ChannelMessagesRequest), {
      path: 'channelMessages.limit',
      refinement: 'max',
    });
    assert.deepEqual(failure({ channelMessages: { recipientUUID: 0, offset: -1 } }, ChannelMessagesRequest), {
      path: 'channelMessages.offset',
      refinement: 'min',
    });
    assert.deepEqual(failure({ channelMessages: { recipientUUID: 0, offset: 'x' } }, ChannelMessagesRequest), {
      path: 'channelMessages.offset',
    });
  });
});
