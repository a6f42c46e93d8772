/**
 * The private `redis-server` a node starts when no Redis answers, kept to
 * one per data directory across crashes. Its pid and port are written to
 * `wschat-redis.json` in the data directory. A node killed with -9 leaves
 * its redis-server running (an orphan holding the directory and its AOF);
 * the next node started on that directory finds it by the file and uses it
 * rather than starting a second redis-server on the same files — or, if it
 * no longer answers, stops it by its pid first. Stopped by pid, never by name.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answersPing, startRedisServer } from './redis-server-process.js';

const STATE_FILE = 'wschat-redis.json';
/** How long a stopped redis-server may take to flush and exit before SIGKILL. */
const STOP_WITHIN_MS = 10_000;

export interface PrivateRedis {
  url: string;
  /** True when it was left running by an earlier node and is used again. */
  adopted: boolean;
  /** Stops it (SIGTERM: Redis flushes its AOF) and removes the state file. */
  stop(): Promise<void>;
}

interface State {
  pid: number;
  port: number;
}

export async function startPrivateRedis(dir: string): Promise<PrivateRedis> {
  const statePath = join(dir, STATE_FILE);
  const previous = readState(statePath);
  if (previous !== undefined && isRedisServer(previous.pid)) {
    const url = `redis://127.0.0.1:${previous.port}`;
    if (await answersPing(url, 1000)) {
      return { url, adopted: true, stop: () => stopByPid(previous.pid, statePath) };
    }
    await stopByPid(previous.pid, statePath);
  }
  const server = await startRedisServer({ dir });
  writeFileSync(statePath, JSON.stringify({ pid: server.pid, port: server.port } satisfies State));
  return {
    url: server.url,
    adopted: false,
    stop: async () => {
      await server.stop();
      rmSync(statePath, { force: true });
    },
  };
}

function readState(path: string): State | undefined {
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as Partial<State>;
    return Number.isInteger(state.pid) && Number.isInteger(state.port) ? (state as State) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a running redis-server (on Linux by its command line; elsewhere, whether it runs at all). */
function isRedisServer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== 'linux';
    } catch {
      return false;
    }
  }
}

async function stopByPid(pid: number, statePath: string): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  const deadline = Date.now() + STOP_WITHIN_MS;
  while (isRedisServer(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (isRedisServer(pid)) process.kill(pid, 'SIGKILL');
  rmSync(statePath, { force: true });
}
