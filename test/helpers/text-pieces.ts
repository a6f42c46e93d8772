import type { TextPieces } from '../../src/protocol/responses.js';

/** The text that pieces (or a whole string) make, as a frame carries it. */
export const textOf = (text: string | TextPieces): string =>
  typeof text === 'string' ? text : Buffer.concat(text.map((piece) => Buffer.from(piece))).toString();
