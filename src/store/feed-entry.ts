/**
 * A channel feed entry, as read from the stream (XRANGE) or from the
 * channel's topic, where message-send.lua and feed-membership.lua publish
 * each entry as they append it (docs/redis-schema.md has both layouts).
 * Frames stay Buffers: fan-out forwards their bytes unchanged.
 */

export type FeedEntry =
  | {
      /** The entry's id in the feed: 1, 2, … in append order. */
      id: number;
      kind: 'message';
      /** The message's seq: its position in history. */
      seq: number;
      /** The session that sent it: the one connection not to push it to. */
      origin: string;
      /** W3C traceparent of the send, '' when not traced. */
      traceparent: string;
      frame: Buffer;
    }
  | { id: number; kind: 'join' | 'leave'; userUUID: string; nodeId: string }
  | { id: number; kind: 'nodeGone'; nodeId: string };

const PIPE = 0x7c;
const KINDS = { j: 'join', l: 'leave' } as const;

/**
 * Parses a topic payload: `<id>|m|<seq>|<origin>|<traceparent>|<frame>`
 * or `<id>|<j, l or g>|<user>|<node>`. Null when it is not well formed.
 */
export function parsePublishedEntry(payload: Buffer): FeedEntry | null {
  // The head fields are cut at '|'; a message's frame is the rest, '|' and all.
  const head: string[] = [];
  let start = 0;
  const headCount = payload[payload.indexOf(PIPE) + 1] === 0x6d /* m */ ? 5 : 3;
  while (head.length < headCount) {
    const end = payload.indexOf(PIPE, start);
    if (end < 0) return null;
    head.push(payload.toString('utf8', start, end));
    start = end + 1;
  }
  const rest = payload.subarray(start);
  const id = Number(head[0]);
  if (!Number.isSafeInteger(id) || id < 1) return null;
  const kind = head[1];
  if (kind === 'm') {
    const seq = Number(head[2]);
    if (!Number.isSafeInteger(seq) || seq < 1) return null;
    return { id, kind: 'message', seq, origin: head[3]!, traceparent: head[4]!, frame: rest };
  }
  const nodeId = rest.toString('utf8');
  if (kind === 'j' || kind === 'l') return { id, kind: KINDS[kind], userUUID: head[2]!, nodeId };
  if (kind === 'g') return { id, kind: 'nodeGone', nodeId };
  return null;
}

/** Converts one XRANGE entry (`[id, [field, value, …]]`, as Buffers); null when malformed. */
export function parseStreamEntry(streamId: Buffer, fields: Buffer[]): FeedEntry | null {
  const id = Number(streamId.toString('latin1', 0, streamId.indexOf(0x2d)));
  if (!Number.isSafeInteger(id) || id < 1) return null;
  const values = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!.toString('latin1'), fields[i + 1]!);
  const text = (name: string): string => values.get(name)?.toString('utf8') ?? '';
  switch (text('k')) {
    case 'm': {
      const seq = Number(text('p'));
      const frame = values.get('f');
      if (!Number.isSafeInteger(seq) || seq < 1 || frame === undefined) return null;
      return { id, kind: 'message', seq, origin: text('o'), traceparent: text('tp'), frame };
    }
    case 'j':
      return { id, kind: 'join', userUUID: text('u'), nodeId: text('n') };
    case 'l':
      return { id, kind: 'leave', userUUID: text('u'), nodeId: text('n') };
    case 'g':
      return { id, kind: 'nodeGone', nodeId: text('n') };
    default:
      return null;
  }
}
