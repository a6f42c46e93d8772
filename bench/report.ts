/** Renders bench/RESULTS.md: medians per metric, the ratio to the peer, and each target. */

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

interface Metric {
  label: string;
  get: (result: any) => number;
  /** Whether the target is met, given our median and the other variant's. */
  target?: { text: string; met: (ours: number, other: number) => boolean };
}

const history = (offsetKey: (r: any) => string, p: 'p50' | 'p99') => (r: any) => r.byOffset[offsetKey(r)][p];
/** A cursor page's latency (ours only): 'top' is just below the newest, 'deep' before seq 61. */
const cursor = (r: any, where: 'top' | 'deep', p: 'p50' | 'p99'): number => {
  const befores = Object.keys(r.byBefore ?? {}).sort((a, b) => Number(b) - Number(a));
  const key = where === 'top' ? befores[0] : befores[1];
  return key === undefined ? Number.NaN : r.byBefore[key][p];
};
const offsetKeys = (r: any) => Object.keys(r.byOffset).sort((a, b) => Number(a) - Number(b));

const FANOUT_METRICS: Metric[] = [
  { label: 'latency p50 (ms)', get: (r) => r.latencyMs.p50 },
  {
    label: 'latency p99 (ms)',
    get: (r) => r.latencyMs.p99,
    target: { text: '≤ 0.5× peer and ≤ 10 ms', met: (o, p) => o <= 0.5 * p && o <= 10 },
  },
  { label: 'latency max (ms)', get: (r) => r.latencyMs.max },
  { label: 'delivered / expected', get: (r) => r.deliveredRatio },
  { label: 'deliveries/s', get: (r) => r.deliveriesPerSec },
  {
    label: 'server CPU µs per delivery',
    get: (r) => r.serverCpuMicrosPerDelivery,
    target: { text: '≤ 0.6× peer', met: (o, p) => o <= 0.6 * p },
  },
];

const METRICS: Record<string, { variants: [string, string]; metrics: Metric[] }> = {
  fanout: { variants: ['ours', 'peer'], metrics: FANOUT_METRICS },
  // The same figures for the bare server: a reference, so no targets.
  floor: { variants: ['bare', 'peer'], metrics: FANOUT_METRICS.map(({ target: _, ...figure }) => figure) },
  // No targets: with no receivers the CPU is what a message costs before its pushes (the senders still get 9).
  permessage: {
    variants: ['ours', 'bare'],
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
        target: { text: '≥ 1.3× peer', met: (o, p) => o >= 1.3 * p },
      },
    ],
  },
  idle: {
    variants: ['ours', 'peer'],
    metrics: [
      {
        label: 'server RSS per idle joined connection (KiB)',
        get: (r) => r.bytesPerConnection / 1024,
        target: { text: '≤ 12 KiB', met: (o) => o <= 12 },
      },
    ],
  },
  history: {
    variants: ['ours', 'peer'],
    metrics: [
      ...[0, 1, 2, 3].flatMap((i) =>
        (['p50', 'p99'] as const).map((p) => ({
          label: `limit 50 at offset #${i + 1} ${p} (ms)`,
          get: history((r) => offsetKeys(r)[i]!, p),
        })),
      ),
      {
        label: 'p99 at the deepest offset ÷ p99 at offset 0',
        get: (r: any) => history((x) => offsetKeys(x)[3]!, 'p99')(r) / history((x) => offsetKeys(x)[0]!, 'p99')(r),
        target: { text: '≤ 1.5', met: (o: number) => o <= 1.5 },
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
        target: { text: '≤ 1.5', met: (o: number) => o <= 1.5 },
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
        target: { text: '≥ 0.8', met: (o) => o >= 0.8 },
      },
      { label: 'chatters p99 before (ms)', get: (r) => r.chatP99BeforeMs },
      { label: 'chatters p99 during the storm (ms)', get: (r) => r.chatP99DuringMs },
      {
        label: 'chatters p99 during ÷ before',
        get: (r) => r.chatP99Ratio,
        target: { text: '≤ 2', met: (o) => o <= 2 },
      },
    ],
  },
  send: {
    variants: ['clientMessageId', 'plain'],
    metrics: [
      {
        label: 'server CPU µs per message sent (1,000 msg/s, no receivers)',
        get: (r) => r.serverCpuMicrosPerMessage,
        target: { text: '≤ 1.1× plain', met: (o, p) => o <= 1.1 * p },
      },
    ],
  },
  channels: {
    variants: ['10,000', '10'],
    metrics: (['first', 'last', 'random'] as const).flatMap((page) =>
      (['p50', 'p99'] as const).map((p) => ({
        label: `\`channels\` limit 10, ${page} page ${p} (ms)`,
        get: (r: any) => r.latencyMs[page][p],
        ...(p === 'p99' ? { target: { text: '≤ 1.5× 10', met: (o: number, t: number) => o <= 1.5 * t } } : {}),
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
        target: { text: '≤ 1.05× off', met: (on, off) => on <= 1.05 * off },
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
        target: { text: '≤ 1.2× alone', met: (o, a) => o <= 1.2 * a },
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

export function renderReport(report: Report, median: (values: number[]) => number): string {
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\`${report.quick ? ' (quick smoke: small sizes, not comparable)' : ''} on ${report.date}.`,
    `Each figure is the median of ${report.runs} run(s); the servers alternate within each run.`,
    '',
    '| machine | |',
    '|---|---|',
    ...Object.entries(report.machine).map(([key, value]) => `| ${key} | ${value} |`),
    '',
  ];
  for (const [scenario, byVariant] of Object.entries(report.scenarios)) {
    const spec = METRICS[scenario];
    if (!spec) continue;
    const [mine, other] = spec.variants;
    lines.push(
      `## ${scenario}`,
      '',
      `| metric | ${mine} | ${other} | ${mine} ÷ ${other} | target | met |`,
      '|---|---|---|---|---|---|',
    );
    for (const metric of spec.metrics) {
      const values = (variant: string) => median((byVariant[variant] ?? []).map(metric.get));
      const [a, b] = [values(mine), values(other)];
      const met = metric.target ? (metric.target.met(a, b) ? 'yes' : '**no**') : '';
      lines.push(`| ${metric.label} | ${fmt(a)} | ${fmt(b)} | ${fmt(a / b)} | ${metric.target?.text ?? ''} | ${met} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** The new report, with the hand-written part of the previous file (if any) kept below it. */
export function withKeptNotes(report: string, previous: string | undefined): string {
  const at = previous?.indexOf(NOTES_MARKER) ?? -1;
  return at === -1 ? report : `${report}\n${previous!.slice(at)}`;
}
