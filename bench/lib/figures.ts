// A benchmark's results as data: every figure with the samples it was measured from,
// so that a chart can show the spread and a JSON file can keep every round.
import { median, percentile } from '@unikv/bench-kit/stats';

export type Better = 'lower' | 'higher';

/** One measured quantity: its samples, one per round. */
export interface Figure {
  name: string;
  unit: string;
  better: Better;
  samples: number[];
}

/** What one benchmark hands back: a title, its figures, and notes for the chart's reader. */
export interface BenchReport {
  /** The benchmark's name (`npm run bench -- NAME`); also the chart's file name. */
  name: string;
  title: string;
  figures: Figure[];
}

export interface FigureSummary {
  rounds: number;
  median: number;
  min: number;
  max: number;
  p90: number;
}

export function figure(name: string, unit: string, better: Better, samples: number[]): Figure {
  return { name, unit, better, samples: [...samples] };
}

export function summarize(f: Figure): FigureSummary {
  return {
    rounds: f.samples.length,
    median: median(f.samples),
    min: Math.min(...f.samples),
    max: Math.max(...f.samples),
    p90: percentile(f.samples, 90),
  };
}
