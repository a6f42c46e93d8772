/** A worker thread's niceness, set once as it starts (Linux: per thread; the event loop keeps its own). */
import { setPriority } from 'node:os';

/** Sets this thread's niceness (0-19); where that is not permitted or supported, it runs at normal priority. */
export function setThreadNice(nice: number): void {
  try {
    setPriority(nice);
  } catch {
    // Not permitted or not supported here: run at normal priority.
  }
}
