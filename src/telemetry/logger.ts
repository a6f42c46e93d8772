/**
 * Structured JSON logs (pino). Secrets never reach a log line: call sites
 * log no credentials, and redaction censors the field names that could hold
 * one, in case an object carrying them is ever logged whole. ioredis errors
 * carry the failed command's arguments (a bcrypt hash, a username): only the
 * command's name is logged. JSON lines, except on a terminal: there a
 * person reads them.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino, stdSerializers } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

const SECRET_FIELDS = ['password', 'accessKey', 'userAccessKey', 'passwordHash'];

/**
 * @param destination where lines go (default stdout)
 * @param human coloured, one readable line per entry (pino-pretty) instead of JSON; by default when stdout is a terminal
 */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  human = destination === undefined && process.stdout.isTTY === true,
): Logger {
  const options: LoggerOptions = {
    level,
    base: { pid: process.pid },
    serializers: { err: serializeError },
    redact: {
      paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
      censor: '[redacted]',
    },
  };
  if (human) return pino(options, pinoPretty({ destination: destination ?? 1, sync: true, ignore: 'pid,hostname' }));
  return destination === undefined ? pino(options) : pino(options, destination);
}

function serializeError(error: Error): object {
  const serialized = stdSerializers.err(error) as ReturnType<typeof stdSerializers.err> & {
    command?: { name?: string };
  };
  if (serialized.command !== undefined) serialized.command = { name: serialized.command.name };
  return serialized;
}
