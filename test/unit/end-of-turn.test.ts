import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flushAtEndOfTurn } from '../../src/server/end-of-turn.js';

const item = (log: string[], name: string, then?: () => void) => ({
  flush: () => {
    log.push(name);
    then?.();
  },
});

describe('flushAtEndOfTurn', () => {
  it('flushes after the code now running, before the next macrotask', async () => {
    const log: string[] = [];
    flushAtEndOfTurn(item(log, 'a'));
    log.push('still running');
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        log.push('next macrotask');
        resolve();
      }),
    );
    assert.deepEqual(log, ['still running', 'a', 'next macrotask']);
  });

  it('flushes every item queued in one turn, in order, once', async () => {
    const log: string[] = [];
    for (const name of ['a', 'b', 'c']) flushAtEndOfTurn(item(log, name));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ['a', 'b', 'c']);
  });

  it('an item queued by a flush runs in the same pass, before microtasks queued meanwhile', async () => {
    const log: string[] = [];
    flushAtEndOfTurn(
      item(log, 'a', () => {
        queueMicrotask(() => log.push('microtask queued by a'));
        flushAtEndOfTurn(item(log, 'queued by a'));
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ['a', 'queued by a', 'microtask queued by a']);
  });

  it('a flush that throws does not stop the others, is reported, and the next turn flushes again', async () => {
    const log: string[] = [];
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    flushAtEndOfTurn({
      flush: () => {
        throw new Error('socket gone');
      },
    });
    flushAtEndOfTurn(item(log, 'b'));
    await new Promise((resolve) => setImmediate(resolve));
    flushAtEndOfTurn(item(log, 'next turn'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ['b', 'next turn']);
    assert.equal((await warned).message, 'socket gone');
  });
});
