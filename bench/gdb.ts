// The cost of --gdb when no breakpoint is set: hello and a compute-bound guest
// (smpbench compute), each run without --gdb, with a debugger attached that only
// continues, and with one that detaches at once. The
// "debugger" is a protocol client on the stub's socket. Medians of 5 rounds, the
// modes alternating in each, against no --gdb measured in the same run.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from '@unikv/bench-kit/stats';
import { GUEST_BIN_DIR, VMM_NODE_ARGS } from '../vmm/paths.js';
import type { BenchOptions, Benchmark } from './lib/cli.js';
import { runCommandLine } from './lib/cli.js';
import { type BenchReport, figure } from './lib/figures.js';
import { printTable, progress } from './lib/report.js';

type Mode = 'no --gdb' | 'attached, continue' | 'detached at once';
const MODES: Mode[] = ['no --gdb', 'attached, continue', 'detached at once'];
const ROUNDS = 5;

const packet = (payload: string) => {
  let sum = 0;
  for (const c of payload) sum = (sum + c.charCodeAt(0)) & 0xff;
  return `$${payload}#${sum.toString(16).padStart(2, '0')}`;
};

/** One run: wall milliseconds from start to exit, and the guest's output. */
function runOnce(args: string[], mode: Mode): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const gdb = mode === 'no --gdb' ? [] : ['--gdb', '0'];
    const child = spawn(process.execPath, [...VMM_NODE_ARGS, ...gdb, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let client: net.Socket | undefined;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      const port = /127\.0\.0\.1:(\d+)/.exec(stderr);
      if (port && !client) {
        client = net.connect(Number(port[1]), '127.0.0.1', () => client?.write(packet(mode === 'detached at once' ? 'D' : 'c')));
        client.on('data', () => client?.write('+'));
        client.on('error', () => {});
      }
    });
    child.on('exit', (status) => {
      client?.destroy();
      if (status !== 0) reject(new Error(`${args.join(' ')} (${mode}) exited with ${status}: ${stderr}`));
      else resolve({ ms: performance.now() - started, stdout });
    });
  });
}

export async function benchGdb(options: BenchOptions = {}): Promise<BenchReport> {
  const rounds = options.rounds ?? ROUNDS;
  const hello = [path.join(GUEST_BIN_DIR, 'examples', 'hello.elf')];
  const compute = [path.join(GUEST_BIN_DIR, 'bench', 'smpbench.elf'), '--', 'compute', '6000'];
  const ms = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  const mips = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  // Rounds alternate the modes, so that load on the machine falls on all of them alike.
  for (let round = 1; round <= rounds; round++) {
    progress(`gdb: round ${round} of ${rounds}: hello and compute, each ${MODES.join(', ')}`);
    for (const mode of MODES) {
      ms.get(mode)?.push((await runOnce(hello, mode)).ms);
      const out = (await runOnce(compute, mode)).stdout;
      mips.get(mode)?.push(Number(/minstr_per_s=([0-9.]+)/.exec(out)?.[1] ?? Number.NaN));
    }
  }
  const baseMs = median(ms.get(MODES[0]) ?? []);
  const baseMips = median(mips.get(MODES[0]) ?? []);
  const rows = MODES.map((mode) => {
    const m = median(ms.get(mode) ?? []);
    const c = median(mips.get(mode) ?? []);
    return [mode, `${m.toFixed(0)} ms`, `${(m / baseMs).toFixed(2)}x`, `${c.toFixed(0)} M instr/s`, `${(c / baseMips).toFixed(2)}x`];
  });
  printTable(`--gdb with no breakpoint (median of ${rounds} rounds)`, ['mode', 'hello, wall', 'ratio', 'compute', 'ratio'], rows);
  return {
    name: 'gdb',
    title: '--gdb with no breakpoint: hello and a compute-bound guest',
    figures: [
      ...MODES.map((mode) => figure(`hello, ${mode}`, 'ms', 'lower', ms.get(mode) ?? [])),
      ...MODES.map((mode) => figure(`compute, ${mode}`, 'M instr/s', 'higher', mips.get(mode) ?? [])),
    ],
  };
}

export const gdbBenchmark: Benchmark = {
  name: 'gdb',
  summary: 'what --gdb costs with no breakpoint: hello and a compute-bound guest',
  defaultRounds: `${ROUNDS} rounds`,
  run: benchGdb,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCommandLine([gdbBenchmark], process.argv.slice(2), 'node dist/bench/gdb.js');
