/** Runs the real server (dist/src/main.js) as a child process on a free port. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Everything the server printed, one JSON log line each. */
  readonly output: string[];
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | NodeJS.Signals>;
  kill(signal: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

/** Starts a server on Redis at `redisUrl`; `env` overrides settings (all as strings). */
export function startServer(redisUrl: string, env: Record<string, string> = {}): Promise<TestServer> {
  return startNodeServer(MAIN, {
    HOST: '127.0.0.1',
    PORT: '0',
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'info',
    WORKER_THREADS: '2',
    // Test files sign up hundreds of users from one address; test/integration/sign-in-limits.test.ts sets its own.
    SIGNUPS_PER_IP_MAX: '1000000',
    ...env,
  });
}

/**
 * Runs a Node script that prints a JSON line with `"msg":"listening"` and its
 * `port` once it serves (our server, and the benchmark's Socket.IO peer);
 * with `openFiles`, under that open-files limit (`ulimit -n`).
 */
export async function startNodeServer(
  script: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  openFiles?: number,
): Promise<TestServer> {
  const command = [process.execPath, ...nodeArgs, script];
  const [file, ...args] =
    openFiles === undefined ? command : ['bash', '-c', 'ulimit -n "$0" && exec "$@"', String(openFiles), ...command];
  const child = spawn(file!, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  let port: number;
  try {
    port = await listeningPort(child, output, exited);
  } catch (error) {
    // A server that never said it listens (or exited) is not left running behind the failure.
    child.kill('SIGKILL');
    throw error;
  }
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    port,
    pid: child.pid ?? -1,
    output,
    exited,
    stop: () => kill('SIGTERM'),
    kill,
  };
}

/** Collects output lines and resolves with the port from the "listening" log line. */
function listeningPort(
  child: ChildProcess,
  output: string[],
  exited: Promise<number | NodeJS.Signals>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString();
      let newline: number;
      while ((newline = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        output.push(line);
        if (line.includes('"msg":"listening"')) resolve((JSON.parse(line) as { port: number }).port);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output.join('\n')}`)));
    setTimeout(() => reject(new Error(`server did not listen within 15 s:\n${output.join('\n')}`)), 15_000).unref();
  });
}

/** Waits for the process to exit, at most `ms`. */
export async function exitWithin(server: TestServer, ms: number): Promise<number | NodeJS.Signals | 'timeout'> {
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
  return Promise.race([server.exited, timer]);
}

export { once };
