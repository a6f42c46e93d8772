/**
 * A periodic `stats` log line: event-loop delay (perf_hooks) and the number
 * of connections. The benchmark reads it to compare history in the pool
 * with history on the main thread; operators can watch it for stalls.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from './logger.js';

const NS_PER_MS = 1e6;

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
