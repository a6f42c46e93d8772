import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import {
  authorizedFrame,
  type ChatMessage,
  channelJoinFrame,
  channelLeaveFrame,
  channelMessageFrame,
  channelReadFrame,
  errorFrame,
  messageHead,
  messageJson,
  messagePieces,
  readyFrame,
  sentMessageJson,
  unauthorizedFrame,
  usersFrame,
  withTimeKey,
} from '../../src/protocol/responses.js';
import { textOf } from '../helpers/text-pieces.js';

const SESSION = '6f9353ba-92c6-41c2-89f2-60b350bf67e7';
const ALICE = '21d4b0aa-da77-4833-a315-1b13f70de65d';
const BOB = '9c1e0f7a-3b1d-4c55-8f00-0123456789ab';
const MSG = '40cf7c1e-1111-4222-8333-444455556666';
const AT = Date.UTC(2026, 10, 25, 2, 17, 27, 999);
const AT_TEXT = '2026-11-25T02:17:27.999Z';

const publicMessage: ChatMessage = {
  UUID: MSG,
  senderUUID: ALICE,
  recipientUUID: '0',
  message: 'hello',
  createdAt: AT,
  seq: 7,
};
const privateMessage: ChatMessage = { ...publicMessage, recipientUUID: BOB };

/** Parses a frame, checking it is JSON, and returns its keys in order with the value. */
function parse(text: string): { keys: string[]; value: Record<string, any> } {
  const value = JSON.parse(text) as Record<string, any>;
  return { keys: Object.keys(value), value };
}

describe('messageJson', () => {
  it('writes the public recipient as the number 0 with createdAt', () => {
    const { keys, value } = parse(messageJson(publicMessage, 'createdAt'));
    assert.deepEqual(keys, ['UUID', 'senderUUID', 'recipientUUID', 'message', 'createdAt', 'seq']);
    assert.deepEqual(value, {
      UUID: MSG,
      senderUUID: ALICE,
      recipientUUID: 0,
      message: 'hello',
      createdAt: AT_TEXT,
      seq: 7,
    });
  });

  it('writes a private recipient as its UUID string with created_at', () => {
    const { keys, value } = parse(messageJson(privateMessage, 'created_at'));
    assert.deepEqual(keys, ['UUID', 'senderUUID', 'recipientUUID', 'message', 'created_at', 'seq']);
    assert.deepEqual(value, {
      UUID: MSG,
      senderUUID: ALICE,
      recipientUUID: BOB,
      message: 'hello',
      created_at: AT_TEXT,
      seq: 7,
    });
  });

  it('builds the same object from its head and its seq, and the sender’s copy with its clientMessageId', () => {
    const head = messageHead(publicMessage, 'createdAt');
    assert.equal(`${head}7}`, messageJson(publicMessage, 'createdAt'));
    assert.equal(sentMessageJson(head, 7, undefined), messageJson(publicMessage, 'createdAt'));
    const { keys, value } = parse(sentMessageJson(head, 7, 'c-"1"'));
    assert.deepEqual(keys, ['UUID', 'senderUUID', 'recipientUUID', 'message', 'createdAt', 'seq', 'clientMessageId']);
    assert.equal(value.clientMessageId, 'c-"1"');
  });

  it('splits a message and its push around its seq, as message-send.lua joins them', () => {
    const { head, tail, pushBefore, pushAfter } = messagePieces(messageHead(publicMessage, 'createdAt'));
    const stored = `${head}7${tail}`;
    assert.equal(stored, messageJson(publicMessage, 'createdAt'));
    assert.equal(`${pushBefore}${stored}${pushAfter}`, channelMessageFrame(stored, undefined));
  });

  it('renames only the time key of a stored object, whatever its text holds', () => {
    const text = 'x","createdAt":"y \\"createdAt":"z';
    const stored = messageJson({ ...publicMessage, message: text }, 'createdAt');
    assert.equal(withTimeKey(stored, 'created_at'), messageJson({ ...publicMessage, message: text }, 'created_at'));
    assert.equal(withTimeKey(stored, 'createdAt'), stored);
  });

  it('keeps any message text exactly, escaping what JSON needs', () => {
    for (const text of [
      '"quoted"',
      'back\\slash',
      'line\nbreak',
      '\u0000\u001f',
      '</script>',
      '😀 Zoë',
      '\u2028\u2029',
      '  spaced  ',
    ]) {
      const { value } = parse(messageJson({ ...publicMessage, message: text }, 'createdAt'));
      assert.equal(value.message, text);
    }
  });

  it('writes times as ISO 8601 UTC with milliseconds', () => {
    assert.equal(
      parse(messageJson({ ...publicMessage, createdAt: 0 }, 'createdAt')).value.createdAt,
      '1970-01-01T00:00:00.000Z',
    );
  });
});

