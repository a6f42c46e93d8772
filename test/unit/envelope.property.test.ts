/**
 * Property: whatever text arrives, the parsing pipeline of a frame
 * (parseFrame → checkRouting → readPresentedKey / readPayload) either returns
 * or throws a ProtocolError with a wire code 1..11 — never another exception,
 * which the session would have to answer as 11 ("Redis down") instead of the
 * request's real fault.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkRouting, echoableId, parseFrame, readPayload, readPresentedKey } from '../../src/protocol/envelope.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { type RequestType, UNAUTHENTICATED_TYPES } from '../../src/protocol/requests.js';
import { junkArbitraries, mutate, mutationArbitrary } from '../helpers/arbitraries.js';

const SESSION = '6f9353ba-92c6-41c2-89f2-60b350bf67e7';
const USER = '21d4b0aa-da77-4833-a315-1b13f70de65d';
const KEY = '54RdYXz3iYLXCiVR.X2DIrvoaw2wKdQGKIMcGDpUsvWxwdAu1NM5RFf4UjSA';
const NUM_RUNS = 2000;

type Outcome = { ok: true } | { ok: false; code: number };

/** What the session does with a text frame, up to the handler. */
function pipeline(text: string): Outcome {
  try {
    const raw = parseFrame(text);
    echoableId(raw);
    const type = checkRouting(raw, SESSION);
    if (!UNAUTHENTICATED_TYPES.has(type)) readPresentedKey(raw);
    readPayload(type, raw);
    return { ok: true };
  } catch (error) {
    if (error instanceof ProtocolError) return { ok: false, code: error.code };
    throw error;
  }
}

/** Every stage applied on its own, so a later stage is reached even when an earlier one would stop. */
function everyStage(text: string): void {
  let raw: Record<string, unknown>;
  try {
    raw = parseFrame(text);
  } catch (error) {
    assertProtocolError(error);
    return;
  }
  echoableId(raw);
  const stages: (() => unknown)[] = [
    () => checkRouting(raw, SESSION),
    () => readPresentedKey(raw),
    ...(
      [
        'signIn',
        'signUp',
        'signOut',
        'users',
        'channelJoin',
        'channelMessage',
        'channelMessages',
        'channelLeave',
      ] as const
    ).map((type) => () => readPayload(type, raw)),
  ];
  for (const stage of stages) {
    try {
      stage();
    } catch (error) {
      assertProtocolError(error);
    }
  }
}

