/** A logger at `info` writing into an array of parsed JSON lines. */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/telemetry/logger.js';

export function captureLog(): { lines: Record<string, any>[]; log: ReturnType<typeof createLogger> } {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, log: createLogger('info', sink) };
}
