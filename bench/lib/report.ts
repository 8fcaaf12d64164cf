// How benchmarks show results: a plain-text table on stdout, progress on stderr,
// and an SVG bar chart in bench/results/ for people who would rather look than read.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../vmm/paths.js';

export const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench', 'results');

export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

export interface Bar {
  label: string;
  value: number;
  note?: string;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Writes a horizontal bar chart; returns its path. */
export function writeBarChart(file: string, title: string, unit: string, bars: Bar[]): string {
  const rowHeight = 28,
    left = 260,
    width = 820,
    top = 48;
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const plot = width - left - 140;
  const rows = bars.map((b, i) => {
    const y = top + i * rowHeight;
    const w = Math.max(1, (b.value / max) * plot);
    const value = `${b.value < 10 ? b.value.toFixed(2) : Math.round(b.value).toLocaleString('en-US')} ${unit}${b.note ? ` (${b.note})` : ''}`;
    return (
      `<text x="${left - 8}" y="${y + 17}" text-anchor="end">${escapeXml(b.label)}</text>` +
      `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="#4a78b5"/>` +
      `<text x="${left + w + 6}" y="${y + 17}">${escapeXml(value)}</text>`
    );
  });
  const height = top + bars.length * rowHeight + 16;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">` +
    `<rect width="100%" height="100%" fill="white"/><text x="12" y="26" font-size="16" font-weight="bold">${escapeXml(title)}</text>` +
    rows.join('') +
    '</svg>\n';
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, svg);
  return file;
}
