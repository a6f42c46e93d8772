/**
 * A channel mailbox entry, as read from the stream (XRANGE) or from the
 * channel's topic, where message-send.lua and mailbox-member.lua publish
 * each entry as they append it (docs/redis-schema.md has both layouts).
 * Frames stay Buffers: fan-out forwards their bytes unchanged.
 */

export type MailboxEntry =
  | {
      seq: number;
      kind: 'message';
      /** The message's position in history. */
      position: number;
      /** The session that sent it: the one connection not to push it to. */
      origin: string;
      /** W3C traceparent of the send, '' when not traced. */
      traceparent: string;
      frame: Buffer;
    }
  | { seq: number; kind: 'join' | 'leave'; userUUID: string; nodeId: string }
  | { seq: number; kind: 'nodeGone'; nodeId: string };

const PIPE = 0x7c;
const KINDS = { j: 'join', l: 'leave' } as const;

/**
 * Parses a topic payload: `<seq>|m|<position>|<origin>|<traceparent>|<frame>`
 * or `<seq>|<j, l or g>|<user>|<node>`. Null when it is not well formed.
 */
export function parsePublishedEntry(payload: Buffer): MailboxEntry | null {
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
  const seq = Number(head[0]);
  if (!Number.isSafeInteger(seq) || seq < 1) return null;
  const kind = head[1];
  if (kind === 'm') {
    const position = Number(head[2]);
    if (!Number.isSafeInteger(position) || position < 1) return null;
    return { seq, kind: 'message', position, origin: head[3]!, traceparent: head[4]!, frame: rest };
  }
  const nodeId = rest.toString('utf8');
  if (kind === 'j' || kind === 'l') return { seq, kind: KINDS[kind], userUUID: head[2]!, nodeId };
  if (kind === 'g') return { seq, kind: 'nodeGone', nodeId };
  return null;
}

/** Converts one XRANGE entry (`[id, [field, value, …]]`, as Buffers); null when malformed. */
export function parseStreamEntry(id: Buffer, fields: Buffer[]): MailboxEntry | null {
  const seq = Number(id.toString('latin1', 0, id.indexOf(0x2d)));
  if (!Number.isSafeInteger(seq) || seq < 1) return null;
  const values = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!.toString('latin1'), fields[i + 1]!);
  const text = (name: string): string => values.get(name)?.toString('utf8') ?? '';
  switch (text('k')) {
    case 'm': {
      const position = Number(text('p'));
      const frame = values.get('f');
      if (!Number.isSafeInteger(position) || position < 1 || frame === undefined) return null;
      return { seq, kind: 'message', position, origin: text('o'), traceparent: text('tp'), frame };
    }
    case 'j':
      return { seq, kind: 'join', userUUID: text('u'), nodeId: text('n') };
    case 'l':
      return { seq, kind: 'leave', userUUID: text('u'), nodeId: text('n') };
    case 'g':
      return { seq, kind: 'nodeGone', nodeId: text('n') };
    default:
      return null;
  }
}
