/**
 * One table of errors: the codes, messages and meanings in
 * src/protocol/errors.ts are the ones docs/protocol.md publishes (Fastify's
 * habit of testing the documentation against the code).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERRORS, ErrorCode, ProtocolError } from '../../src/protocol/errors.js';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/** The rows of the doc's error table: code, meaning, temporary. */
function documentedErrors(): [number, string, boolean][] {
  const table = doc.slice(doc.indexOf('| code | meaning | temporary |'));
  const rows = table.split('\n').slice(2);
  const end = rows.findIndex((row) => !row.startsWith('|'));
  return rows.slice(0, end).map((row) => {
    const [code, meaning, temporary] = row
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    return [Number(code), meaning!, temporary === 'yes'];
  });
}

describe('error table', () => {
  it('docs/protocol.md lists exactly the codes, meanings and temporary flags of ERRORS', () => {
    const inCode = Object.entries(ERRORS).map(([code, info]): [number, string, boolean] => [
      Number(code),
      info.meaning,
      info.temporary,
    ]);
    assert.deepEqual(documentedErrors(), inCode);
  });

  it('numbers the codes 1 to 11, as the contract does', () => {
    assert.deepEqual(Object.keys(ERRORS).map(Number), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(ErrorCode.Unavailable, 11);
  });

  it('words a ProtocolError from the table, with the detail after it', () => {
    assert.equal(new ProtocolError(ErrorCode.WrongPassword).message, 'wrong password');
    assert.equal(
      new ProtocolError(ErrorCode.InvalidRequest, 'x: out of range').message,
      'invalid request: x: out of range',
    );
  });

  it('marks only 10 and 11 temporary', () => {
    const temporary = Object.entries(ERRORS)
      .filter(([, info]) => info.temporary)
      .map(([code]) => Number(code));
    assert.deepEqual(temporary, [ErrorCode.RateLimited, ErrorCode.Unavailable]);
  });
});
