/** Renders bench/RESULTS.md: medians per metric, each run's ratio to the peer or floor, and each target. */

/** Everything below this line in RESULTS.md is hand-written (the optimization log) and kept. */
export const NOTES_MARKER = '<!-- hand-written below: kept when the bench rewrites this file -->';

export interface Report {
  date: string;
  quick: boolean;
  runs: number;
  machine: Record<string, string | number>;
  /** scenario → variant → one result per run */
  scenarios: Record<string, Record<string, any[]>>;
}

/** One metric's figure for each variant, by variant name (of one run, or medians). */
type Figures = Record<string, number>;

interface Metric {
  label: string;
  get: (result: any) => number;
  /** Whether the target is met, given every variant's figure of one run. */
  target?: { text: string; met: (m: Figures) => boolean };
}

interface ScenarioSpec {
  /** Column order; the first is the one the targets judge. */
  variants: string[];
  /** Ratio columns: [a, b] shows a ÷ b (default: the first variant against the second, if any). */
  ratios?: [string, string][];
  metrics: Metric[];
}

/** A target on the first two variants' medians (a: the one judged, b: what it is held against). */
const against = (text: string, met: (a: number, b: number) => boolean, [first, second]: [string, string]) => ({
  text,
  met: (m: Figures) => met(m[first]!, m[second]!),
});

/** A target on one variant's median. */
const of = (variant: string, text: string, met: (value: number) => boolean) => ({
  text,
  met: (m: Figures) => met(m[variant]!),
});

const history = (offsetKey: (r: any) => string, p: 'p50' | 'p99') => (r: any) => r.byOffset[offsetKey(r)][p];
/** A cursor page's latency (ours only): 'top' is just below the newest, 'deep' the deepest cursor asked for. */
const cursor = (r: any, where: 'top' | 'deep', p: 'p50' | 'p99'): number => {
  const befores = Object.keys(r.byBefore ?? {}).sort((a, b) => Number(b) - Number(a));
  const key = where === 'top' ? befores[0] : befores.at(-1);
  return key === undefined ? Number.NaN : r.byBefore[key][p];
};
const offsetKeys = (r: any) => Object.keys(r.byOffset).sort((a, b) => Number(a) - Number(b));

const FANOUT_FIGURES: Metric[] = [
  { label: 'latency p50 (ms)', get: (r) => r.latencyMs.p50 },
  { label: 'latency p99 (ms)', get: (r) => r.latencyMs.p99 },
  { label: 'latency max (ms)', get: (r) => r.latencyMs.max },
  { label: 'delivered / expected', get: (r) => r.deliveredRatio },
  { label: 'deliveries/s', get: (r) => r.deliveriesPerSec },
  { label: 'server CPU µs per delivery', get: (r) => r.serverCpuMicrosPerDelivery },
];
const withTargets = (figures: Metric[], targets: Record<string, Metric['target']>): Metric[] =>
  figures.map((figure) => (targets[figure.label] ? { ...figure, target: targets[figure.label] } : figure));

const pagePercentiles = (offsets: number) =>
  Array.from({ length: offsets }, (_, i) =>
    (['p50', 'p99'] as const).map((p) => ({ i, p, get: history((r) => offsetKeys(r)[i]!, p) })),
  ).flat();

