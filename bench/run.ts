/**
 * `npm run bench`: runs every scenario against our server and the Socket.IO
 * peer, alternating them, on one fresh redis-server (AOF everysec) that it
 * starts and stops, and writes bench/RESULTS.md. See bench/README.md.
 *
 *   node dist/bench/run.js [--quick] [--runs N] [--only fanout,idle] [--out FILE] [--from RESULTS.json]
 *                          [--cpu-prof DIR]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, startRedisServer } from '../src/store/redis-server-process.js';
import { startNodeServer, type TestServer } from '../test/helpers/server.js';
import { writeChartsBeside } from './charts.js';
import type { ServerKind } from './lib/clients.js';
import { median } from './lib/stats.js';
import type { LoadgenOptions, LoadgenTask, Restarted } from './lib/workload.js';
import { type Report, renderReport, withKeptNotes } from './report.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const OUR_SERVER = here('../src/main.js');
const PEER_SERVER = here('./peers/socketio-server.js');
const BARE_SERVER = here('./peers/bare-server.js');
const LOADGEN = here('./loadgen.js');

interface Variant {
  name: string;
  kind: ServerKind;
  env?: Record<string, string>;
  /** What the load generator does differently for this variant. */
  options?: LoadgenOptions;
  /** Another server script speaking `kind`'s protocol (the floor's bare server). */
  script?: string;
  /** Server nodes sharing the one Redis (default 1). */
  nodes?: number;
  /** The server's open-files limit (`ulimit -n`), when not this process's own. */
  openFiles?: number;
  /** The script stores in the run's Redis (it is given REDIS_URL); default false. */
  stores?: boolean;
}

