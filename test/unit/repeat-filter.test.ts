/** Repeated identical failures: the first logged at once, the rest counted into one line per interval. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RepeatFilter } from '../../src/telemetry/repeat-filter.js';
import { captureLog as capture } from '../helpers/log-capture.js';

describe('RepeatFilter', () => {
  it('logs the first of a kind at once and the next 999 as one line with repeated: 999', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { lines, log } = capture();
    const filter = new RepeatFilter(log, 10_000);
    const outage = new Error('Connection is closed.');
    for (let i = 0; i < 1000; i++) filter.warn({ err: outage, type: 'users' }, 'request failed: Redis unavailable');
    filter.warn({ err: new Error('Command timed out') }, 'request failed: Redis unavailable');
    await new Promise(setImmediate);
    assert.deepEqual(
      lines.map((l) => [l.msg, l.err.message, l.repeated]),
      [
        ['request failed: Redis unavailable', 'Connection is closed.', undefined],
        ['request failed: Redis unavailable', 'Command timed out', undefined],
      ],
      'another error message is another kind',
    );
    t.mock.timers.tick(10_000);
    await new Promise(setImmediate);
    assert.deepEqual(
      lines.slice(2).map((l) => [l.msg, l.err.message, l.repeated, l.type]),
      [['request failed: Redis unavailable', 'Connection is closed.', 999, 'users']],
    );
    filter.warn({ err: outage }, 'request failed: Redis unavailable');
    await new Promise(setImmediate);
    assert.equal(lines.length, 4, 'after the interval, the kind is logged at once again');
    assert.equal(lines[3]!.repeated, undefined);
  });
});
