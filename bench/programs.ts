// Real programs natively, under Debian's qemu-user (`qemu-x86_64 prog`, the same
// emulator family without a kernel of its own) and in unikv, alternating in one run:
// a CPU-bound interpreter loop (busybox awk), a CPU-bound Go program, a system-call-
// bound copy (busybox dd bs=1, file to file) and SQLite inserts (the musl build of the
// driver, the same static binary in all three places). Each time is the whole
// process, start to exit; busybox `true` gives each place's start-up, and the "net"
// ratios take it away. Prints a table and returns the figures.
// Run alone: node dist/bench/programs.js [--rounds N].
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from '@unikv/bench-kit/stats';
import { BUSYBOX, goBin, SQLITE_GUEST } from '../toolchain/programs/paths.js';
import { VMM_NODE_ARGS } from '../vmm/paths.js';
import { type BenchOptions, type Benchmark, runCommandLine } from './lib/cli.js';
import { type BenchReport, figure } from './lib/figures.js';
import { printTable, progress } from './lib/report.js';

const ROUNDS = 3;
const AWK_LOOPS = 100_000;
const GO_SCALE = 20;
const DD_BYTES = 100_000;
const SQL_ROWS = 5_000;

type Place = 'native' | 'qemu-user' | 'unikv';
const PLACES: Place[] = ['native', 'qemu-user', 'unikv'];

/** A workload: its program and arguments, given where its files are (a host directory, or / in the guest). */
interface Workload {
  name: string;
  /** The chart's label. */
  short: string;
  program: string;
  args(dir: string): string[];
  /** Files the run expects in dir (made before each run; in the guest through --preload). */
  inputs?: Record<string, Buffer>;
}

const WORKLOADS: Workload[] = [
  { name: 'start-up (busybox true)', short: 'start-up', program: BUSYBOX, args: () => ['true'] },
  {
    name: `CPU: busybox awk, ${AWK_LOOPS.toLocaleString('en-US')} loops`,
    short: 'awk loop',
    program: BUSYBOX,
    args: () => ['awk', `BEGIN { for (i = 0; i < ${AWK_LOOPS}; i++) s += i * i; print s }`],
  },
  { name: `CPU: Go sieve + orbit (scale ${GO_SCALE})`, short: 'Go sieve', program: goBin('cpu'), args: () => [String(GO_SCALE)] },
  {
    name: `syscalls: busybox dd bs=1, ${DD_BYTES.toLocaleString('en-US')} B file to file`,
    short: 'dd bs=1',
    program: BUSYBOX,
    args: (dir) => ['dd', `if=${path.join(dir, 'in')}`, `of=${path.join(dir, 'out')}`, 'bs=1', `count=${DD_BYTES}`],
    inputs: { in: Buffer.alloc(DD_BYTES, 'x') },
  },
  {
    name: `SQLite: ${SQL_ROWS.toLocaleString('en-US')} inserts, one transaction each (WAL)`,
    short: 'SQLite inserts',
    program: SQLITE_GUEST,
    args: (dir) => ['bench', path.join(dir, 'bench.db'), String(SQL_ROWS)],
  },
];

interface Outcome {
  ms?: number;
  failure?: string;
}

function run(cmd: string, args: string[]): Promise<{ status: number | null; ms: number; stderr: string }> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ status, ms: Number(process.hrtime.bigint() - start) / 1e6, stderr }));
    child.on('error', (e) => resolve({ status: null, ms: 0, stderr: e.message }));
  });
}

/** One run of a workload in one place, in a fresh directory of its own. */
async function once(w: Workload, place: Place): Promise<Outcome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-bench-programs-'));
  try {
    for (const [name, data] of Object.entries(w.inputs ?? {})) fs.writeFileSync(path.join(dir, name), data);
    const r =
      place === 'native'
        ? await run(w.program, w.args(dir))
        : place === 'qemu-user'
          ? await run('qemu-x86_64', [w.program, ...w.args(dir)])
          : await run(process.execPath, [...VMM_NODE_ARGS, w.program, '--preload', dir, '--', ...w.args('/')]);
    if (r.status !== 0) {
      const why = r.stderr.split('\n').find((l) => l && !l.startsWith('kernel: unknown system call')) ?? `status ${r.status}`;
      return { failure: why.slice(0, 80) };
    }
    return { ms: r.ms };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchPrograms(options: BenchOptions = {}): Promise<BenchReport> {
  const rounds = options.rounds ?? ROUNDS;
  if (spawnSync('qemu-x86_64', ['--version']).status !== 0) {
    throw new Error('programs: qemu-x86_64 not found (Debian qemu-user; toolchain/install.sh --with-tests installs it)');
  }
  const samples = new Map<string, number[]>();
  const failures = new Map<string, string>();
  const key = (w: Workload, p: Place) => `${w.name}\0${p}`;
  for (let round = 0; round < rounds; round++) {
    progress(`programs: round ${round + 1}/${rounds} (native, qemu-user, unikv alternating)`);
    for (const w of WORKLOADS) {
      for (const place of PLACES) {
        if (failures.has(key(w, place))) continue;
        const o = await once(w, place);
        if (o.failure !== undefined) failures.set(key(w, place), o.failure);
        else samples.set(key(w, place), [...(samples.get(key(w, place)) ?? []), o.ms as number]);
      }
    }
  }
  const ms = (w: Workload, p: Place) => (failures.has(key(w, p)) ? NaN : median(samples.get(key(w, p)) ?? []));
  const startup = Object.fromEntries(PLACES.map((p) => [p, ms(WORKLOADS[0], p)])) as Record<Place, number>;
  const cell = (w: Workload, p: Place) => (failures.has(key(w, p)) ? `fails: ${failures.get(key(w, p))}` : `${ms(w, p).toFixed(0)} ms`);
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(1)}x` : '-');
  const net = (w: Workload, p: Place) => ms(w, p) - startup[p];
  printTable(
    `Real programs: median of ${rounds} alternating rounds, whole process start to exit`,
    ['workload', 'native', 'qemu-user', 'unikv', 'unikv/native', 'unikv/qemu', 'net unikv/native', 'net unikv/qemu'],
    WORKLOADS.map((w, i) => [
      w.name,
      cell(w, 'native'),
      cell(w, 'qemu-user'),
      cell(w, 'unikv'),
      ratio(ms(w, 'unikv'), ms(w, 'native')),
      ratio(ms(w, 'unikv'), ms(w, 'qemu-user')),
      i === 0 ? '' : ratio(net(w, 'unikv'), net(w, 'native')),
      i === 0 ? '' : ratio(net(w, 'unikv'), net(w, 'qemu-user')),
    ]),
  );
  console.log("net: minus the same place's start-up (the first row). Files: a host temporary directory natively; the guest RAM file system in unikv.");
  return {
    name: 'programs',
    title: 'Real programs natively, under qemu-user and in unikv: whole process, start to exit',
    figures: WORKLOADS.flatMap((w) =>
      PLACES.filter((p) => !failures.has(key(w, p))).map((p) => figure(`${w.short}, ${p}`, 'ms', 'lower', samples.get(key(w, p)) ?? [])),
    ),
  };
}

export const programsBenchmark: Benchmark = {
  name: 'programs',
  summary: 'busybox, Go, SQLite: native, qemu-user, unikv (--with-tests)',
  defaultRounds: `${ROUNDS} rounds`,
  run: benchPrograms,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await runCommandLine([programsBenchmark], process.argv.slice(2), 'node dist/bench/programs.js');
