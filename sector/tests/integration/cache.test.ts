// The service's cache: CLOCK replacement, and a size that never exceeds 1% of the image.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cacheCapacity, ClockCache } from '../../src/cache.js';
import { ensureBuilt, type Sandbox, sandbox } from '../helpers.js';

function sector(n: number): Uint8Array {
  return new Uint8Array(512).fill(n & 0xff);
}

describe('the CLOCK cache', () => {
  it('is sized to 1% of the image, rounded down to whole sectors', () => {
    expect(cacheCapacity(16 * 2 ** 20)).toBe(327); // 167,772 bytes allowed -> 327 sectors
    expect(cacheCapacity(500 * 2 ** 20)).toBe(10240);
    expect(cacheCapacity(512 * 99)).toBe(0); // too small to cache anything
  });

  it('returns what was stored, and never holds more than its capacity', () => {
    const cache = new ClockCache(10);
    const out = new Uint8Array(512);
    for (let s = 0; s < 1000; s++) {
      cache.insert(s, sector(s), 0);
      expect(cache.entries).toBeLessThanOrEqual(10);
      expect(cache.bytesUsed).toBeLessThanOrEqual(cache.limitBytes);
    }
    expect(cache.limitBytes).toBe(5120);
    expect(cache.lookup(999, out, 0)).toBe(true);
    expect(out).toEqual(sector(999));
    expect(cache.lookup(0, out, 0)).toBe(false);
    expect(cache.hits).toBe(1);
    expect(cache.misses).toBe(1);
  });

  it('gives recently read sectors a second chance', () => {
    const cache = new ClockCache(3);
    const out = new Uint8Array(512);
    for (const s of [1, 2, 3]) cache.insert(s, sector(s), 0);
    expect(cache.lookup(1, out, 0)).toBe(true); // 1 is referenced
    cache.insert(4, sector(4), 0); // evicts 2 (1 gets its second chance)
    expect(cache.lookup(1, out, 0)).toBe(true);
    expect(cache.lookup(2, out, 0)).toBe(false);
    expect(cache.lookup(3, out, 0)).toBe(true);
    expect(cache.lookup(4, out, 0)).toBe(true);
  });

  it('caches nothing when it has no room', () => {
    const cache = new ClockCache(0);
    cache.insert(1, sector(1), 0);
    expect(cache.entries).toBe(0);
    expect(cache.lookup(1, new Uint8Array(512), 0)).toBe(false);
  });
});

describe('the cache in the service', () => {
  let box: Sandbox;
  beforeAll(() => ensureBuilt());
  afterEach(() => box?.cleanup());

  it('stays within 1% of the image however much is read', () => {
    box = sandbox(1); // 2048 sectors: the cache may hold 20 of them (10,240 bytes)
    expect(box.run('service', ['start']).status).toBe(0);
    const r = box.run('client', ['4', '6000']); // every sector read about three times
    expect(r.status, r.stderr).toBe(0);
    const stop = box.run('service', ['stop']).stdout;
    const m = /cache hit ratio: ([\d.]+)% \((\d+) hits of (\d+) reads; cache peak (\d+) bytes, limit (\d+) bytes\)/.exec(stop);
    expect(m, stop).not.toBeNull();
    const [ratio, hits, reads, peak, limit] = m!.slice(1).map(Number);
    expect(reads).toBe(6000);
    expect(limit).toBe(10240);
    expect(limit).toBeLessThanOrEqual(0.01 * 2 ** 20);
    expect(peak).toBeLessThanOrEqual(limit);
    expect(peak).toBe(limit); // it did fill up
    expect(hits).toBeGreaterThan(0);
    expect(ratio).toBeLessThan(5); // uniform reads over 100x the cache: about 1%
  });
});
