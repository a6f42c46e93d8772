/**
 * HAProxy from Debian's package, run with docker/haproxy.cfg — the file the
 * compose deployment uses — with its host names and port substituted:
 * `bind *:8080` becomes a free loopback port, `chatN:8080` the Nth node.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/store/redis-server-process.js';

const CONFIG = fileURLToPath(new URL('../../../docker/haproxy.cfg', import.meta.url));
export const HAPROXY = process.env.HAPROXY_PATH ?? '/usr/sbin/haproxy';

export interface TestProxy {
  readonly port: number;
  readonly url: string;
  /** SIGTERM by its pid, and the temporary config removed. */
  stop(): Promise<void>;
}

/** Starts HAProxy in front of `nodePorts` (chat1, chat2 …) on a free loopback port. */
export async function startHaproxy(nodePorts: readonly number[]): Promise<TestProxy> {
  const port = await freePort();
  let config = readFileSync(CONFIG, 'utf8').replace('bind *:8080', `bind 127.0.0.1:${port}`);
  nodePorts.forEach((nodePort, i) => {
    config = config.replace(`chat${i + 1}:8080`, `127.0.0.1:${nodePort}`);
  });
  const dir = mkdtempSync(join(tmpdir(), 'wschat-haproxy-'));
  const path = join(dir, 'haproxy.cfg');
  writeFileSync(path, config);
  // -db: stay in the foreground, so the pid is HAProxy's own.
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) throw new Error(`haproxy did not serve within 10 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