const METRICS: Record<string, ScenarioSpec> = {
  fanout: {
    // 'stored': the bare server storing each message with our send script first (no target; what storing costs).
    variants: ['ours', 'bare', 'stored', 'peer'],
    ratios: [
      ['ours', 'bare'],
      ['ours', 'stored'],
      ['ours', 'peer'],
    ],
    metrics: withTargets(FANOUT_FIGURES, {
      'latency p99 (ms)': {
        text: '≤ 1.5× bare and < peer',
        met: (m) => m.ours! <= 1.5 * m.bare! && m.ours! < m.peer!,
      },
      'server CPU µs per delivery': {
        text: '≤ 1.1× bare and < peer',
        met: (m) => m.ours! <= 1.1 * m.bare! && m.ours! < m.peer!,
      },
    }),
  },
  // No targets: with no receivers the CPU is what a message costs before its pushes (the senders still get 9).
  permessage: {
    variants: ['ours', 'bare', 'stored'],
    ratios: [
      ['ours', 'bare'],
      ['stored', 'bare'],
      ['ours', 'stored'],
    ],
    metrics: [
      { label: 'server CPU µs per message', get: (r) => r.serverCpuMicrosPerMessage },
      { label: 'latency p50 (ms)', get: (r) => r.latencyMs.p50 },
      { label: 'latency p99 (ms)', get: (r) => r.latencyMs.p99 },
      { label: 'delivered / expected', get: (r) => r.deliveredRatio },
    ],
  },
  saturation: {
    variants: ['ours', 'peer'],
    metrics: [
      {
        label: 'best deliveries/s (≥ 98% delivered, p99 ≤ 100 ms)',
        get: (r) => r.bestDeliveriesPerSec,
        target: against('≥ 1.3× peer', (o, p) => o >= 1.3 * p, ['ours', 'peer']),
      },
    ],
  },
  connections: {
    variants: ['ours', 'bare'],
    metrics: [
      { label: 'signed-in, joined, idle connections', get: (r) => r.connections },
      { label: 'seconds to connect, sign in and join them', get: (r) => r.connectSeconds },
      {
        label: 'server RSS per connection (KiB)',
        get: (r) => r.bytesPerConnection / 1024,
        target: of('ours', '≤ 8 KiB', (v) => v <= 8),
      },
      { label: 'one message to all: send to last delivery (ms, median of 5)', get: (r) => r.lastDeliveryMs },
      { label: 'one message to all: delivered / expected', get: (r) => r.broadcastDeliveredRatio },
      { label: "past the limit: the node's MAX_CONNECTIONS", get: (r) => r.limit?.maxConnections ?? Number.NaN },
      { label: 'past the limit: connections attempted', get: (r) => r.limit?.attempts ?? Number.NaN },
      { label: 'past the limit: opened', get: (r) => r.limit?.byOutcome.opened ?? Number.NaN },
      {
        label: 'past the limit: refused with HTTP 503 or a close',
        get: (r) => (r.limit ? (r.limit.byOutcome['http 503'] ?? 0) + (r.limit.byOutcome.closed ?? 0) : Number.NaN),
        target: of('ours', '≥ 300 (all past the limit)', (v) => v >= 300),
      },
      {
        label: 'past the limit: attempts ended otherwise (error, timeout)',
        get: (r) =>
          r.limit
            ? r.limit.attempts -
              (r.limit.byOutcome.opened ?? 0) -
              (r.limit.byOutcome['http 503'] ?? 0) -
              (r.limit.byOutcome.closed ?? 0)
            : Number.NaN,
        target: of('ours', '0', (v) => v === 0),
      },
      {
        label: 'past the limit: chat messages lost or failed meanwhile',
        get: (r) => (r.limit ? r.limit.chatSent - r.limit.chatReceived + r.limit.chatFailures : Number.NaN),
        target: of('ours', '0, node alive', (v) => v === 0),
      },
      { label: 'past the limit: chat messages delivered', get: (r) => r.limit?.chatReceived ?? Number.NaN },
    ],
  },
  reconnect: {
    variants: ['ours'],
    metrics: [
      { label: 'connections', get: (r) => r.connections },
      { label: 'first connect and join of all (ms)', get: (r) => r.initialConnectJoinMs },
      { label: 'node stop (SIGTERM) to the last rejoin (ms)', get: (r) => r.recoveryFromStopMs },
      { label: 'new node listening to the last rejoin (ms)', get: (r) => r.recoveryMs },
      {
        label: 'recovery ÷ first connect and join',
        get: (r) => r.recoveryRatio,
        target: of('ours', '≤ 1.5', (v) => v <= 1.5),
      },
      { label: 'clients not recovered', get: (r) => r.notRecovered, target: of('ours', '0', (v) => v === 0) },
      { label: 'messages acknowledged', get: (r) => r.messagesAcknowledged },
      {
        label: 'messages stored − acknowledged (a retry stored twice)',
        get: (r) => r.messagesStored - r.messagesAcknowledged,
        target: of('ours', '0', (v) => v === 0),
      },
      { label: 'messages lost (all receivers)', get: (r) => r.lost, target: of('ours', '0', (v) => v === 0) },
      {
        label: 'messages duplicated (all receivers)',
        get: (r) => r.duplicated,
        target: of('ours', '0', (v) => v === 0),
      },
    ],
  },
  hot: {
    // 'stored': the bare server storing each message with our send script before it answers — the floor of any server that stores.
    variants: ['ours', 'stored'],
    metrics: [
      { label: 'Redis-bound limit: the send script called directly, msg/s', get: (r) => r.redisLimitPerSec },
      { label: 'through the server: acknowledged msg/s (best step)', get: (r) => r.best.messagesPerSec },
      { label: 'senders at the best step (4 sends in flight each)', get: (r) => r.best.senders },
      { label: 'server CPU µs per message at the best step', get: (r) => r.best.serverCpuMicrosPerMessage },
      { label: 'server cores busy at the best step (1 = its main thread full)', get: (r) => r.best.serverCoresBusy },
      { label: 'load generator cores busy at the best step', get: (r) => r.best.loadgenCoresBusy },
      {
        label: 'machine cores busy at the best step (server, Redis and load generator together)',
        get: (r) => r.best.machineCoresBusy,
      },
      {
        label: 'server ÷ Redis-bound limit',
        get: (r) => r.ratioToLimit,
        target: of('ours', '≥ 0.7', (v) => v >= 0.7),
      },
      {
        label:
          "server CPU µs per message left at 0.7 × the limit (the machine's cores less Redis's and the load generator's)",
        get: (r) => r.atTarget?.serverCpuMicrosPerMessage ?? Number.NaN,
      },
      { label: 'Redis commands per message (inside scripts too)', get: (r) => r.best.commandsPerMessage },
      { label: 'Redis CPU µs per message (through the server)', get: (r) => r.best.redisCpuMicrosPerMessage },
      { label: 'Redis CPU µs per message (the direct loop)', get: (r) => r.redisLimitCost.redisCpuMicrosPerMessage },
      {
        label: "the direct loop: messages its channel's subscriber got / stored",
        get: (r) => r.limitPublishedRatio ?? Number.NaN,
      },
      { label: 'Redis bytes in per message', get: (r) => r.best.inBytesPerMessage },
      { label: 'Redis bytes out per message', get: (r) => r.best.outBytesPerMessage },
      { label: 'pushes delivered / acknowledged (10 receivers)', get: (r) => r.pushedRatio },
    ],
  },
  nodes: {
    variants: ['two nodes', 'one node'],
    metrics: withTargets(FANOUT_FIGURES, {
      'server CPU µs per delivery': against('≤ 1.2× one node', (t, o) => t <= 1.2 * o, ['two nodes', 'one node']),
    }).map((m) =>
      m.label === 'server CPU µs per delivery' ? { ...m, label: 'server CPU µs per delivery (all nodes)' } : m,
    ),
  },
  pipeline: {
    variants: ['ours', 'peer'],
    metrics: [
      {
        label: 'one connection, 64 sends in flight: acknowledged msg/s',
        get: (r) => r.messagesPerSec,
        target: against('≥ peer', (o, p) => o >= p, ['ours', 'peer']),
      },
      {
        label: 'answers out of request order',
        get: (r) => r.outOfOrder,
        target: of('ours', '0', (v) => v === 0),
      },
      { label: 'failed sends', get: (r) => r.failures },
      { label: 'pushed to another connection / acknowledged', get: (r) => r.pushedRatio },
    ],
  },
  private: {
    variants: ['private', 'public'],
    metrics: [
      { label: 'users (each connected once)', get: (r) => r.users },
      { label: 'messages/s (each user every 10 s)', get: (r) => r.messagesPerSec },
      { label: 'server CPU µs per message', get: (r) => r.serverCpuMicrosPerMessage },
      { label: 'pushed / sent', get: (r) => r.pushedRatio },
      { label: 'Redis bytes per connected user', get: (r) => r.redisBytesPerConnectedUser },
      { label: 'Redis bytes per message stored', get: (r) => r.redisBytesPerMessage },
      { label: 'Redis bytes per conversation', get: (r) => r.redisBytesPerConversation ?? Number.NaN },
    ],
  },
  pages: {
    // 'inline': ours with HISTORY_IN_POOL=false, the page read on the main thread: what the pool's thread hop costs.
    // 'bare' and 'bare thread': the floors, a bare server reading the same pages on its main thread and in a worker thread.
    variants: ['ours', 'inline', 'peer', 'bare', 'bare thread'],
    ratios: [
      ['ours', 'peer'],
      ['inline', 'peer'],
      ['bare thread', 'peer'],
      ['ours', 'bare thread'],
    ],
    metrics: [
      ...pagePercentiles(3).map(({ i, p, get }) => ({
        label: `20,000 messages, limit 50 at offset ${['0', '10,000', '19,940'][i]} ${p} (ms)`,
        get,
        target: against('≤ peer', (o, q) => o <= q, ['ours', 'peer']),
      })),
      ...(['p50', 'p99'] as const).flatMap((p) => [
        { label: `limit 50 before the newest ${p} (ms)`, get: (r: any) => cursor(r, 'top', p) },
        { label: `limit 50 before seq 61 ${p} (ms)`, get: (r: any) => cursor(r, 'deep', p) },
      ]),
      { label: 'server CPU µs per offset page', get: (r) => r.serverCpuMicrosPerPage },
      { label: 'Redis CPU µs per offset page', get: (r) => r.redisCpuMicrosPerPage },
    ],
  },
  idle: {
    variants: ['ours', 'peer'],
    metrics: [
      {
        label: 'server RSS per idle joined connection (KiB)',
        get: (r) => r.bytesPerConnection / 1024,
        target: of('ours', '≤ 12 KiB', (v) => v <= 12),
      },
    ],
  },
  history: {
    variants: ['ours', 'peer'],
    metrics: [
      ...pagePercentiles(4).map(({ i, p, get }) => ({ label: `limit 50 at offset #${i + 1} ${p} (ms)`, get })),
      {
        label: 'p99 at the deepest offset ÷ p99 at offset 0',
        get: (r: any) => history((x) => offsetKeys(x)[3]!, 'p99')(r) / history((x) => offsetKeys(x)[0]!, 'p99')(r),
        target: of('ours', '≤ 1.5', (v) => v <= 1.5),
      },
      ...(['p50', 'p99'] as const).flatMap((p) => [
        { label: `limit 50 before the newest ${p} (ms)`, get: (r: any) => cursor(r, 'top', p) },
        {
          label: `limit 50 before seq 61 (the deepest offset's page) ${p} (ms)`,
          get: (r: any) => cursor(r, 'deep', p),
        },
      ]),
      {
        label: 'p99 before seq 61 ÷ p99 before the newest',
        get: (r: any) => cursor(r, 'deep', 'p99') / cursor(r, 'top', 'p99'),
        target: of('ours', '≤ 1.5', (v) => v <= 1.5),
      },
    ],
  },
  storm: {
    variants: ['ours', 'peer'],
    metrics: [
      { label: 'sign-ins/s', get: (r) => r.signInsPerSec },
      { label: 'raw bcrypt verifications/s (same machine)', get: (r) => r.rawBcryptPerSec },
      {
        label: 'sign-ins/s ÷ raw bcrypt rate',
        get: (r) => r.signInsVsRaw,
        target: of('ours', '≥ 0.8', (v) => v >= 0.8),
      },
      { label: 'chatters p99 before (ms)', get: (r) => r.chatP99BeforeMs },
      { label: 'chatters p99 during the storm (ms)', get: (r) => r.chatP99DuringMs },
      { label: 'chatters p99 during ÷ before', get: (r) => r.chatP99Ratio, target: of('ours', '≤ 2', (v) => v <= 2) },
    ],
  },
  send: {
    variants: ['clientMessageId', 'plain'],
    metrics: [
      {
        label: 'server CPU µs per message sent (1,000 msg/s, no receivers)',
        get: (r) => r.serverCpuMicrosPerMessage,
        target: against('≤ 1.1× plain', (o, p) => o <= 1.1 * p, ['clientMessageId', 'plain']),
      },
    ],
  },
  channels: {
    variants: ['10,000', '10'],
    metrics: (['first', 'last', 'random'] as const).flatMap((page) =>
      (['p50', 'p99'] as const).map((p) => ({
        label: `\`channels\` limit 10, ${page} page ${p} (ms)`,
        get: (r: any) => r.latencyMs[page][p],
        ...(p === 'p99' ? { target: against('≤ 1.5× 10', (o, t) => o <= 1.5 * t, ['10,000', '10']) } : {}),
      })),
    ),
  },
  metrics: {
    variants: ['metrics on', 'metrics off'],
    metrics: [
      { label: 'latency p50 (ms)', get: (r) => r.latencyMs.p50 },
      { label: 'latency p99 (ms)', get: (r) => r.latencyMs.p99 },
      { label: 'delivered / expected', get: (r) => r.deliveredRatio },
      {
        label: 'server CPU µs per delivery',
        get: (r) => r.serverCpuMicrosPerDelivery,
        target: against('≤ 1.05× off', (on, off) => on <= 1.05 * off, ['metrics on', 'metrics off']),
      },
    ],
  },
  typing: {
    variants: ['typing storm', 'fan-out alone'],
    metrics: [
      { label: 'chat latency p50 (ms)', get: (r) => r.latencyMs.p50 },
      {
        label: 'chat latency p99 (ms)',
        get: (r) => r.latencyMs.p99,
        target: against('≤ 1.2× alone', (o, a) => o <= 1.2 * a, ['typing storm', 'fan-out alone']),
      },
      { label: 'chat delivered / expected', get: (r) => r.deliveredRatio },
      { label: 'typing signals sent', get: (r) => r.typingSent },
      { label: 'typing pushes delivered / expected', get: (r) => r.typingDeliveredRatio },
    ],
  },
  pool: {
    variants: ['pool', 'inline'],
    metrics: [
      { label: 'history p50 (ms)', get: (r) => r.historyLatencyMs.p50 },
      { label: 'history p99 (ms)', get: (r) => r.historyLatencyMs.p99 },
      { label: 'server event-loop delay p99 (ms)', get: (r) => r.eventLoopDelayP99Ms },
      { label: 'chatters p99 (ms)', get: (r) => r.chatP99DuringMs },
    ],
  },
};

