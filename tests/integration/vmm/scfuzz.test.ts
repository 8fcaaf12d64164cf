// A short, bounded run of both fuzzers with fixed seeds, as `npm run fuzz` runs them
// (bench/lib/fuzz/run.ts): random system calls (guest-src/app/tests/scfuzz.c), on one
// thread and on three threads over two vCPUs, and random hypercalls (hcfuzz.c). No
// seed may crash the VMM, hang, change the kernel's text, tables or page tables, or
// fault the fuzzer; a failure names the seed and the command that replays it.
import { describe, expect, it } from 'vitest';
import { runFuzz, type FuzzSummary } from '../../../bench/lib/fuzz/run.js';

const EFAULT = 14;
const ENOSYS = 38;

function failuresOf(summary: FuzzSummary): string {
  return summary.failures.map((f) => `${f.fuzzer} seed ${f.seed}: ${f.end}: ${f.detail}; last ${f.lastCalls.join(' / ')}; replay: ${f.replay}`).join('\n');
}

describe('npm run fuzz, bounded', () => {
  it('random system calls and hypercalls leave the kernel and the VMM standing (fixed seeds)', async () => {
    const summary = await runFuzz({
      fuzzers: ['syscalls', 'hypercalls'],
      seed: 1,
      seeds: 2,
      calls: { syscalls: 15_000, hypercalls: 3_000 },
      threads: 1,
      cpus: 1,
    });
    expect(summary.failures, failuresOf(summary)).toEqual([]);
    const sys = summary.totals.syscalls;
    expect(sys.ends.finished).toBe(2);
    expect(sys.calls).toBeGreaterThan(28_000);
    // Pointers from the pool reach the checks, and numbers the kernel lacks are named.
    expect(sys.errnos.get(EFAULT)).toBeGreaterThan(100);
    expect(sys.errnos.get(ENOSYS)).toBeGreaterThan(100);
    expect(sys.ok).toBeGreaterThan(1_000);
    expect(summary.totals.hypercalls.ends.finished).toBe(2);
    expect(summary.totals.hypercalls.calls).toBeGreaterThan(5_000);
  });

  it('three threads calling at once on two vCPUs leave them standing too', async () => {
    const summary = await runFuzz({
      fuzzers: ['syscalls'],
      seed: 7,
      seeds: 1,
      calls: { syscalls: 5_000, hypercalls: 0 },
      threads: 3,
      cpus: 2,
    });
    expect(summary.failures, failuresOf(summary)).toEqual([]);
    expect(summary.totals.syscalls.ends.finished).toBe(1);
    expect(summary.totals.syscalls.calls).toBeGreaterThan(14_000);
  });

  it('reports a changed kernel with the seed, the last call and the command that replays it', async () => {
    const summary = await runFuzz({
      fuzzers: ['syscalls'],
      seed: 3,
      seeds: 1,
      calls: { syscalls: 1_000, hypercalls: 0 },
      threads: 1,
      cpus: 1,
      corruptKernel: true,
    });
    expect(summary.totals.syscalls.ends['kernel-corruption']).toBe(1);
    expect(summary.failures).toHaveLength(1);
    const [failure] = summary.failures;
    expect(failure).toMatchObject({ fuzzer: 'syscalls', seed: 3, end: 'kernel-corruption' });
    expect(failure.detail).toMatch(/^CORRUPT kernel text or read-only data at 0x[0-9a-f]+ changed after call 100 /);
    expect(failure.lastCalls).toEqual([expect.stringMatching(/^call 0 100 \d+ /)]);
    expect(failure.replay).toBe('npm run fuzz -- --seed 3 --seeds 1 --calls 1000 --threads 1 --cpus 1 syscalls');
  });
});
