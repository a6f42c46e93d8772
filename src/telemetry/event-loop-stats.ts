/**
 * A periodic `stats` log line: event-loop delay (perf_hooks), the number
 * of connections and the process's memory (MiB). The benchmark reads it to
 * compare history in the pool with history on the main thread and to see
 * what idle connections cost; operators can watch it for stalls and growth.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from './logger.js';

const NS_PER_MS = 1e6;
const MIB = 2 ** 20;

const mib = (bytes: number): number => Math.round((bytes / MIB) * 10) / 10;

/** Logs every `intervalMs` until the returned function is called. */
export function startEventLoopStats(log: Logger, intervalMs: number, connections: () => number): () => void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const timer = setInterval(() => {
    log.info(
      {
        eventLoopDelayMs: {
          p50: delay.percentile(50) / NS_PER_MS,
          p99: delay.percentile(99) / NS_PER_MS,
          max: delay.max / NS_PER_MS,
        },
        connections: connections(),
        memoryMiB: memoryMiB(),
      },
      'stats',
    );
    delay.reset();
  }, intervalMs).unref();
  return () => {
    clearInterval(timer);
    delay.disable();
  };
}

/**
 * rss, heapTotal, heapUsed, external and arrayBuffers, in MiB; undefined
 * when they cannot be read — rss comes from /proc, which needs a file
 * descriptor, and a process at its open-files limit has none (EMFILE).
 */
function memoryMiB(): Record<string, number> | undefined {
  try {
    return Object.fromEntries(Object.entries(process.memoryUsage()).map(([name, bytes]) => [name, mib(bytes)]));
  } catch {
    return undefined;
  }
}
