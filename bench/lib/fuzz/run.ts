// Runs the fuzzers seed after seed, for a time budget or a number of seeds, and adds
// up what came of them (outcome.ts). A seed that fails is run again with every call
// printed, so that the report can name the last call and the command that replays it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GUEST_BIN_DIR, VMM_NODE_ARGS } from '../../../vmm/paths.js';
import { kernelArgs } from '../../../toolchain/kernel-symbols.js';
import { FAILURES, classify, lastCalls, type Failure, type FuzzerName, type SeedEnd, type SeedOutcome, type VmExit } from './outcome.js';

export interface FuzzOptions {
  fuzzers: FuzzerName[];
  /** The first seed; the next ones count up from it. */
  seed: number;
  /** Stop starting seeds after this long (unless `seeds` is given). */
  seconds?: number;
  /** Seeds per fuzzer. */
  seeds?: number;
  /** Calls per seed, for each fuzzer. */
  calls: Record<FuzzerName, number>;
  /** Threads fuzzing at once in the system-call fuzzer, and the VM's vCPUs. */
  threads: number;
  cpus: number;
  /** A run printing nothing for this long is a hang (default 60 s). */
  stallMs?: number;
  onSeed?: (fuzzer: FuzzerName, seed: number, outcome: SeedOutcome, ms: number) => void;
  /** Self-test: scfuzz changes a byte of the kernel's image after call 100 (the check must report it). */
  corruptKernel?: boolean;
}

export interface FuzzFailure {
  fuzzer: FuzzerName;
  seed: number;
  end: Failure;
  detail: string;
  /** The last call of each thread, from a traced replay (empty when the replay did not fail again). */
  lastCalls: string[];
  replay: string;
}

export interface FuzzTotals {
  seeds: number;
  calls: number;
  ok: number;
  errnos: Map<number, number>;
  ends: Record<SeedEnd, number>;
}

export interface FuzzSummary {
  totals: Record<FuzzerName, FuzzTotals>;
  failures: FuzzFailure[];
  seconds: number;
}

const emptyTotals = (): FuzzTotals => ({
  seeds: 0,
  calls: 0,
  ok: 0,
  errnos: new Map(),
  ends: { finished: 0, 'killed-by-signal': 0, 'vmm-crash': 0, hang: 0, 'kernel-corruption': 0, 'kernel-crash': 0, 'fuzzer-fault': 0 },
});

function vmArgs(fuzzer: FuzzerName, seed: number, options: FuzzOptions, share: string, trace: boolean, kernel: string[]): string[] {
  const common = ['--mem', '64M', '--backend', 'memory', '--share', share];
  if (fuzzer === 'hypercalls') {
    return [path.join(GUEST_BIN_DIR, 'tests', 'hcfuzz.elf'), ...common, '--', String(seed), String(options.calls.hypercalls), '-1', trace ? 'trace' : 'quiet'];
  }
  return [
    path.join(GUEST_BIN_DIR, 'tests', 'scfuzz.elf'),
    ...common,
    '--cpus',
    String(options.cpus),
    '--',
    String(seed),
    String(options.calls.syscalls),
    String(options.threads),
    `${trace ? 'trace' : 'quiet'}${options.corruptKernel ? ',corrupt' : ''}`,
    ...kernel,
  ];
}

/** The command that runs one seed again, as a user types it. */
export function replayCommand(fuzzer: FuzzerName, seed: number, options: FuzzOptions): string {
  const calls = `--calls ${options.calls[fuzzer]}`;
  const threads = fuzzer === 'syscalls' ? ` --threads ${options.threads} --cpus ${options.cpus}` : '';
  return `npm run fuzz -- --seed ${seed} --seeds 1 ${calls}${threads} ${fuzzer}`;
}

/** One VM; never rejects. A run silent for stallMs is killed and reported as timed out. */
function runVm(args: string[], stallMs: number): Promise<VmExit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...VMM_NODE_ARGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    let timer = setTimeout(() => undefined, 0);
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, stallMs);
    };
    arm();
    child.stdout.on('data', (d: Buffer) => {
      out.push(d);
      arm();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 1 << 20) err += d;
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out).toString('latin1'), stderr: err, timedOut });
    });
  });
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const started = Date.now();
  const stallMs = options.stallMs ?? 60_000;
  const kernel = kernelArgs();
  const share = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-fuzz-'));
  const totals = { syscalls: emptyTotals(), hypercalls: emptyTotals() };
  const failures: FuzzFailure[] = [];
  const budgetOver = () => options.seeds === undefined && Date.now() - started >= (options.seconds ?? 60) * 1000;
  try {
    for (let round = 0; options.seeds === undefined || round < options.seeds; round++) {
      if (budgetOver()) break;
      const seed = options.seed + round;
      for (const fuzzer of options.fuzzers) {
        if (round > 0 && budgetOver()) break;
        const t0 = Date.now();
        const outcome = classify(fuzzer, await runVm(vmArgs(fuzzer, seed, options, share, false, kernel), stallMs));
        options.onSeed?.(fuzzer, seed, outcome, Date.now() - t0);
        const t = totals[fuzzer];
        t.seeds++;
        t.calls += outcome.calls;
        t.ok += outcome.ok;
        t.ends[outcome.end]++;
        for (const [errno, n] of outcome.errnos) t.errnos.set(errno, (t.errnos.get(errno) ?? 0) + n);
        if ((FAILURES as readonly string[]).includes(outcome.end)) {
          const traced = await runVm(vmArgs(fuzzer, seed, options, share, true, kernel), stallMs);
          failures.push({
            fuzzer,
            seed,
            end: outcome.end as Failure,
            detail: outcome.detail,
            lastCalls: classify(fuzzer, traced).end === outcome.end ? lastCalls(traced.stdout) : [],
            replay: replayCommand(fuzzer, seed, options),
          });
        }
      }
    }
  } finally {
    fs.rmSync(share, { recursive: true, force: true });
  }
  return { totals, failures, seconds: (Date.now() - started) / 1000 };
}