const fmt = (n: number): string =>
  !Number.isFinite(n) ? '–' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3);

/**
 * The runs a metric has for every variant, as one record each: run i of
 * every variant, taken in the same sitting minutes apart.
 */
function perRun(byVariant: Record<string, any[]>, variants: string[], get: Metric['get']): Figures[] {
  const runs = Math.min(...variants.map((variant) => byVariant[variant]?.length ?? 0));
  return Array.from({ length: runs }, (_, i) =>
    Object.fromEntries(variants.map((variant) => [variant, get(byVariant[variant]![i])])),
  );
}

/**
 * `charts`: pictures to embed (paths relative to the report file), from bench/charts.ts.
 * Variant columns are medians; a ratio column is the median of each run's own
 * ratio, and a target is judged run by run: met when more than half the runs
 * meet it (the machine drifts between runs, so medians of different runs are
 * not compared).
 */
export function renderReport(
  report: Report,
  median: (values: number[]) => number,
  charts: { path: string; title: string }[] = [],
): string {
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\`${report.quick ? ' (quick smoke: small sizes, not comparable)' : ''} on ${report.date}.`,
    `Each figure is the median of ${report.runs} run(s); the servers alternate within each run.`,
    "A ratio is the median of each run's own ratio, and a target is met when it is met in more than half the runs.",
    '',
    '| machine | |',
    '|---|---|',
    ...Object.entries(report.machine).map(([key, value]) => `| ${key} | ${value} |`),
    '',
    ...(charts.length ? ['## Charts', '', ...charts.flatMap(({ path, title }) => [`![${title}](${path})`, ''])] : []),
  ];
  for (const [scenario, byVariant] of Object.entries(report.scenarios)) {
    const spec = METRICS[scenario];
    if (!spec) continue;
    const { variants } = spec;
    const ratios = spec.ratios ?? (variants.length > 1 ? [[variants[0]!, variants[1]!] as [string, string]] : []);
    const header = [...variants, ...ratios.map(([a, b]) => `${a} ÷ ${b}`), 'target', 'met'];
    lines.push(`## ${scenario}`, '', `| metric | ${header.join(' | ')} |`, `|---|${header.map(() => '---|').join('')}`);
    for (const metric of spec.metrics) {
      const runs = perRun(byVariant, variants, metric.get);
      const cells = [
        ...variants.map((variant) => fmt(median((byVariant[variant] ?? []).map(metric.get)))),
        ...ratios.map(([a, b]) => fmt(median(runs.map((run) => run[a]! / run[b]!)))),
        metric.target?.text ?? '',
        metric.target ? verdict(runs.filter(metric.target.met).length, runs.length) : '',
      ];
      lines.push(`| ${metric.label} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** 'yes' when more than half the runs met the target; with several runs, how many did. */
function verdict(met: number, runs: number): string {
  const word = met * 2 > runs ? 'yes' : '**no**';
  return runs > 1 ? `${word} (${met} of ${runs})` : word;
}

/** The new report, with the hand-written part of the previous file (if any) kept below it. */
export function withKeptNotes(report: string, previous: string | undefined): string {
  const at = previous?.indexOf(NOTES_MARKER) ?? -1;
  return at === -1 ? report : `${report}\n${previous!.slice(at)}`;
}
