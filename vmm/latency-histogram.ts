// A latency histogram in constant memory: logarithmic buckets, eight to each doubling
// (so a percentile is within 9% of the true value), with exact count, sum and maximum.
// For --stats: hypercall handling times and the key-value path's round trip.

const PER_DOUBLING = 8;
const BUCKETS = 64 * PER_DOUBLING;

export interface LatencySummary {
  count: number;
  /** Microseconds. */
  meanUs: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

export class LatencyHistogram {
  private readonly buckets = new Float64Array(BUCKETS);
  count = 0;
  private sumNs = 0;
  private maxNs = 0;

  record(ns: number): void {
    const value = Math.max(1, ns);
    const index = Math.min(BUCKETS - 1, Math.floor(Math.log2(value) * PER_DOUBLING));
    this.buckets[index]++;
    this.count++;
    this.sumNs += value;
    if (value > this.maxNs) this.maxNs = value;
  }

  /** Nanoseconds at quantile q (0..1): the upper edge of the bucket holding it, at most the maximum. */
  quantileNs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.buckets[i];
      if (seen >= rank) return Math.min(this.maxNs, 2 ** ((i + 1) / PER_DOUBLING));
    }
    return this.maxNs;
  }

  /** Total nanoseconds recorded. */
  get totalNs(): number {
    return this.sumNs;
  }

  summary(): LatencySummary {
    const us = (ns: number) => Math.round(ns / 10) / 100;
    return {
      count: this.count,
      meanUs: us(this.count === 0 ? 0 : this.sumNs / this.count),
      p50Us: us(this.quantileNs(0.5)),
      p99Us: us(this.quantileNs(0.99)),
      maxUs: us(this.maxNs),
    };
  }
}
