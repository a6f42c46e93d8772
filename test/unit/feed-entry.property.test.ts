/**
 * Property: an entry reaches a node two ways — published on the channel's
 * topic and read back from the feed stream — and both parsers must give
 * the same entry, frame bytes included. The payload and the stream fields
 * are built exactly as message-send.lua and feed-membership.lua build them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type FeedEntry, parsePublishedEntry, parseStreamEntry } from '../../src/store/feed-entry.js';

const NUM_RUNS = 2000;

/** Any Unicode text (no lone surrogates: Redis gets these as UTF-8). */
const text = fc.string({ unit: 'binary', maxLength: 40 });
/** A field the topic payload cuts at '|' (session, traceparent, user): never holds one. */
const headField = text.map((s) => s.replaceAll('|', ''));
/** Lua formats numbers with %.14g: integers stay exact up to 1e14. */
const numberArb = fc.integer({ min: 1, max: 1e14 - 1 });

const entryArb: fc.Arbitrary<FeedEntry> = fc.oneof(
  fc.record({
    id: numberArb,
    kind: fc.constant('message' as const),
    seq: numberArb,
    origin: fc.oneof(fc.uuid(), headField),
    traceparent: fc.oneof(fc.constant(''), headField),
    frame: fc.oneof(
      fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)),
      text.map((s) => Buffer.from(s, 'utf8')),
    ),
  }),
  fc.record({
    id: numberArb,
    kind: fc.constantFrom('join' as const, 'leave' as const),
    userUUID: fc.oneof(fc.uuid(), headField),
    nodeId: text,
  }),
  fc.record({ id: numberArb, kind: fc.constant('nodeGone' as const), nodeId: text }),
);

const KIND_CODES = { join: 'j', leave: 'l', nodeGone: 'g' } as const;

/** The PUBLISH payload, concatenated as the Lua scripts do. */
function publishedPayload(entry: FeedEntry): Buffer {
  if (entry.kind === 'message') {
    // entry_id .. '|m|' .. seq .. '|' .. origin_session .. '|' .. traceparent .. '|' .. push_frame
    return Buffer.concat([
      Buffer.from(`${entry.id}|m|${entry.seq}|${entry.origin}|${entry.traceparent}|`, 'utf8'),
      entry.frame,
    ]);
  }
  // entry_id .. '|' .. kind .. '|' .. user_uuid .. '|' .. node_id  (user_uuid is '' for 'g')
  const user = entry.kind === 'nodeGone' ? '' : entry.userUUID;
  return Buffer.from(`${entry.id}|${KIND_CODES[entry.kind]}|${user}|${entry.nodeId}`, 'utf8');
}

/** The XADD id and fields, as XRANGE returns them in Buffers. */
function streamEntry(entry: FeedEntry): [Buffer, Buffer[]] {
  const id = Buffer.from(`${entry.id}-0`);
  const fields: (string | Buffer)[] =
    entry.kind === 'message'
      ? ['k', 'm', 'p', String(entry.seq), 'o', entry.origin, 'tp', entry.traceparent, 'f', entry.frame]
      : ['k', KIND_CODES[entry.kind], 'u', entry.kind === 'nodeGone' ? '' : entry.userUUID, 'n', entry.nodeId];
  return [id, fields.map((field) => (typeof field === 'string' ? Buffer.from(field, 'utf8') : Buffer.from(field)))];
}

/** A plain object (fast-check's records have a null prototype), its frame as hex. */
function plain(entry: FeedEntry | null): unknown {
  if (entry === null) return null;
  if (entry.kind !== 'message') return { ...entry };
  return { ...entry, frame: entry.frame.toString('hex') };
}

describe('feed entry parsers (property)', () => {
  it('the topic payload and the stream entry of any entry parse to that same entry', () => {
    fc.assert(
      fc.property(entryArb, (entry) => {
        const fromTopic = parsePublishedEntry(publishedPayload(entry));
        const [id, fields] = streamEntry(entry);
        const fromStream = parseStreamEntry(id, fields);
        assert.deepEqual(plain(fromTopic), plain(entry));
        assert.deepEqual(plain(fromStream), plain(entry));
        if (fromTopic?.kind === 'message' && fromStream?.kind === 'message') {
          assert.ok(fromTopic.frame.equals(fromStream.frame));
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('parsePublishedEntry never throws on arbitrary bytes, and what it accepts has a positive id', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
      fc
        .array(fc.oneof(fc.constantFrom('|', 'm', 'j', 'l', 'g', '0', '1', '7', '-', ''), text), { maxLength: 10 })
        .map((parts) => Buffer.from(parts.join(''), 'utf8')),
    );
    fc.assert(
      fc.property(bytes, (payload) => {
        const entry = parsePublishedEntry(payload);
        if (entry !== null) {
          assert.ok(Number.isSafeInteger(entry.id) && entry.id >= 1);
          if (entry.kind === 'message') assert.ok(Number.isSafeInteger(entry.seq) && entry.seq >= 1);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('parseStreamEntry never throws on arbitrary ids and fields, and what it accepts has a positive id', () => {
    const buffer = fc.oneof(
      fc
        .constantFrom('k', 'm', 'j', 'l', 'g', 'p', 'o', 'tp', 'f', 'u', 'n', '1', '1-0', '')
        .map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
    );
    fc.assert(
      fc.property(buffer, fc.array(buffer, { maxLength: 12 }), (id, fields) => {
        const entry = parseStreamEntry(id, fields);
        if (entry !== null) assert.ok(Number.isSafeInteger(entry.id) && entry.id >= 1);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