describe('frames', () => {
  it('ready carries the session UUID and no id', () => {
    assert.equal(readyFrame(SESSION), `{"type":"ready","ready":{"sessionUUID":"${SESSION}"}}`);
  });

  it('error carries code and message, and the id when given', () => {
    const { keys, value } = parse(errorFrame(ErrorCode.RecipientNotFound, 'recipient user does not exist', 'r7'));
    assert.deepEqual(keys, ['type', 'error', 'id']);
    assert.deepEqual(value, { type: 'error', error: { code: 8, message: 'recipient user does not exist' }, id: 'r7' });
    assert.deepEqual(Object.keys(value.error), ['code', 'message']);
  });

  it('error without an id has no id key', () => {
    const { keys, value } = parse(errorFrame(ErrorCode.MalformedFrame, 'frame is not valid JSON', undefined));
    assert.deepEqual(keys, ['type', 'error']);
    assert.deepEqual(value, { type: 'error', error: { code: 1, message: 'frame is not valid JSON' } });
  });

  it('echoes any id unchanged, including ones that need escaping', () => {
    for (const id of ['', '"', '\\', '\n', '😀', '\u2028', 'x'.repeat(64), '\ud800']) {
      const { value } = parse(errorFrame(ErrorCode.InvalidRequest, 'm', id));
      assert.equal(value.id, id, JSON.stringify(id));
    }
  });

  it('error escapes its message', () => {
    const { value } = parse(errorFrame(ErrorCode.UnknownType, 'unknown type "a\\"b\n"', undefined));
    assert.equal(value.error.message, 'unknown type "a\\"b\n"');
  });

  it('authorized carries userUUID and accessKey', () => {
    const { keys, value } = parse(authorizedFrame(ALICE, 'key.secret', 'a'));
    assert.deepEqual(keys, ['type', 'authorized', 'id']);
    assert.deepEqual(value, { type: 'authorized', authorized: { userUUID: ALICE, accessKey: 'key.secret' }, id: 'a' });
  });

  it('unauthorized carries the userUUID', () => {
    const { keys, value } = parse(unauthorizedFrame(ALICE, undefined));
    assert.deepEqual(keys, ['type', 'unauthorized']);
    assert.deepEqual(value, { type: 'unauthorized', unauthorized: { userUUID: ALICE } });
  });

  it('users carries total, received and the entries without passwords', () => {
    const users = [
      { UUID: ALICE, Username: 'Alice', OnLine: true },
      { UUID: BOB, Username: 'bob', OnLine: false },
    ];
    const { keys, value } = parse(usersFrame(7, users, 'u'));
    assert.deepEqual(keys, ['type', 'users', 'id']);
    assert.deepEqual(value, { type: 'users', users: { total: 7, received: 2, users }, id: 'u' });
    assert.deepEqual(Object.keys(value.users), ['total', 'received', 'users']);
    assert.deepEqual(Object.keys(value.users.users[0]), ['UUID', 'Username', 'OnLine']);
  });

  it('users with an empty page says received 0', () => {
    assert.deepEqual(parse(usersFrame(3, [], undefined)).value, {
      type: 'users',
      users: { total: 3, received: 0, users: [] },
    });
  });

  it('channelJoin carries messages with created_at and users', () => {
    const messagesJson = `[${messageJson(privateMessage, 'created_at')},${messageJson(publicMessage, 'created_at')}]`;
    const users = [{ UUID: ALICE, username: 'Alice' }];
    const { keys, value } = parse(channelJoinFrame(messagesJson, JSON.stringify(users), undefined, 'j'));
    assert.deepEqual(keys, ['type', 'channelJoin', 'id']);
    assert.deepEqual(Object.keys(value.channelJoin), ['messages', 'users']);
    assert.equal(value.type, 'channelJoin');
    assert.equal(value.id, 'j');
    assert.deepEqual(value.channelJoin.users, users);
    assert.deepEqual(value.channelJoin.messages, [
      { UUID: MSG, senderUUID: ALICE, recipientUUID: BOB, message: 'hello', created_at: AT_TEXT, seq: 7 },
      { UUID: MSG, senderUUID: ALICE, recipientUUID: 0, message: 'hello', created_at: AT_TEXT, seq: 7 },
    ]);
  });

  it('channelJoin after a since carries recovered, and only then', () => {
    for (const recovered of [true, false]) {
      const { value } = parse(channelJoinFrame('[]', '[]', recovered, undefined));
      assert.deepEqual(value, { type: 'channelJoin', channelJoin: { messages: [], users: [], recovered } });
    }
  });

  it('channelJoin with the users in pieces is the same text as with the users whole', () => {
    const users = '[{"UUID":"a","username":"é\\"}]';
    for (const recovered of [undefined, true]) {
      for (const id of [undefined, 'j']) {
        const pieces = channelJoinFrame('[]', [Buffer.from(users.slice(0, 9)), users.slice(9)], recovered, id);
        assert.equal(textOf(pieces), channelJoinFrame('[]', users, recovered, id));
      }
    }
  });

  it('channelJoin with no history has empty lists', () => {
    assert.deepEqual(parse(channelJoinFrame('[]', '[]', undefined, undefined)).value, {
      type: 'channelJoin',
      channelJoin: { messages: [], users: [] },
    });
  });

  it('channelMessage is the message object, with an id for the sender and none for a push', () => {
    const object = messageJson(publicMessage, 'createdAt');
    const response = parse(channelMessageFrame(object, 'm1'));
    assert.deepEqual(response.keys, ['type', 'channelMessage', 'id']);
    assert.deepEqual(response.value, {
      type: 'channelMessage',
      channelMessage: { UUID: MSG, senderUUID: ALICE, recipientUUID: 0, message: 'hello', createdAt: AT_TEXT, seq: 7 },
      id: 'm1',
    });
    const push = parse(channelMessageFrame(object, undefined));
    assert.deepEqual(push.keys, ['type', 'channelMessage']);
    assert.deepEqual(push.value.channelMessage, response.value.channelMessage);
  });

  it('channelMessages is answered as channelRead with its payload under channelMessages', () => {
    const messagesJson = `[${messageJson(publicMessage, 'createdAt')}]`;
    const { keys, value } = parse(channelReadFrame(12, 1, messagesJson, 'h'));
    assert.deepEqual(keys, ['type', 'channelMessages', 'id']);
    assert.deepEqual(value, {
      type: 'channelRead',
      channelMessages: {
        messagesTotal: 12,
        messagesReceived: 1,
        messages: [{ UUID: MSG, senderUUID: ALICE, recipientUUID: 0, message: 'hello', createdAt: AT_TEXT, seq: 7 }],
      },
      id: 'h',
    });
    assert.deepEqual(Object.keys(value.channelMessages), ['messagesTotal', 'messagesReceived', 'messages']);
  });

  it('channelLeave writes the public recipient as 0 and a user as a UUID string', () => {
    assert.deepEqual(parse(channelLeaveFrame('0', 'l')).value, {
      type: 'channelLeave',
      channelLeave: { recipientUUID: 0 },
      id: 'l',
    });
    assert.deepEqual(parse(channelLeaveFrame(BOB, undefined)).value, {
      type: 'channelLeave',
      channelLeave: { recipientUUID: BOB },
    });
  });
});
