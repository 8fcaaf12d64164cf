// Where benchmark results go: per benchmark a chart (NAME.svg) and its figures
// (NAME.json) in the output directory (bench-out/ by default, ignored by git), and,
// with --json FILE, every benchmark of the run in one file.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../vmm/paths.js';
import { writeChart } from './chart.js';
import { type BenchReport, summarize } from './figures.js';
import type { Provenance } from './provenance.js';

export const DEFAULT_OUT_DIR = path.join(PROJECT_ROOT, 'bench-out');

/** A report as JSON: each figure with its samples, median, spread (min, max) and p90. */
export function reportJson(report: BenchReport) {
  return {
    name: report.name,
    title: report.title,
    figures: report.figures.map((f) => ({ name: f.name, unit: f.unit, better: f.better, ...summarize(f), samples: f.samples })),
  };
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes one report's chart and JSON into outDir; returns the files written. */
export function saveReport(outDir: string, report: BenchReport, from: Provenance): string[] {
  const chart = writeChart(path.join(outDir, `${report.name}.svg`), report, from);
  const json = path.join(outDir, `${report.name}.json`);
  writeJson(json, { provenance: from, ...reportJson(report) });
  return [chart, json];
}

/** Writes every report of the run so far into one JSON file. */
export function saveRun(file: string, reports: BenchReport[], from: Provenance): void {
  writeJson(file, { provenance: from, benchmarks: reports.map(reportJson) });
}
