// The SMP issue's benchmarks: thread create+join rate, futex ping-pong on 1 and 2
// vCPUs, the cost of a context switch, and guest compute speed with 1 vCPU against
// 1 busy + 3 idle vCPUs (the idle ones must cost almost nothing). Median of 3 runs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GUEST_BIN_DIR, PROJECT_ROOT, VMM_NODE_ARGS } from '../vmm/paths.js';
import { median } from '@unikv/bench-kit/stats';
import { printTable, progress, writeBarChart, RESULTS_DIR } from './lib/report.js';

const BIN = path.join(GUEST_BIN_DIR, 'bench', 'smpbench.elf');

function measure(cpus: number, test: string, n: number, field: string): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, [...VMM_NODE_ARGS, BIN, '--cpus', String(cpus), '--', test, String(n)], { encoding: 'utf8' });
    const m = new RegExp(`${field}=([0-9.]+)`).exec(r.stdout);
    if (r.status !== 0 || !m) throw new Error(`smpbench ${test} on ${cpus} vCPUs failed: ${r.stderr}`);
    runs.push(Number(m[1]));
  }
  return median(runs);
}

export async function benchSmp(): Promise<void> {
  progress('threads: create+join');
  const create = measure(1, 'create', 300, 'per_s');
  progress('threads: futex ping-pong on 1 and 2 vCPUs');
  const ping1 = measure(1, 'pingpong', 2000, 'us_per_round_trip');
  const ping2 = measure(2, 'pingpong', 2000, 'us_per_round_trip');
  progress('threads: context switch (sched_yield between two threads)');
  const yieldUs = measure(1, 'yield', 2000, 'us_per_switch');
  progress('threads: compute with 1 vCPU, then with 3 idle vCPUs beside it');
  const compute1 = measure(1, 'compute', 6000, 'minstr_per_s');
  const compute4 = measure(4, 'compute', 6000, 'minstr_per_s');
  const idleCost = (1 - compute4 / compute1) * 100;
  printTable(
    'SMP issue: threads (median of 3 runs)',
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
  const chart = writeBarChart(path.join(RESULTS_DIR, 'smp.svg'), 'unikv threads (lower is better, but compute)', 'us', [
    { label: 'futex ping-pong, 1 vCPU', value: ping1 },
    { label: 'futex ping-pong, 2 vCPUs', value: ping2 },
    { label: 'context switch', value: yieldUs },
    { label: 'create+join (us each)', value: 1e6 / create },
  ]);
  progress(`chart: ${path.relative(PROJECT_ROOT, chart)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchSmp();
