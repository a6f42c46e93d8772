import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/telemetry/logger.js';
import { captureLog as capture } from '../helpers/log-capture.js';

describe('logger', () => {
  it('logs a Redis error with its command name but never its arguments', () => {
    const { lines, log } = capture();
    const error = Object.assign(new Error('OOM command not allowed'), {
      command: { name: 'evalsha', args: ['sha', '4', 'alice', '$2b$10$secret-bcrypt-hash'] },
    });
    log.error({ err: error }, 'request failed');
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0]!.err.command, { name: 'evalsha' });
    assert.equal(lines[0]!.err.message, 'OOM command not allowed');
    assert.ok(!JSON.stringify(lines[0]).includes('secret-bcrypt-hash'));
  });

  it('censors fields that can hold a secret, at any of the first three levels', () => {
    const { lines, log } = capture();
    log.info({ password: 'p1', request: { userAccessKey: 'k1', nested: { accessKey: 'k2' } } }, 'careless');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['p1', 'k1', 'k2']) assert.ok(!text.includes(`"${secret}"`), text);
    assert.equal(lines[0]!.password, '[redacted]');
  });

  it('writes readable lines instead of JSON for a person at a terminal', async () => {
    let text = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    createLogger('info', sink, true).warn({ durability: 'none' }, 'redis persistence');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.throws(() => JSON.parse(text), 'not JSON');
    assert.match(text, /WARN.*redis persistence/);
    assert.match(text, /durability: "none"/);
  });
});
