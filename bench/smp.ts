// The SMP issue's benchmarks: thread create+join rate, futex ping-pong on 1 and 2
// vCPUs, the cost of a context switch, and guest compute speed with 1 vCPU against
// 1 busy + 3 idle vCPUs (the idle ones must cost almost nothing). Median of 3 runs
// (--rounds N).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GUEST_BIN_DIR, VMM_NODE_ARGS } from '../vmm/paths.js';
import { median } from '@unikv/bench-kit/stats';
import { type BenchOptions, type Benchmark, runCommandLine } from './lib/cli.js';
import { type BenchReport, figure } from './lib/figures.js';
import { printTable, progress } from './lib/report.js';

const BIN = path.join(GUEST_BIN_DIR, 'bench', 'smpbench.elf');

/** The samples of `field` from `rounds` runs of smpbench TEST N on `cpus` vCPUs. */
function measure(rounds: number, cpus: number, test: string, n: number, field: string): number[] {
  const runs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const r = spawnSync(process.execPath, [...VMM_NODE_ARGS, BIN, '--cpus', String(cpus), '--', test, String(n)], { encoding: 'utf8' });
    const m = new RegExp(`${field}=([0-9.]+)`).exec(r.stdout);
    if (r.status !== 0 || !m) throw new Error(`smpbench ${test} on ${cpus} vCPUs failed: ${r.stderr}`);
    runs.push(Number(m[1]));
  }
  return runs;
}

export async function benchSmp(options: BenchOptions = {}): Promise<BenchReport> {
  const rounds = options.rounds ?? 3;
  progress('threads: create+join');
  const createRuns = measure(rounds, 1, 'create', 300, 'per_s');
  progress('threads: futex ping-pong on 1 and 2 vCPUs');
  const ping1Runs = measure(rounds, 1, 'pingpong', 2000, 'us_per_round_trip');
  const ping2Runs = measure(rounds, 2, 'pingpong', 2000, 'us_per_round_trip');
  progress('threads: context switch (sched_yield between two threads)');
  const yieldRuns = measure(rounds, 1, 'yield', 2000, 'us_per_switch');
  progress('threads: compute with 1 vCPU, then with 3 idle vCPUs beside it');
  const compute1Runs = measure(rounds, 1, 'compute', 6000, 'minstr_per_s');
  const compute4Runs = measure(rounds, 4, 'compute', 6000, 'minstr_per_s');
  const [create, ping1, ping2, yieldUs, compute1, compute4] = [createRuns, ping1Runs, ping2Runs, yieldRuns, compute1Runs, compute4Runs].map(median);
  const idleCost = (1 - compute4 / compute1) * 100;
  printTable(
    `SMP issue: threads (median of ${rounds} runs)`,
    ['measure', 'value', 'goal'],
    [
      ['thread create+join', `${create.toFixed(0)} per s`, ''],
      ['futex ping-pong, 1 vCPU', `${ping1.toFixed(1)} us per round trip`, ''],
      ['futex ping-pong, 2 vCPUs', `${ping2.toFixed(1)} us per round trip`, ''],
      ['context switch (sched_yield)', `${yieldUs.toFixed(1)} us`, ''],
      ['guest compute, 1 vCPU', `${compute1.toFixed(0)} M instr/s`, ''],
      ['guest compute, 1 busy + 3 idle vCPUs', `${compute4.toFixed(0)} M instr/s`, ''],
      ['  cost of the idle vCPUs', `${idleCost.toFixed(1)} %`, 'within 5 %'],
    ],
  );
  return {
    name: 'smp',
    title: 'Threads: synchronisation, switching, thread creation and idle vCPUs',
    figures: [
      figure('futex ping-pong, 1 vCPU (round trip)', 'us', 'lower', ping1Runs),
      figure('futex ping-pong, 2 vCPUs (round trip)', 'us', 'lower', ping2Runs),
      figure('context switch (sched_yield)', 'us', 'lower', yieldRuns),
      figure('thread create+join', 'per s', 'higher', createRuns),
      figure('guest compute, 1 vCPU', 'M instr/s', 'higher', compute1Runs),
      figure('guest compute, 1 busy + 3 idle vCPUs', 'M instr/s', 'higher', compute4Runs),
    ],
  };
}

export const smpBenchmark: Benchmark = {
  name: 'smp',
  summary: 'threads: create+join, futex ping-pong, switch, idle vCPUs',
  defaultRounds: '3 rounds',
  run: benchSmp,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCommandLine([smpBenchmark], process.argv.slice(2), 'node dist/bench/smp.js');
