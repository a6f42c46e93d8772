/**
 * `npm run bench:heap`: live heap per connection, ours against the bare
 * server. Each server in turn gets signed-in connections joined to the
 * public channel (each its own user, seeded in Redis), and writes a V8 heap
 * snapshot at two counts; the snapshots' difference over the connections
 * added is the heap one more connection holds. A snapshot is taken after a
 * full collection and counts only what is reachable, so the figure repeats
 * within ~1% where RSS (the `connections` scenario) moves by kilobytes with
 * the collector's timing. It leaves out what is off the heap (socket and
 * frame buffers), which both servers hold alike. About 30 s after the build.
 *
 *   node dist/bench/heap-per-connection.js [--at 1000,3000] [--quick]
 *
 * Prints, per server, bytes per connection and the object kinds that grew
 * most; then ours − bare.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startRedisServer } from '../src/store/redis-server-process.js';
import { startNodeServer } from '../test/helpers/server.js';
import { type BenchClient, connectClient } from './lib/clients.js';
import { inBatches, sleep } from './lib/pacer.js';
import { seedUsers } from './lib/seed-users.js';
import { close, PASSWORD, sourceAddress } from './lib/workload.js';

const { values: args } = parseArgs({
  options: { at: { type: 'string' }, quick: { type: 'boolean', default: false } },
});
const quick = args.quick ?? false;
const counts = (args.at ?? (quick ? '100,300' : '1000,3000')).split(',').map(Number);
if (counts.length !== 2 || !(counts[0]! > 0 && counts[1]! > counts[0]!))
  throw new Error('--at takes two counts, the first smaller');
const [first, second] = counts as [number, number];

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const SERVERS = [
  { name: 'ours', script: here('../src/main.js') },
  { name: 'bare', script: here('./peers/bare-server.js') },
];

/** A heap snapshot's self sizes, in all and by object kind ('Session', '(string)', 'closure', …). */
interface HeapTotals {
  bytes: number;
  byKind: Map<string, { count: number; bytes: number }>;
}

function readSnapshot(path: string): HeapTotals {
  const snapshot = JSON.parse(readFileSync(path, 'utf8'));
  const fields: string[] = snapshot.snapshot.meta.node_fields;
  const types: string[] = snapshot.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [
    number,
    number,
    number,
  ];
  const nodes: number[] = snapshot.nodes;
  const byKind = new Map<string, { count: number; bytes: number }>();
  let bytes = 0;
  for (let i = 0; i < nodes.length; i += fields.length) {
    const nodeType = types[nodes[i + type]!]!;
    // Objects by constructor; strings, code, arrays and the rest by type (their names are contents).
    const kind = nodeType === 'object' || nodeType === 'native' ? snapshot.strings[nodes[i + name]!] : `(${nodeType})`;
    const self = nodes[i + size]!;
    bytes += self;
    const totals = byKind.get(kind) ?? { count: 0, bytes: 0 };
    totals.count++;
    totals.bytes += self;
    byKind.set(kind, totals);
  }
  return { bytes, byKind };
}

/** Asks the server for a snapshot and waits until the file is written whole (it ends its JSON with `]}`). */
async function snapshotAt(pid: number, dir: string, taken: number): Promise<string> {
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 1200; i++) {
    await sleep(100);
    const file = readdirSync(dir)
      .filter((name) => name.endsWith('.heapsnapshot'))
      .sort()[taken];
    if (file === undefined) continue;
    const path = join(dir, file);
    const { size } = statSync(path);
    if (size < 2) continue;
    const end = Buffer.alloc(2);
    const fd = openSync(path, 'r');
    readSync(fd, end, 0, 2, size - 2);
    closeSync(fd);
    if (end.toString() === ']}') return path;
  }
  throw new Error('no heap snapshot was written within 2 minutes');
}

async function measure(server: (typeof SERVERS)[number], redisUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'wschat-bench-heap-'));
  const node = await startNodeServer(
    server.script,
    { HOST: '127.0.0.1', PORT: '0', REDIS_URL: redisUrl, LOG_LEVEL: 'info', MAX_CONNECTIONS_PER_IP: '0' },
    ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`],
  );
  const clients: BenchClient[] = [];
  try {
    const users = await seedUsers(redisUrl, `heap-${server.name}-`, second, PASSWORD);
    const snapshots: HeapTotals[] = [];
    for (const upTo of [first, second]) {
      const added = await inBatches(
        Array.from({ length: upTo - clients.length }, (_, i) => clients.length + i),
        100,
        async (i) => {
          const client = await connectClient('ours', node.port, sourceAddress(i));
          await client.resume(users[i]);
          await client.joinPublic();
          return client;
        },
      );
      clients.push(...added);
      await sleep(quick ? 200 : 2000);
      snapshots.push(readSnapshot(await snapshotAt(node.pid, dir, snapshots.length)));
    }
    return difference(snapshots[0]!, snapshots[1]!, second - first);
  } finally {
    close(clients);
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per connection added: bytes in all and by object kind, most first. */
function difference(before: HeapTotals, after: HeapTotals, added: number) {
  const kinds = [...after.byKind].map(([kind, { count, bytes }]) => {
    const was = before.byKind.get(kind) ?? { count: 0, bytes: 0 };
    return { kind, count: (count - was.count) / added, bytes: (bytes - was.bytes) / added };
  });
  kinds.sort((a, b) => b.bytes - a.bytes);
  return { bytes: (after.bytes - before.bytes) / added, kinds };
}

const redisDir = mkdtempSync(join(tmpdir(), 'wschat-bench-heap-redis-'));
const redis = await startRedisServer({ dir: redisDir });
try {
  const results = new Map<string, Awaited<ReturnType<typeof measure>>>();
  const shown = quick ? 5 : 15;
  const line = ({ kind, count, bytes }: { kind: string; count: number; bytes: number }) =>
    `  ${bytes.toFixed(0).padStart(6)} B  ${count.toFixed(2).padStart(5)} × ${kind}`;
  for (const server of SERVERS) {
    const result = await measure(server, redis.url);
    results.set(server.name, result);
    console.log(`${server.name}: ${result.bytes.toFixed(0)} bytes of live heap per connection (${first} → ${second})`);
    for (const kind of result.kinds.slice(0, shown)) console.log(line(kind));
  }
  const ours = results.get('ours')!;
  const bare = results.get('bare')!;
  console.log(`ours − bare: ${(ours.bytes - bare.bytes).toFixed(0)} bytes per connection, most in`);
  const bareKinds = new Map(bare.kinds.map((kind) => [kind.kind, kind]));
  const extra = ours.kinds.map(({ kind, count, bytes }) => ({
    kind,
    count: count - (bareKinds.get(kind)?.count ?? 0),
    bytes: bytes - (bareKinds.get(kind)?.bytes ?? 0),
  }));
  for (const kind of extra.sort((a, b) => b.bytes - a.bytes).slice(0, shown)) console.log(line(kind));
} finally {
  await redis.stop();
  rmSync(redisDir, { recursive: true, force: true });
}
