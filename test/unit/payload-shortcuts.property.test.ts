/**
 * Property: a payload shortcut is the struct, only faster. Whatever the
 * payload, a shortcut either declines (undefined) or gives exactly what
 * superstruct's `create` gives with the request's struct — and then `create`
 * must accept it too. The payloads are drawn around the edges of validity
 * (recipients in every spelling, texts at and past their limits, numbers at
 * the edges of the ranges, nulls, extra keys), so both sides of every rule
 * are tried.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { create } from 'superstruct';
import { payloadShortcuts } from '../../src/protocol/payload-shortcuts.js';
import { requestStructs } from '../../src/protocol/requests.js';

const NUM_RUNS = 3000;
const UUID = '21d4b0aa-da77-4833-a315-1b13f70de65d';

const recipient = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<unknown>(0, '0', UUID) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      0,
      -0,
      1,
      0.5,
      '0',
      ' 0',
      '00',
      '',
      UUID,
      UUID.toUpperCase(),
      `${UUID} `,
      UUID.slice(1),
      null,
      true,
      [],
      {},
    ),
  },
);
const text = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('', ' ', '\t\n', 'hello', '\ud800', 'a\udc00b', '😀', 'x'.repeat(64), 'x'.repeat(65)),
  fc.constantFrom('x'.repeat(4096), 'x'.repeat(4097), `${'x'.repeat(4095)}😀`, `${'x'.repeat(4096)}😀`),
);
const position = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, 1, 10) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      -1,
      0,
      -0,
      1,
      2,
      10,
      99,
      100,
      1.5,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER + 2,
      1e21,
      '1',
      null,
      true,
    ),
  },
);
const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
);

/** A payload object, each field maybe absent, or something that is not an object at all. */
function payloads(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const record = fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(fc.constantFrom('extra', 'x', 'toString'), junk))
    .map(([known, extra]) => ({ ...extra, ...known }));
  return fc.oneof(
    { weight: 9, arbitrary: record },
    { weight: 1, arbitrary: junk },
    { weight: 1, arbitrary: fc.array(junk) },
  );
}

const cases = {
  channelMessage: payloads({ recipientUUID: recipient, message: text, clientMessageId: fc.oneof(text, junk) }),
  channelMessages: payloads({
    recipientUUID: recipient,
    offset: position,
    limit: position,
    before: position,
    after: position,
  }),
} as const;

/** What the struct makes of the envelope; undefined when it refuses it. */
function byStruct(type: keyof typeof cases, raw: Record<string, unknown>): unknown {
  try {
    return create(raw, requestStructs[type] as never);
  } catch {
    return undefined;
  }
}

describe('payload shortcuts', () => {
  for (const type of Object.keys(cases) as (keyof typeof cases)[]) {
    it(`${type}: the shortcut declines or gives exactly what the struct gives`, () => {
      const shortcut = payloadShortcuts[type]!;
      let taken = 0;
      fc.assert(
        fc.property(cases[type], (payload) => {
          const raw = { type, SUUID: UUID, id: 'r1', [type]: payload };
          const fast = shortcut(raw);
          if (fast === undefined) return;
          taken++;
          const expected = byStruct(type, raw);
          assert.notEqual(expected, undefined, 'the shortcut took what the struct refuses');
          assert.deepStrictEqual(fast, expected);
        }),
        { numRuns: NUM_RUNS },
      );
      // Drawn around the edges, a good share of payloads are valid: a shortcut that always declines fails here.
      assert.ok(taken > NUM_RUNS / 50, `only ${taken} of ${NUM_RUNS} taken`);
    });
  }

  it('takes an ordinary send and page, coerced as the struct would', () => {
    const raw = { type: 'channelMessage', channelMessage: { recipientUUID: UUID.toUpperCase(), message: 'hi' } };
    assert.deepStrictEqual(payloadShortcuts.channelMessage!(raw), {
      type: 'channelMessage',
      channelMessage: { recipientUUID: UUID, message: 'hi' },
    });
    const page = { type: 'channelMessages', channelMessages: { recipientUUID: 0, before: 40, after: null } };
    assert.deepStrictEqual(payloadShortcuts.channelMessages!(page), {
      type: 'channelMessages',
      channelMessages: { recipientUUID: '0', offset: 0, limit: 10, before: 40, after: undefined },
    });
  });
});
