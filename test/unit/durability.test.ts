/** What each combination of Redis persistence settings promises. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DURABILITY_PROMISES, durabilityOf } from '../../src/store/durability.js';

describe('durabilityOf', () => {
  it('reads the AOF first, then RDB snapshots', () => {
    const cases: [string, string, string, string][] = [
      ['yes', 'always', '', 'always'],
      ['yes', 'always', '3600 1', 'always'],
      ['yes', 'everysec', '', 'everysec'],
      ['yes', 'no', '', 'os'],
      ['no', 'always', '3600 1 300 100', 'snapshot'],
      ['no', 'everysec', '', 'none'],
      ['no', 'always', '  ', 'none'],
    ];
    for (const [appendonly, appendfsync, save, level] of cases) {
      assert.equal(durabilityOf({ appendonly, appendfsync, save }), level, `${appendonly} ${appendfsync} "${save}"`);
    }
  });

  it('words a promise for every level', () => {
    assert.deepEqual(Object.keys(DURABILITY_PROMISES), ['always', 'everysec', 'os', 'snapshot', 'none', 'unknown']);
    assert.match(DURABILITY_PROMISES.none, /will not survive a Redis restart/);
  });
});
