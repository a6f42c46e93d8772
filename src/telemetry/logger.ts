/**
 * Structured JSON logs (pino). Secrets never reach a log line: call sites
 * log no credentials, and redaction censors the field names that could hold
 * one, in case an object carrying them is ever logged whole.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const SECRET_FIELDS = ['password', 'accessKey', 'userAccessKey', 'passwordHash'];

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: {
      paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
      censor: '[redacted]',
    },
  });
}
