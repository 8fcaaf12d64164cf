// Latency accounting for the client: running sums for max|avg|min|stddev and a
// log-scale histogram for percentiles, stored in caller-provided typed arrays so that
// each thread can keep its own in shared memory and the main thread can merge them.

/** Histogram resolution: 8 buckets per power of two (about 9% wide), up to 2^40 ns. */
const PER_OCTAVE = 8;
export const HIST_BUCKETS = 40 * PER_OCTAVE;
export const SUM_WORDS = 5;
const COUNT = 0;
const SUM = 1;
const SUMSQ = 2;
const MIN = 3;
const MAX = 4;

export interface Summary {
  count: number;
  max: number;
  avg: number;
  min: number;
  stddev: number;
}

export class Latency {
  constructor(
    readonly sums: Float64Array = new Float64Array(SUM_WORDS),
    readonly hist: Uint32Array = new Uint32Array(HIST_BUCKETS),
  ) {
    if (sums[COUNT] === 0) {
      sums[MIN] = Number.POSITIVE_INFINITY;
      sums[MAX] = 0;
    }
  }

  record(ns: number): void {
    const s = this.sums;
    s[COUNT]++;
    s[SUM] += ns;
    s[SUMSQ] += ns * ns;
    if (ns < s[MIN]) s[MIN] = ns;
    if (ns > s[MAX]) s[MAX] = ns;
    const b = ns <= 1 ? 0 : Math.floor(Math.log2(ns) * PER_OCTAVE);
    this.hist[b < HIST_BUCKETS ? b : HIST_BUCKETS - 1]++;
  }

  add(other: Latency): void {
    const s = this.sums;
    const o = other.sums;
    s[COUNT] += o[COUNT];
    s[SUM] += o[SUM];
    s[SUMSQ] += o[SUMSQ];
    s[MIN] = Math.min(s[MIN], o[MIN]);
    s[MAX] = Math.max(s[MAX], o[MAX]);
    for (let i = 0; i < HIST_BUCKETS; i++) this.hist[i] += other.hist[i];
  }

  summary(): Summary {
    const s = this.sums;
    const n = s[COUNT];
    if (n === 0) return { count: 0, max: 0, avg: 0, min: 0, stddev: 0 };
    const avg = s[SUM] / n;
    return { count: n, max: s[MAX], avg, min: s[MIN], stddev: Math.sqrt(Math.max(0, s[SUMSQ] / n - avg * avg)) };
  }
}

/** The p-th percentile (0..100) of a histogram in the layout above, to its resolution (merged histograms from files too). */
export function percentileOf(hist: ArrayLike<number>, p: number): number {
  let total = 0;
  for (let i = 0; i < hist.length; i++) total += hist[i];
  if (total === 0) return 0;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i];
    if (seen >= rank) return 2 ** ((i + 0.5) / PER_OCTAVE); // bucket midpoint (geometric)
  }
  return 2 ** (hist.length / PER_OCTAVE);
}

/** The client's one output line: max|avg|min|stddev|rps (nanoseconds; requests per second). */
export function resultLine(s: Summary, rps: number): string {
  const r = (x: number): string => String(Math.round(x));
  return `${r(s.max)}|${r(s.avg)}|${r(s.min)}|${r(s.stddev)}|${rps.toFixed(1)}`;
}
