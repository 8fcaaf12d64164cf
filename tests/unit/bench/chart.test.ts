// The benchmark charts (bench/lib/chart.ts): values that differ by orders of magnitude
// get a logarithmic axis, different units never share a panel, every figure shows its
// spread, and every chart says when, where and from how many rounds it was made.
import { describe, expect, it } from 'vitest';
import { axisFor, renderChart } from '../../../bench/lib/chart.js';
import { figure } from '../../../bench/lib/figures.js';
import type { Provenance } from '../../../bench/lib/provenance.js';

const from: Provenance = { date: '2026-12-07T03:00:00Z', cpu: 'Example CPU 3000', cores: 2, commit: 'abc1234', node: 'v20.20.2' };

describe('benchmark charts', () => {
  it('uses a linear axis from 0 for close values and a log axis for wide ones', () => {
    expect(axisFor([40, 55, 70])).toMatchObject({ log: false, lo: 0 });
    expect(axisFor([400, 120_000])).toMatchObject({ log: true, lo: 100, hi: 1_000_000, ticks: [100, 1000, 10_000, 100_000, 1_000_000] });
  });

  it('draws one panel per unit, whiskers for repeated figures, and the provenance line', () => {
    const svg = renderChart(
      {
        name: 'boot',
        title: 'Exits & start-up',
        figures: [
          figure('guest getpid', 'ns', 'lower', [700, 720, 810]),
          figure('native getpid', 'ns', 'lower', [90]),
          figure('start-up', 'ms', 'lower', [150, 160, 170]),
          figure('RGW', 'ops/s', 'higher', [400, 420, 430]),
          figure('memory', 'ops/s', 'higher', [100_000, 110_000, 120_000]),
        ],
      },
      from,
    );
    expect(svg).toContain('Exits &amp; start-up');
    expect(svg).toContain('ns, lower is better');
    expect(svg).toContain('ms, lower is better<');
    expect(svg).toContain('ops/s, higher is better (logarithmic scale)');
    expect(svg).not.toContain('x1000');
    expect(svg.match(/<path d="M/g)).toHaveLength(4);
    expect(svg).toContain('700-810, 3 rounds');
    expect(svg).toContain('2026-12-07 03:00 UTC · Example CPU 3000 (2 cores) · commit abc1234 · Node v20.20.2 · 1-3 rounds');
  });
});
