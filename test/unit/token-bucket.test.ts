import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../../src/server/token-bucket.js';

/** How many takes succeed at time `now`, trying at most `limit` times. */
function drain(bucket: TokenBucket, now: number, limit = 10_000): number {
  let taken = 0;
  while (taken < limit && bucket.take(now)) taken++;
  return taken;
}

describe('TokenBucket', () => {
  it('starts full: allows exactly `burst` requests at once', () => {
    const bucket = new TokenBucket(100, 200, 0);
    assert.equal(drain(bucket, 0), 200);
    assert.equal(bucket.take(0), false);
  });

  it('refills at the rate: one token per 1000/rate ms', () => {
    const bucket = new TokenBucket(1000, 5, 0); // one token per millisecond
    assert.equal(drain(bucket, 0), 5);
    assert.equal(bucket.take(0.5), false);
    assert.equal(bucket.take(1), true);
    assert.equal(bucket.take(1), false);
    assert.equal(drain(bucket, 4), 3);
  });

  it('keeps fractional refill between takes', () => {
    const bucket = new TokenBucket(250, 1, 0); // one token per 4 ms (0.25 a ms: exact in binary)
    assert.equal(bucket.take(0), true);
    assert.equal(bucket.take(2), false);
    assert.equal(bucket.take(4), true);
    assert.equal(bucket.take(5), false);
    assert.equal(bucket.take(6), false);
    assert.equal(bucket.take(7), false);
    assert.equal(bucket.take(8), true);
  });

  it('never holds more than `burst` tokens, however long it rested', () => {
    const bucket = new TokenBucket(1000, 10, 0);
    assert.equal(drain(bucket, 0), 10);
    assert.equal(drain(bucket, 1_000_000), 10);
    assert.equal(drain(bucket, 1_000_000), 0);
  });

  it('sustains the rate over time', () => {
    const bucket = new TokenBucket(125, 1, 0); // one token per 8 ms (0.125 a ms: exact in binary)
    let granted = 0;
    for (let t = 0; t <= 1000; t++) if (bucket.take(t)) granted++;
    // Full bucket at 0 gives one; then one each 8 ms up to and including 1000.
    assert.equal(granted, 126);
  });

  it('a refused take spends nothing', () => {
    const bucket = new TokenBucket(1000, 1, 0);
    assert.equal(bucket.take(0), true);
    for (let i = 0; i < 100; i++) assert.equal(bucket.take(0), false);
    assert.equal(bucket.take(1), true);
  });

  it('separate buckets do not share tokens', () => {
    const a = new TokenBucket(1, 2, 0);
    const b = new TokenBucket(1, 2, 0);
    assert.equal(drain(a, 0), 2);
    assert.equal(drain(b, 0), 2);
  });
});
