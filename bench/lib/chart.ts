// A benchmark's figures as an SVG chart: one panel per unit (milliseconds and
// nanoseconds never share an axis), a bar at each figure's median with a whisker from
// its smallest to its largest sample, a logarithmic axis where a panel's values span
// more than WIDE_RANGE, and a provenance line (date, host CPU, commit, rounds).
import fs from 'node:fs';
import path from 'node:path';
import { type BenchReport, type Figure, summarize } from './figures.js';
import { type Provenance, provenanceLine } from './provenance.js';

/** A panel whose largest value is this many times its smallest is drawn on a log scale. */
export const WIDE_RANGE = 30;

const WIDTH = 1000;
const LABEL_RIGHT = 300;
const PLOT_LEFT = 310;
const PLOT_RIGHT = 660;
const ROW = 26;

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a !== 0 && a < 10) return v.toPrecision(3);
  if (a < 100) return v.toFixed(1);
  return Math.round(v).toLocaleString('en-US');
}

interface Axis {
  log: boolean;
  lo: number;
  hi: number;
  ticks: number[];
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((c) => c >= v) ?? 10 * p;
}

/** The panel's axis: log10 between whole powers of ten when values span WIDE_RANGE, else linear from 0. */
export function axisFor(values: number[]): Axis {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const max = Math.max(...positive, 1e-9);
  const min = Math.min(...positive, max);
  if (max / min > WIDE_RANGE) {
    const [first, last] = [Math.floor(Math.log10(min)), Math.ceil(Math.log10(max))];
    const ticks = Array.from({ length: last - first + 1 }, (_, i) => 10 ** (first + i));
    return { log: true, lo: ticks[0], hi: ticks[ticks.length - 1], ticks };
  }
  const hi = niceCeil(max);
  return { log: false, lo: 0, hi, ticks: [0, 0.25, 0.5, 0.75, 1].map((f) => f * hi) };
}

function xOf(axis: Axis, v: number): number {
  const f = axis.log ? (Math.log10(Math.max(v, axis.lo)) - Math.log10(axis.lo)) / (Math.log10(axis.hi) - Math.log10(axis.lo)) : v / axis.hi;
  return PLOT_LEFT + Math.max(0, Math.min(1, f)) * (PLOT_RIGHT - PLOT_LEFT);
}

/** Figures grouped by unit and direction, in first-seen order. */
function panels(figures: Figure[]): Figure[][] {
  const groups = new Map<string, Figure[]>();
  for (const f of figures) {
    const key = `${f.unit}\0${f.better}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()];
}

export function renderChart(report: BenchReport, from: Provenance): string {
  const parts: string[] = [];
  let y = 34;
  parts.push(`<text x="12" y="${y - 10}" font-size="16" font-weight="bold">${escapeXml(report.title)}</text>`);
  for (const group of panels(report.figures)) {
    const stats = group.map(summarize);
    const axis = axisFor(stats.flatMap((s) => [s.min, s.max, s.median]));
    const { unit, better } = group[0];
    y += 14;
    parts.push(`<text x="12" y="${y}" font-weight="bold">${escapeXml(unit)}, ${better} is better${axis.log ? ' (logarithmic scale)' : ''}</text>`);
    y += 8;
    const top = y;
    const bottom = y + group.length * ROW;
    for (const t of axis.ticks) {
      const x = xOf(axis, t).toFixed(1);
      parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#ddd"/>`);
      parts.push(
        `<text x="${x}" y="${bottom + 13}" text-anchor="middle" font-size="11" fill="#555">${Number.isInteger(t) ? t.toLocaleString('en-US') : formatValue(t)}</text>`,
      );
    }
    group.forEach((f, i) => {
      const s = stats[i];
      const mid = top + i * ROW + ROW / 2;
      const x0 = xOf(axis, axis.lo);
      const xm = xOf(axis, s.median);
      const range = s.rounds > 1 ? ` (${formatValue(s.min)}-${formatValue(s.max)}, ${s.rounds} rounds)` : ' (1 round)';
      parts.push(`<text x="${LABEL_RIGHT}" y="${mid + 4}" text-anchor="end">${escapeXml(f.name)}</text>`);
      parts.push(`<rect x="${x0.toFixed(1)}" y="${mid - 7}" width="${Math.max(1, xm - x0).toFixed(1)}" height="14" fill="#4a78b5"/>`);
      if (s.rounds > 1) {
        const [a, b] = [xOf(axis, s.min).toFixed(1), xOf(axis, s.max).toFixed(1)];
        parts.push(`<path d="M${a} ${mid}H${b}M${a} ${mid - 5}V${mid + 5}M${b} ${mid - 5}V${mid + 5}" stroke="#222" stroke-width="1.5" fill="none"/>`);
      }
      parts.push(`<text x="${PLOT_RIGHT + 10}" y="${mid + 4}">${escapeXml(`${formatValue(s.median)} ${unit}${range}`)}</text>`);
    });
    y = bottom + 26;
  }
  parts.push(
    `<text x="12" y="${y + 4}" font-size="11" fill="#555">${escapeXml(`median bar, min-max whisker · ${provenanceLine(from, report.figures)}`)}</text>`,
  );
  const height = y + 16;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="13">` +
    `<rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`
  );
}

/** Writes the report's chart to file; returns the path. */
export function writeChart(file: string, report: BenchReport, from: Provenance): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, renderChart(report, from));
  return file;
}
