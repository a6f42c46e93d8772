/**
 * SVG charts for bench/RESULTS.md: the saturation curve, latency percentiles
 * per scenario and RSS against connections. Each is a vega-lite spec rendered
 * headless by vega (renderer 'none', text widths estimated), so no browser,
 * canvas or native build is needed and the SVG has no external references.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { median } from './lib/stats.js';
import type { Report } from './report.js';

export interface Chart {
  /** The file name inside the charts directory, e.g. `saturation.svg`. */
  file: string;
  title: string;
}

interface ChartKind extends Chart {
  /** The chart's spec, or undefined when the report lacks its data. */
  spec: (report: Report, title: string) => TopLevelSpec | undefined;
}

const WIDTH = 640;
const HEIGHT = 360;
const MiB = 2 ** 20;
/** Each server keeps its colour in every chart; other variants take the rest of vega's palette in turn. */
const SERVER_COLORS: Record<string, string> = { ours: '#4c78a8', peer: '#f58518', bare: '#54a24b' };
const OTHER_COLORS = ['#e45756', '#72b7b2', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

function serverColor(variants: string[]) {
  const others = variants.filter((v) => !(v in SERVER_COLORS));
  const range = variants.map((v) => SERVER_COLORS[v] ?? OTHER_COLORS[others.indexOf(v) % OTHER_COLORS.length]!);
  return {
    field: 'variant',
    type: 'nominal',
    title: 'server',
    sort: null,
    scale: { domain: variants, range },
  } as const;
}

const isLatency = (r: any): boolean => Number.isFinite(r?.latencyMs?.p50) && Number.isFinite(r?.latencyMs?.p99);

/** Groups `points` by `key` and gives the median x and y of each group, ordered by x. */
function medianLine<P extends { x: number; y: number }>(points: P[], key: (p: P) => string): P[] {
  const groups = new Map<string, P[]>();
  for (const p of points) groups.set(key(p), [...(groups.get(key(p)) ?? []), p]);
  return [...groups.values()]
    .map((group) => ({ ...group[0]!, x: median(group.map((p) => p.x)), y: median(group.map((p) => p.y)) }))
    .sort((a, b) => a.x - b.x);
}

/** One point per saturation step of every run; a line through the median of each offered rate. */
function saturation(report: Report, title: string): TopLevelSpec | undefined {
  const byVariant = report.scenarios.saturation;
  if (!byVariant) return undefined;
  const points = Object.entries(byVariant).flatMap(([variant, runs]) =>
    runs.flatMap((result, run) =>
      (result?.steps ?? []).map((step: any) => ({
        variant,
        run: run + 1,
        rate: step.rate,
        x: step.deliveriesPerSec,
        y: step.latencyMs?.p99,
      })),
    ),
  );
  // A log axis has no place for 0, and a step with no deliveries has no p99.
  const drawn = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.y > 0);
  if (drawn.length === 0) return undefined;
  const line = Object.keys(byVariant).flatMap((variant) =>
    medianLine(
      drawn.filter((p) => p.variant === variant),
      (p) => String(p.rate),
    ),
  );
  const x = { field: 'x', type: 'quantitative', title: 'deliveries/s' } as const;
  const y = { field: 'y', type: 'quantitative', title: 'latency p99 (ms, log scale)', scale: { type: 'log' } } as const;
  const color = serverColor(Object.keys(byVariant));
  return {
    title: {
      text: title,
      subtitle: `Offered rate ×1.5 per step; dots: every step of ${report.runs} run(s), line: median per offered rate`,
    },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      { data: { values: drawn }, mark: { type: 'point', opacity: 0.5 }, encoding: { x, y, color } },
      { data: { values: line }, mark: { type: 'line', point: true }, encoding: { x, y, color } },
    ],
  };
}

/** Median p50 and p99 per variant for every scenario whose results carry `latencyMs: { p50, p99 }`. */
function latency(report: Report, title: string): TopLevelSpec | undefined {
  const rows = Object.entries(report.scenarios).flatMap(([scenario, byVariant]) =>
    Object.entries(byVariant).flatMap(([variant, runs]) => {
      const results = runs.filter(isLatency);
      if (results.length === 0) return [];
      return (['p50', 'p99'] as const).map((percentile) => ({
        scenario,
        variant,
        percentile,
        ms: median(results.map((r) => r.latencyMs[percentile])),
      }));
    }),
  );
  if (rows.length === 0) return undefined;
  const columns = Math.min(new Set(rows.map((r) => r.scenario)).size, 4);
  return {
    title: {
      text: title,
      subtitle: `Median over ${report.runs} run(s), end to end (sender → server → receiver)`,
    },
    data: { values: rows },
    facet: { field: 'scenario', type: 'nominal', title: null, sort: null, header: { labelFontSize: 12 } },
    columns,
    spec: {
      // A fixed width with independent x scales squeezes layered bars to nothing; a step per bar does not.
      width: { step: 26 },
      height: 160,
      encoding: {
        x: { field: 'variant', type: 'nominal', title: 'server', sort: null, axis: { labelAngle: -30 } },
        xOffset: { field: 'percentile', type: 'nominal' },
        y: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
      },
      layer: [
        { mark: 'bar', encoding: { color: { field: 'percentile', type: 'nominal', title: 'percentile' } } },
        {
          mark: { type: 'text', dy: -5, fontSize: 9 },
          encoding: { text: { field: 'ms', type: 'quantitative', format: '.3~r' } },
        },
      ],
    },
    // Each scenario has its own servers (ours/peer, bare/peer, metrics on/off …).
    resolve: { scale: { x: 'independent' } },
  };
}

