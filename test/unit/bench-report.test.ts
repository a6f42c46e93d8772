import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median } from '../../bench/lib/stats.js';
import { type Report, renderReport } from '../../bench/report.js';

/** One server's fan-out figures in one run, with its CPU per delivery. */
const fanout = (serverCpuMicrosPerDelivery: number) => ({
  latencyMs: { p50: 2, p99: 8, max: 20 },
  deliveredRatio: 1,
  deliveriesPerSec: 41_800,
  serverCpuMicrosPerDelivery,
});

/** The `nodes` scenario, one [two nodes, one node] CPU per delivery per run. */
const reportOf = (runs: [number, number][]): Report => ({
  date: '2026-12-07T00:00:00.000Z',
  quick: false,
  runs: runs.length,
  machine: {},
  scenarios: {
    nodes: {
      'two nodes': runs.map(([two]) => fanout(two)),
      'one node': runs.map(([, one]) => fanout(one)),
    },
  },
});

const cpuRow = (report: Report) =>
  renderReport(report, median)
    .split('\n')
    .find((line) => line.startsWith('| server CPU µs per delivery (all nodes) |'));

describe('bench report', () => {
  it("divides each run by its own floor: the ratio is the median of the runs' ratios, not of the medians", () => {
    // The machine drifts between runs: the medians 12 and 9 come from different runs and would give 1.33.
    const row = cpuRow(
      reportOf([
        [10, 9],
        [14, 12],
        [12, 8],
      ]),
    );
    assert.equal(
      row,
      '| server CPU µs per delivery (all nodes) | 12.00 | 9.00 | 1.17 | ≤ 1.2× one node | yes (2 of 3) |',
    );
  });

  it('judges a target run by run: met when more than half the runs meet it', () => {
    const row = cpuRow(
      reportOf([
        [11, 10],
        [13, 10],
        [11.5, 10],
      ]),
    );
    assert.equal(
      row,
      '| server CPU µs per delivery (all nodes) | 11.50 | 10.00 | 1.15 | ≤ 1.2× one node | yes (2 of 3) |',
    );
    const half = cpuRow(
      reportOf([
        [11, 10],
        [13, 10],
      ]),
    );
    assert.ok(half?.endsWith('| ≤ 1.2× one node | **no** (1 of 2) |'), half);
  });

  it('says only yes or no for a single run', () => {
    assert.ok(cpuRow(reportOf([[11, 10]]))?.endsWith('| 1.10 | ≤ 1.2× one node | yes |'));
  });
});