const OURS: Variant = { name: 'ours', kind: 'ours' };
const PEER: Variant = { name: 'peer', kind: 'peer' };
const BARE: Variant = { name: 'bare', kind: 'ours', script: BARE_SERVER };
/** The bare server storing each message with our send script before it answers and pushes: the floor of a server that stores. */
const STORED: Variant = { ...BARE, name: 'stored', stores: true };

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    // Renders the report again from a saved results .json instead of running anything.
    from: { type: 'string' },
    // Every server started writes a V8 CPU profile into this directory when it stops (node --cpu-prof).
    'cpu-prof': { type: 'string' },
  },
});
const quick = args.quick ?? false;
const runs = Number(args.runs ?? (quick ? 1 : 3));
const only = args.only?.split(',');
const out = args.out ?? (quick ? join(tmpdir(), 'wschat-bench-smoke.md') : here('../../bench/RESULTS.md'));
const nodeArgs = args['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`];

/** Scenarios in run order; `keepData` scenarios reuse what they seeded in earlier runs. */
const SCENARIOS: { name: string; variants: Variant[]; keepData?: boolean }[] = [
  // The bare server is the floor: what no server beats on this machine, in the same run. 'stored': the
  // same bare server storing each message with our send script before it pushes — what durability adds.
  { name: 'fanout', variants: [OURS, BARE, STORED, PEER] },
  // The same senders with no receivers: what a message costs before its pushes, in ours and in both floors
  // ('stored' minus 'bare' is the send script's round trip; ours minus 'stored' is our own request path).
  {
    name: 'permessage',
    variants: [OURS, BARE, STORED].map((variant) => ({ ...variant, options: { receivers: 0 } })),
  },
  { name: 'saturation', variants: [OURS, PEER] },
  // A quick run lowers the node's open-files limit, so that a few hundred connections reach its MAX_CONNECTIONS.
  {
    name: 'connections',
    variants: [{ ...OURS, options: { pastTheLimit: true }, ...(quick ? { openFiles: 1_324 } : {}) }, BARE],
  },
  { name: 'reconnect', variants: [OURS] },
  { name: 'hot', variants: [OURS, STORED] },
  {
    name: 'nodes',
    variants: [
      { name: 'two nodes', kind: 'ours', nodes: 2 },
      { name: 'one node', kind: 'ours' },
    ],
  },
  { name: 'pipeline', variants: [OURS, PEER] },
  {
    name: 'private',
    variants: [
      { name: 'private', kind: 'ours', options: { traffic: 'private' } },
      { name: 'public', kind: 'ours', options: { traffic: 'public' } },
    ],
  },
  // 'inline' reads pages on the main thread (HISTORY_IN_POOL=false): the same run shows what the pool's thread hop costs.
  // The floors: the bare server reading the same pages with our page script, on its main thread ('bare') and in a
  // worker thread ('bare thread'): what any server costs here, with and without the hop the design requires.
  {
    name: 'pages',
    variants: [
      OURS,
      { name: 'inline', kind: 'ours', env: { HISTORY_IN_POOL: 'false' } },
      PEER,
      { ...STORED, name: 'bare' },
      { ...STORED, name: 'bare thread', env: { BARE_PAGES: 'thread' } },
    ],
  },
  { name: 'idle', variants: [OURS, PEER] },
  { name: 'history', variants: [OURS, PEER], keepData: true },
  { name: 'storm', variants: [OURS, PEER] },
  {
    name: 'pool',
    variants: [
      // Only here do the servers log stats (event-loop delay): the sampler wakes every 10 ms and
      // costs an idle server ~7 ms of CPU a second, which the peer would not pay elsewhere.
      { name: 'pool', kind: 'ours', env: { HISTORY_IN_POOL: 'true', STATS_INTERVAL_MS: '250' } },
      { name: 'inline', kind: 'ours', env: { HISTORY_IN_POOL: 'false', STATS_INTERVAL_MS: '250' } },
    ],
    keepData: true,
  },
  // One message sent with a clientMessageId against one without: what idempotency costs the server.
  {
    name: 'send',
    variants: [
      { name: 'clientMessageId', kind: 'ours', options: { clientMessageId: true } },
      { name: 'plain', kind: 'ours' },
    ],
  },
  // A conversation list page for a user with 10,000 conversations against one with 10.
  {
    name: 'channels',
    variants: [
      { name: '10,000', kind: 'ours', options: { conversations: 10_000 } },
      { name: '10', kind: 'ours', options: { conversations: 10 } },
    ],
  },
  // The fan-out with Prometheus metrics counted against the same with METRICS=false: their cost on the hot path.
  {
    name: 'metrics',
    variants: [
      { name: 'metrics on', kind: 'ours', env: { METRICS: 'true' } },
      { name: 'metrics off', kind: 'ours', env: { METRICS: 'false' } },
    ],
  },
  // The fan-out with a typing storm beside it, against the same fan-out without.
  {
    name: 'typing',
    variants: [
      { name: 'typing storm', kind: 'ours', options: { typing: true } },
      { name: 'fan-out alone', kind: 'ours', options: { typing: false } },
    ],
  },
];

/** One node of `variant`; `port` 0 for any free port. */
async function startVariant(variant: Variant, redisUrl: string, port = 0): Promise<TestServer> {
  if (variant.script !== undefined) {
    return startNodeServer(
      variant.script,
      {
        PORT: String(port),
        ...(variant.stores ? { REDIS_URL: redisUrl } : {}),
        ...variant.env,
      },
      nodeArgs,
    );
  }
  if (variant.kind === 'ours') {
    return startNodeServer(
      OUR_SERVER,
      {
        HOST: '127.0.0.1',
        PORT: String(port),
        REDIS_URL: redisUrl,
        LOG_LEVEL: 'info',
        // The bench measures the server, not its per-connection rate limits; every load comes from one address.
        RATE_LIMIT_PER_SEC: '1000000',
        RATE_LIMIT_BURST: '1000000',
        MAX_CONNECTIONS_PER_IP: '0',
        SIGNUPS_PER_IP_MAX: '1000000',
        ...variant.env,
      },
      nodeArgs,
      variant.openFiles,
    );
  }
  return startNodeServer(PEER_SERVER, { PORT: String(port || (await freePort())), REDIS_URL: redisUrl }, nodeArgs);
}

/**
 * Runs the load generator against `servers`. It may ask, over IPC, for node
 * 0 to be restarted (SIGTERM, then started again on its port): `servers[0]`
 * is then the new process.
 */
function runLoadgen(scenario: string, variant: Variant, servers: TestServer[], redisUrl: string): Promise<any> {
  const task: LoadgenTask = {
    scenario,
    kind: variant.kind,
    port: servers[0]!.port,
    serverPid: servers[0]!.pid,
    ports: servers.map((server) => server.port),
    serverPids: servers.map((server) => server.pid),
    redisUrl,
    quick,
    options: variant.options,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOADGEN, JSON.stringify(task)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    child.on('message', async () => {
      try {
        const old = servers[0]!;
        const stoppedAt = Date.now();
        await old.stop();
        servers[0] = await startVariant(variant, redisUrl, old.port);
        child.send({ pid: servers[0].pid, stoppedAt, listeningAt: Date.now() } satisfies Restarted);
      } catch (error) {
        child.send({ error: String(error) });
      }
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      const line = output.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)));
      else reject(new Error(`loadgen ${scenario}/${variant.name} exited ${code}: ${output.slice(-500)}`));
    });
  });
}

