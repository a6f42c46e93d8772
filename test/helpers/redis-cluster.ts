/**
 * A private three-master Redis Cluster for one test file: three
 * `redis-server` processes on loopback, each in its own directory under one
 * temporary directory, joined by `redis-cli --cluster create` (no replicas).
 * A node can be stopped and started again on the same port and directory
 * (its nodes.conf keeps its identity and slots, so it rejoins as the same
 * master). Every process is started and stopped through its own child
 * handle, and every wait is bounded.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  probeClient,
  type RedisServerProcess,
  startRedisServer,
} from '../../src/store/redis-server-process.js';

export interface TestRedisCluster {
  /** The three nodes as `127.0.0.1:port,127.0.0.1:port,127.0.0.1:port`. */
  readonly nodes: string;
  /** Client ports of the nodes, in node order. */
  readonly ports: number[];
  /** PIDs of the running nodes (-1 for a stopped one), in node order. */
  readonly pids: number[];
  /** SIGTERM node `i` and wait for its exit (SIGKILL if it does not exit in time). */
  stopNode(i: number): Promise<void>;
  /** Starts node `i` again (stopping it first if it runs) and waits for `cluster_state:ok` on all three. */
  restartNode(i: number): Promise<void>;
  /** Kills every node and removes the directory. */
  cleanup(): Promise<void>;
}

const NODE_COUNT = 3;
const HOST = '127.0.0.1';
/** Longest wait for every node to say `cluster_state:ok`. */
const CLUSTER_OK_WITHIN_MS = 15_000;
/** Longest wait for `redis-cli --cluster create`. */
const CREATE_WITHIN_MS = 20_000;
/** Longest wait for a node to exit after SIGTERM, and again after SIGKILL. */
const EXIT_WITHIN_MS = 5_000;

interface Node {
  readonly dir: string;
  readonly port: number;
  /** Cluster bus port, chosen explicitly: the default (port + 10000) may be taken or above 65535. */
  readonly busPort: number;
  server: RedisServerProcess | undefined;
}

export async function startTestRedisCluster(): Promise<TestRedisCluster> {
  const root = mkdtempSync(join(tmpdir(), 'wschat-redis-cluster-'));
  const nodes: Node[] = [];
  try {
    const ports = await distinctFreePorts(NODE_COUNT * 2);
    for (let i = 0; i < NODE_COUNT; i++) {
      const dir = join(root, `node${i}`);
      mkdirSync(dir);
      nodes.push({ dir, port: ports[2 * i]!, busPort: ports[2 * i + 1]!, server: undefined });
    }
    for (const node of nodes) node.server = await startNode(node);
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `${HOST}:${node.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      CREATE_WITHIN_MS,
    );
    await waitForClusterOk(
      nodes.map((node) => node.port),
      CLUSTER_OK_WITHIN_MS,
    );
  } catch (error) {
    await killAll(nodes);
    rmSync(root, { recursive: true, force: true });
    throw error;
  }

  const nodeAt = (i: number): Node => {
    const node = nodes[i];
    if (!node) throw new RangeError(`no node ${i}; the cluster has ${NODE_COUNT}`);
    return node;
  };
  const stopNode = async (i: number): Promise<void> => {
    const node = nodeAt(i);
    const server = node.server;
    if (!server) return;
    await stopServer(server);
    node.server = undefined;
  };

  return {
    nodes: nodes.map((node) => `${HOST}:${node.port}`).join(','),
    ports: nodes.map((node) => node.port),
    get pids() {
      return nodes.map((node) => node.server?.pid ?? -1);
    },
    stopNode,
    restartNode: async (i) => {
      await stopNode(i);
      const node = nodeAt(i);
      node.server = await startNode(node);
      await waitForClusterOk(
        nodes.map((each) => each.port),
        CLUSTER_OK_WITHIN_MS,
      );
    },
    cleanup: async () => {
      await killAll(nodes);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function startNode(node: Node): Promise<RedisServerProcess> {
  return startRedisServer({
    dir: node.dir,
    port: node.port,
    // biome-ignore format: one option and its value per line
    args: [
      '--cluster-enabled', 'yes',
      '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', '2000',
      '--cluster-port', String(node.busPort),
    ],
  });
}

/** SIGTERM, bounded; then SIGKILL, bounded. */
async function stopServer(server: RedisServerProcess): Promise<void> {
  if (await within(server.stop(), EXIT_WITHIN_MS)) return;
  if (await within(server.kill('SIGKILL'), EXIT_WITHIN_MS)) return;
  throw new Error(`redis-server ${server.pid} did not exit after SIGKILL`);
}

async function killAll(nodes: Node[]): Promise<void> {
  const errors: unknown[] = [];
  await Promise.all(
    nodes.map(async (node) => {
      const server = node.server;
      if (!server) return;
      if (await within(server.kill('SIGKILL'), EXIT_WITHIN_MS)) node.server = undefined;
      else errors.push(new Error(`redis-server ${server.pid} did not exit after SIGKILL`));
    }),
  );
  if (errors.length > 0) throw errors[0];
}

/** True when `promise` settled within `ms` (its rejection is rethrown). */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `count` different ports on 127.0.0.1 that were free a moment ago (client and bus ports). */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < count; attempt++) {
    if (attempt >= count * 20) throw new Error(`could not find ${count} distinct free ports`);
    ports.add(await freePort());
  }
  return [...ports];
}

/** Runs a command to completion within `timeoutMs`; rejects with its output when it fails. */
function run(command: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} took longer than ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}:\n${output}`));
    });
  });
}

/**
 * Waits until every node reports `cluster_state:ok`, all 16384 slots
 * assigned and all nodes known — the point from which a cluster client sees
 * one consistent slot map.
 */
async function waitForClusterOk(ports: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const last = new Map<number, string>();
  while (Date.now() < deadline) {
    const states = await Promise.all(ports.map((port) => clusterInfo(port, 1000)));
    for (const [i, info] of states.entries()) last.set(ports[i]!, info);
    if (states.every((info) => isHealthy(info, ports.length))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const summary = [...last].map(([port, info]) => `${port}: ${summarize(info)}`).join('; ');
  throw new Error(`the cluster was not ok within ${timeoutMs} ms (${summary})`);
}

function isHealthy(info: string, nodeCount: number): boolean {
  const field = (name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  return (
    field('cluster_state') === 'ok' &&
    field('cluster_slots_assigned') === '16384' &&
    field('cluster_known_nodes') === String(nodeCount)
  );
}

function summarize(info: string): string {
  const wanted = ['cluster_state', 'cluster_slots_assigned', 'cluster_known_nodes'];
  const lines = info.split(/\r?\n/).filter((line) => wanted.some((name) => line.startsWith(`${name}:`)));
  return lines.length > 0 ? lines.join(' ') : info || 'no answer';
}

/** CLUSTER INFO of one node, or '' when it does not answer within `timeoutMs`. */
async function clusterInfo(port: number, timeoutMs: number): Promise<string> {
  const probe = probeClient(`redis://${HOST}:${port}`, timeoutMs);
  try {
    await probe.connect();
    return String(await probe.cluster('INFO'));
  } catch {
    return '';
  } finally {
    probe.disconnect();
  }
}
