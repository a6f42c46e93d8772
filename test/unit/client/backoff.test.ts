/** The reconnect delays: full jitter under a ceiling that doubles from 500 ms to 20 s. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../../client/backoff.js';

describe('Backoff', () => {
  it('raises the ceiling 500, 1000, 2000 … up to 20,000 ms and stays there', () => {
    const backoff = new Backoff({ random: () => 0.999999 });
    const delays = Array.from({ length: 9 }, () => backoff.next());
    assert.deepEqual(delays, [499, 999, 1999, 3999, 7999, 15999, 19999, 19999, 19999]);
  });

  it('draws each delay from 0 up to the ceiling (full jitter)', () => {
    assert.equal(new Backoff({ random: () => 0 }).next(), 0);
    assert.equal(new Backoff({ random: () => 0.5 }).next(), 250);
    const samples = Array.from({ length: 2000 }, () => {
      const backoff = new Backoff();
      backoff.next();
      backoff.next();
      return backoff.next(); // ceiling 2000
    });
    assert.ok(
      samples.every((d) => d >= 0 && d < 2000),
      'within [0, 2000)',
    );
    assert.ok(Math.min(...samples) < 200 && Math.max(...samples) > 1800, 'spread over the whole range');
    assert.ok(new Set(samples).size > 1000, 'not a few repeated values');
  });

  it('starts from the minimum again after reset()', () => {
    const backoff = new Backoff({ minDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [99, 199, 399]);
    backoff.reset();
    assert.equal(backoff.next(), 99);
  });
});