/** The connections scenario's RSS curve per server, with the idle scenario's before/after as extra points. */
function rss(report: Report, title: string): TopLevelSpec | undefined {
  const byVariant = report.scenarios.connections;
  if (!byVariant) return undefined;
  const curve = Object.entries(byVariant).flatMap(([variant, runs]) =>
    runs.flatMap((result) =>
      (result?.rssCurve ?? []).map((p: any) => ({
        variant,
        source: 'connections',
        x: p.connections,
        y: p.rssBytes / MiB,
      })),
    ),
  );
  const drawn = curve.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (drawn.length === 0) return undefined;
  const line = Object.keys(byVariant).flatMap((variant) =>
    medianLine(
      drawn.filter((p) => p.variant === variant),
      (p) => String(p.x),
    ),
  );
  // The idle scenario measures RSS before and after its crowd joined: two points per run.
  const idle = Object.entries(report.scenarios.idle ?? {})
    .flatMap(([variant, runs]) =>
      runs.flatMap((r) => [
        { variant, source: 'idle', x: 0, y: r?.rssBeforeBytes / MiB },
        { variant, source: 'idle', x: r?.connections, y: r?.rssAfterBytes / MiB },
      ]),
    )
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const x = { field: 'x', type: 'quantitative', title: 'connections' } as const;
  const y = { field: 'y', type: 'quantitative', title: 'server RSS (MiB)' } as const;
  const color = serverColor([...new Set([...drawn, ...idle].map((p) => p.variant))]);
  const shape = { field: 'source', type: 'nominal', title: 'scenario', sort: null } as const;
  return {
    title: {
      text: title,
      subtitle: `Median over ${report.runs} run(s)${idle.length ? "; the idle scenario's RSS before and after its crowd joined" : ''}`,
    },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      { data: { values: line }, mark: 'line', encoding: { x, y, color } },
      { data: { values: [...line, ...idle] }, mark: { type: 'point', filled: true }, encoding: { x, y, color, shape } },
    ],
  };
}

const CHARTS: ChartKind[] = [
  { file: 'saturation.svg', title: 'Saturation: latency p99 against deliveries/s', spec: saturation },
  { file: 'latency.svg', title: 'Latency p50 and p99 per scenario and server', spec: latency },
  { file: 'rss.svg', title: 'Server RSS against connections', spec: rss },
];

/** vega-lite's warnings, but for one the latency chart's facets always raise: its scales share one data source. */
const logger = {
  level: () => 0,
  warn(...args: unknown[]) {
    if (!String(args[0]).startsWith('Detected faceted independent scales')) console.warn('vega-lite:', ...args);
    return this;
  },
  error(...args: unknown[]): never {
    throw new Error(args.join(' '));
  },
  info() {
    return this;
  },
  debug() {
    return this;
  },
};

async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec, { logger }).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Writes into `dir` the charts whose data `report` holds and returns them; a
 * chart without data is removed from `dir`, so no stale picture stays behind.
 */
export async function writeCharts(report: Report, dir: string): Promise<Chart[]> {
  mkdirSync(dir, { recursive: true });
  const written: Chart[] = [];
  for (const { file, title, spec } of CHARTS) {
    const drawn = spec(report, title);
    if (drawn) {
      writeFileSync(join(dir, file), await toSvg(drawn));
      written.push({ file, title });
    } else rmSync(join(dir, file), { force: true });
  }
  return written;
}

/**
 * Writes the charts beside the report file `out` — `charts/` for RESULTS.md,
 * `<name>-charts/` for any other name, so smoke and /tmp runs never share a
 * directory — and returns each chart's path relative to `out`.
 */
export async function writeChartsBeside(report: Report, out: string): Promise<{ path: string; title: string }[]> {
  const name = basename(out).replace(/\.md$/, '');
  const dir = join(dirname(out), name === 'RESULTS' ? 'charts' : `${name}-charts`);
  const charts = await writeCharts(report, dir);
  return charts.map(({ file, title }) => ({ path: `${basename(dir)}/${file}`, title }));
}
