import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeCharts, writeChartsBeside } from '../../bench/charts.js';
import { median } from '../../bench/lib/stats.js';
import { NOTES_MARKER, type Report, renderReport, withKeptNotes } from '../../bench/report.js';

const MiB = 2 ** 20;
const latency = (p50: number, p99: number) => ({ latencyMs: { p50, p99, max: p99 * 2 } });
const step = (rate: number, deliveriesPerSec: number, p99: number) => ({
  rate,
  deliveriesPerSec,
  deliveredRatio: 1,
  ...latency(p99 / 3, p99),
});

const base = (scenarios: Report['scenarios']): Report => ({
  date: '2026-12-04T00:00:00.000Z',
  quick: true,
  runs: 2,
  machine: {},
  scenarios,
});

const full = base({
  fanout: { ours: [latency(1.2, 4), latency(1.4, 5)], peer: [latency(1.5, 6), latency(1.7, 7)] },
  // A scenario the charts have never heard of, with a result lacking latencyMs beside one that has it.
  'new-scenario': { alpha: [latency(2, 9)], beta: [{ somethingElse: 1 }] },
  // Latencies keyed by page, not { p50, p99 }: no bars for it.
  channels: { '10': [{ latencyMs: { first: { p50: 1, p99: 2 } } }] },
  saturation: {
    ours: [
      { bestDeliveriesPerSec: 62700, steps: [step(200, 41800, 4), step(300, 62700, 8)] },
      { bestDeliveriesPerSec: 62700, steps: [step(200, 41800, 5), step(300, 62700, 9)] },
    ],
    peer: [{ bestDeliveriesPerSec: 41800, steps: [step(200, 41800, 6), step(300, 50000, 150)] }],
  },
  connections: {
    ours: [{ rssCurve: [0, 1000, 2000].map((n) => ({ connections: n, rssBytes: (60 + n / 100) * MiB })) }],
    bare: [{ rssCurve: [0, 1000, 2000].map((n) => ({ connections: n, rssBytes: (40 + n / 200) * MiB })) }],
  },
  idle: { ours: [{ connections: 2000, rssBeforeBytes: 61 * MiB, rssAfterBytes: 80 * MiB }] },
});

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'wschat-bench-charts-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An SVG that is one well-formed <svg> element and refers to nothing outside itself. */
function assertStandaloneSvg(svg: string): void {
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\s*$/);
  assert.equal(svg.split('<svg').length, 2);
  assert.doesNotMatch(svg, /href=/);
  assert.doesNotMatch(svg, /@import/);
  assert.doesNotMatch(svg, /url\((?!#)/);
}

describe('bench charts', () => {
  it('writes the saturation, latency and RSS charts of a report that holds their data', async () => {
    const dir = tempDir();
    const charts = await writeCharts(full, join(dir, 'charts'));
    assert.deepEqual(charts, [
      { file: 'saturation.svg', title: 'Saturation: latency p99 against deliveries/s' },
      { file: 'latency.svg', title: 'Latency p50 and p99 per scenario and server' },
      { file: 'rss.svg', title: 'Server RSS against connections' },
    ]);
    assert.deepEqual(readdirSync(join(dir, 'charts')).sort(), ['latency.svg', 'rss.svg', 'saturation.svg']);
    const svg = (file: string) => readFileSync(join(dir, 'charts', file), 'utf8');
    for (const { file } of charts) assertStandaloneSvg(svg(file));

    const saturation = svg('saturation.svg');
    for (const text of ['deliveries/s', 'latency p99 (ms, log scale)', 'server', '>ours<', '>peer<']) {
      assert.ok(saturation.includes(text), `saturation.svg shows ${text}`);
    }
    const latencies = svg('latency.svg');
    for (const text of [
      'latency (ms)',
      '>fanout<',
      '>new-scenario<',
      '>ours<',
      '>peer<',
      '>alpha<',
      '>p50<',
      '>p99<',
    ]) {
      assert.ok(latencies.includes(text), `latency.svg shows ${text}`);
    }
    assert.ok(!latencies.includes('>beta<'), 'a result without latencyMs draws no bar');
    assert.ok(!latencies.includes('>channels<'), 'latencies keyed by page draw no facet');
    const rss = svg('rss.svg');
    for (const text of ['connections', 'server RSS (MiB)', '>ours<', '>bare<', '>scenario<', '>idle<']) {
      assert.ok(rss.includes(text), `rss.svg shows ${text}`);
    }
  });

  it('writes no saturation or RSS chart for a report without those scenarios, and removes stale ones', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'saturation.svg'), '<svg></svg>');
    writeFileSync(join(dir, 'rss.svg'), '<svg></svg>');
    const onlyFanout = base({ fanout: full.scenarios.fanout!, idle: full.scenarios.idle! });
    assert.deepEqual(await writeCharts(onlyFanout, dir), [
      { file: 'latency.svg', title: 'Latency p50 and p99 per scenario and server' },
    ]);
    assert.deepEqual(readdirSync(dir), ['latency.svg']);
  });

  it('writes no chart at all for a report without latencies, saturation steps or an RSS curve', async () => {
    const dir = tempDir();
    const report = base({ storm: { ours: [{ signInsPerSec: 10 }] }, saturation: { ours: [{ steps: [] }] } });
    assert.deepEqual(await writeCharts(report, dir), []);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('puts the charts of RESULTS.md in charts/ and those of any other report in <name>-charts/', async () => {
    const dir = tempDir();
    const onlyFanout = base({ fanout: full.scenarios.fanout! });
    const title = 'Latency p50 and p99 per scenario and server';
    assert.deepEqual(await writeChartsBeside(onlyFanout, join(dir, 'RESULTS.md')), [
      { path: 'charts/latency.svg', title },
    ]);
    assert.deepEqual(await writeChartsBeside(onlyFanout, join(dir, 'smoke.md')), [
      { path: 'smoke-charts/latency.svg', title },
    ]);
    assert.deepEqual(readdirSync(dir).sort(), ['charts', 'smoke-charts']);
  });

  it('embeds the charts in a Charts section of the report, above the scenarios and the kept notes', () => {
    const charts = [{ path: 'charts/latency.svg', title: 'Latency p50 and p99 per scenario and server' }];
    const previous = `old\n${NOTES_MARKER}\nhand-written\n`;
    const text = withKeptNotes(renderReport(base({ fanout: full.scenarios.fanout! }), median, charts), previous);
    const at = (line: string) => text.indexOf(line);
    assert.ok(at('## Charts\n\n![Latency p50 and p99 per scenario and server](charts/latency.svg)\n') > 0);
    assert.ok(at('## Charts') < at('## fanout'));
    assert.ok(at('## fanout') < at(NOTES_MARKER));
    assert.ok(text.endsWith(`${NOTES_MARKER}\nhand-written\n`));
    assert.equal(renderReport(base({}), median).includes('## Charts'), false);
  });
});