/** The server's event-loop delay p99 (ms) over a wall-clock window, from its stats log lines. */
function eventLoopP99(server: TestServer, from: number, to: number): number {
  const p99s = server.output
    .filter((line) => line.includes('"msg":"stats"'))
    .map((line) => JSON.parse(line) as { time: number; eventLoopDelayMs: { p99: number } })
    .filter((stats) => stats.time >= from && stats.time <= to)
    .map((stats) => stats.eventLoopDelayMs.p99);
  return p99s.length ? Math.max(...p99s) : NaN;
}

/** Writes the report (medians, ratios, targets) and every run's raw figures beside it. */
async function writeReport(report: Report): Promise<void> {
  const previous = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
  const charts = await writeChartsBeside(report, out);
  writeFileSync(out, withKeptNotes(renderReport(report, median, charts), previous));
  // The report shows medians and each run's ratios; docs/capacity.md traces its numbers to these raw figures.
  writeFileSync(out.replace(/\.md$/, '.json'), `${JSON.stringify(report, null, 1)}\n`);
  console.log(`wrote ${out}`);
}

async function main(): Promise<void> {
  if (args.from !== undefined) return writeReport(JSON.parse(readFileSync(args.from, 'utf8')));
  const dir = mkdtempSync(join(tmpdir(), 'wschat-bench-redis-'));
  const redisServer = await startRedisServer({ dir, appendfsync: 'everysec' });
  const redis = new Redis(redisServer.url);
  const report: Report = {
    date: new Date().toISOString(),
    quick,
    runs,
    machine: {
      cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      redis: execFileSync('redis-server', ['--version']).toString().trim(),
    },
    scenarios: {},
  };
  try {
    for (const scenario of SCENARIOS) {
      if (only && !only.includes(scenario.name)) continue;
      const results: Record<string, unknown[]> = {};
      if (!scenario.keepData) await redis.flushall();
      for (let run = 0; run < runs; run++) {
        // Alternate which server goes first, so neither always meets a warmer machine.
        const order = run % 2 === 0 ? scenario.variants : [...scenario.variants].reverse();
        for (const variant of order) {
          if (!scenario.keepData) await redis.flushall();
          const servers: TestServer[] = [];
          try {
            for (let node = 0; node < (variant.nodes ?? 1); node++) {
              servers.push(await startVariant(variant, redisServer.url));
            }
            const result = await runLoadgen(scenario.name, variant, servers, redisServer.url);
            if (scenario.name === 'pool') {
              result.eventLoopDelayP99Ms = eventLoopP99(
                servers[0]!,
                result.windowWallClock.from,
                result.windowWallClock.to,
              );
            }
            (results[variant.name] ??= []).push(result);
            console.log(`${scenario.name} run ${run + 1} ${variant.name}: ${JSON.stringify(result).slice(0, 300)}`);
          } finally {
            await Promise.all(servers.map((server) => server.stop()));
          }
        }
      }
      report.scenarios[scenario.name] = results;
    }
  } finally {
    redis.disconnect();
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  await writeReport(report);
}

await main();
