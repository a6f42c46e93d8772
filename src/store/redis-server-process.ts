/**
 * Starts and stops a private `redis-server` child on loopback: the server's
 * embedded mode uses it, and so do the tests (which also kill and restart it
 * on the same data directory).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface RedisServerOptions {
  /** Directory for the AOF files; created if missing. */
  dir: string;
  /** Port on 127.0.0.1; default: a free one. */
  port?: number;
  /**
   * When the AOF is flushed to disk: 'always' (default) before each write is
   * acknowledged, so a kill -9 of Redis loses nothing acknowledged;
   * 'everysec' once a second, faster, with up to a second at risk.
   */
  appendfsync?: 'always' | 'everysec';
  /** Extra `redis-server` arguments, e.g. ['--cluster-enabled', 'yes']. */
  args?: readonly string[];
}

export interface RedisServerProcess {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  /** SIGTERM and wait for the exit (Redis flushes its AOF on SIGTERM). */
  stop(): Promise<void>;
  /** Send `signal` and wait for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** True when a `redis-server` binary is on the PATH. */
export function hasRedisServerBinary(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerProcess> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.dir, { recursive: true });
  const child = spawn(
    'redis-server',
    // biome-ignore format: one option and its value per line
    [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', options.dir,
      '--appendonly', 'yes',
      '--appendfsync', options.appendfsync ?? 'always',
      '--save', '',
      '--daemonize', 'no',
      '--loglevel', 'warning',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  await waitUntilAnswering(url, child, 10_000);
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url, port, dir: options.dir, pid: child.pid ?? -1, stop: () => kill('SIGTERM'), kill };
}

async function waitUntilAnswering(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr.trim()}`);
    if (await answersPing(url, 500)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on ${url} within ${timeoutMs} ms`);
}

/** A connection for one probe: it never retries and never waits longer than `timeoutMs`. Call connect(). */
export function probeClient(url: string, timeoutMs: number): Redis {
  const probe = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  return probe;
}

/** True when a Redis server answers PING at `url` within `timeoutMs`. */
export async function answersPing(url: string, timeoutMs: number): Promise<boolean> {
  const probe = probeClient(url, timeoutMs);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
