// The latency histogram behind --stats' p50 and p99: within its bucket width (9%) of
// the true percentiles, never above the maximum, exact count and mean.
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../vmm/latency-histogram.js';

describe('LatencyHistogram', () => {
  it('gives p50 and p99 within 9% of the true values, and the exact count, mean and maximum', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.record(i * 100); // 100 ns .. 1 ms, uniform
    const s = h.summary();
    expect(s.count).toBe(10_000);
    expect(s.meanUs).toBeCloseTo(500.05, 1);
    expect(s.maxUs).toBe(1000);
    expect(s.p50Us / 500).toBeGreaterThanOrEqual(1);
    expect(s.p50Us / 500).toBeLessThan(1.09);
    expect(s.p99Us / 990).toBeGreaterThanOrEqual(1);
    expect(s.p99Us).toBeLessThanOrEqual(s.maxUs);
  });

  it('is all zeros when empty', () => {
    expect(new LatencyHistogram().summary()).toEqual({ count: 0, meanUs: 0, p50Us: 0, p99Us: 0, maxUs: 0 });
  });
});