function assertProtocolError(error: unknown): void {
  if (!(error instanceof ProtocolError)) {
    throw new Error(
      `not a ProtocolError: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  }
  assert.ok(Number.isInteger(error.code) && error.code >= 1 && error.code <= 11, `code ${error.code}`);
  assert.equal(typeof error.message, 'string');
}

function check(text: string): void {
  let outcome: Outcome;
  try {
    outcome = pipeline(text);
  } catch (error) {
    assertProtocolError(error);
    return;
  }
  if (!outcome.ok) assert.ok(outcome.code >= 1 && outcome.code <= 11, `code ${outcome.code}`);
  everyStage(text);
}

// ---- arbitraries -------------------------------------------------------

const { key, junk } = junkArbitraries({
  moreSpecialKeys: ['then', 'length'],
  hugeNumbers: [1e21, -1e21, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, -0, 0.5, 99.999, 1e100],
  oddStrings: [
    '',
    ' ',
    '0',
    '00',
    'null',
    '\ud800',
    'a\udfffb',
    '\u0000',
    '\u200b',
    '😀',
    'x'.repeat(5000),
    USER.toUpperCase(),
  ],
  maxDepth: 4,
});

const credentials = { userUUID: USER, userAccessKey: KEY };
const valid: Record<RequestType, Record<string, unknown>> = {
  signIn: { type: 'signIn', SUUID: SESSION, id: 'a', signId: { username: 'Alice', password: 'password1' } },
  signUp: { type: 'signUp', SUUID: SESSION, id: 'b', signUp: { username: 'Alice', password: 'password1' } },
  signOut: { type: 'signOut', SUUID: SESSION, id: 'c', ...credentials },
  users: { type: 'users', SUUID: SESSION, id: 'd', ...credentials, users: { offset: 0, limit: 10 } },
  channelJoin: { type: 'channelJoin', SUUID: SESSION, id: 'e', ...credentials, channelJoin: { recipientUUID: 0 } },
  channels: { type: 'channels', SUUID: SESSION, id: 'i', ...credentials, channels: { offset: 0, limit: 5 } },
  channelSeen: {
    type: 'channelSeen',
    SUUID: SESSION,
    id: 'j',
    ...credentials,
    channelSeen: { recipientUUID: 0, seq: 3 },
  },
  typing: { type: 'typing', SUUID: SESSION, id: 'k', ...credentials, typing: { recipientUUID: USER, typing: true } },
  watch: { type: 'watch', SUUID: SESSION, id: 'l', ...credentials, watch: { events: ['typing', 'inbox'] } },
  channelMessage: {
    type: 'channelMessage',
    SUUID: SESSION,
    id: 'f',
    ...credentials,
    channelMessage: { recipientUUID: USER, message: 'hello' },
  },
  channelMessages: {
    type: 'channelMessages',
    SUUID: SESSION,
    id: 'g',
    ...credentials,
    channelMessages: { recipientUUID: '0', offset: 0, limit: 10 },
  },
  channelLeave: {
    type: 'channelLeave',
    SUUID: SESSION,
    id: 'h',
    ...credentials,
    channelLeave: { recipientUUID: USER },
  },
};

const mutation = mutationArbitrary({
  junk,
  key,
  types: Object.keys(valid),
  ids: [fc.string({ minLength: 60, maxLength: 70 }), fc.constant('x'.repeat(64))],
});

const mutatedEnvelope = fc
  .tuple(fc.constantFrom(...Object.values(valid)), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([base, mutations]) => JSON.stringify(mutate(base, mutations, 4)));

/** Valid JSON text with characters inserted, deleted or replaced. */
const mangledText = fc
  .tuple(
    fc.constantFrom(...Object.values(valid).map((v) => JSON.stringify(v))),
    fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 5 }),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, kind, chars] of edits) {
      const i = at % (out.length + 1);
      out =
        kind === 0
          ? out.slice(0, i) + chars + out.slice(i)
          : kind === 1
            ? out.slice(0, i) + out.slice(i + 1)
            : out.slice(0, i) + chars + out.slice(i + chars.length);
    }
    return out;
  });

describe('the frame parsing pipeline (property)', () => {
  it('answers any string with a result or a ProtocolError of code 1..11', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), check),
      { numRuns: NUM_RUNS },
    );
  });

  it('answers any JSON value with a result or a ProtocolError of code 1..11', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => check(JSON.stringify(value) ?? 'null')),
      { numRuns: NUM_RUNS },
    );
  });

  it('answers any junk value with a result or a ProtocolError of code 1..11', () => {
    fc.assert(
      fc.property(junk, (value) => check(JSON.stringify(value) ?? 'null')),
      { numRuns: NUM_RUNS },
    );
  });

  it('answers mangled JSON text with a result or a ProtocolError of code 1..11', () => {
    fc.assert(fc.property(mangledText, check), { numRuns: NUM_RUNS });
  });

  it('answers mutated valid envelopes with a result or a ProtocolError of code 1..11', () => {
    fc.assert(fc.property(mutatedEnvelope, check), { numRuns: NUM_RUNS });
  });

  it('accepts every unmutated valid envelope', () => {
    for (const [type, envelope] of Object.entries(valid)) {
      assert.deepEqual(pipeline(JSON.stringify(envelope)), { ok: true }, type);
    }
  });

  it('a mutation that only touches the id gives 2 exactly when the id is not echoable', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(valid)),
        fc.oneof(junk, fc.string({ maxLength: 70 })),
        (base, id) => {
          const text = JSON.stringify({ ...base, id });
          const raw = parseFrame(text);
          const outcome = pipeline(text);
          if (raw.id == null || echoableId(raw) !== undefined) assert.deepEqual(outcome, { ok: true });
          else assert.deepEqual(outcome, { ok: false, code: 2 });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
