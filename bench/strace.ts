// What seeing inside costs: hello (start to exit) and a getpid loop (a system call
// each, ns per call as the guest measures it) run plainly, with --stats (the
// machine-code hook also counts each call by number), and with --strace into
// /dev/null (every call through JavaScript, decoded and written), alternating within
// one run so that drift in the host's speed touches every mode alike. The plain mode
// is the baseline: without those options the hook is the code it was before them.
// Then the hook alone on a bare engine, plain and counting by number (--stats).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GUEST_BIN_DIR, VMM_NODE_ARGS } from '../vmm/paths.js';
import { median } from '@unikv/bench-kit/stats';
import type { BenchOptions, Benchmark } from './lib/cli.js';
import { runCommandLine } from './lib/cli.js';
import { type BenchReport, figure } from './lib/figures.js';
import { printTable, progress } from './lib/report.js';
import { measureSyscallHook } from './syscall-hook-floor.js';

const ROUNDS = 5;
const CALLS = 200_000;

function run(args: string[]): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [...VMM_NODE_ARGS, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.on('error', reject);
    child.on('exit', (status) => {
      if (status !== 0) reject(new Error(`${args.join(' ')} exited with ${status}`));
      else resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, stdout });
    });
  });
}

export async function benchStrace(options: BenchOptions = {}): Promise<BenchReport> {
  const rounds = options.rounds ?? ROUNDS;
  const hello = path.join(GUEST_BIN_DIR, 'examples', 'hello.elf');
  const getpid = path.join(GUEST_BIN_DIR, 'bench', 'getpid.elf');
  const modes: { name: string; options: string[] }[] = [
    { name: 'plain', options: [] },
    { name: '--stats-file /dev/null', options: ['--stats-file', '/dev/null'] },
    { name: '--strace-file /dev/null', options: ['--strace-file', '/dev/null'] },
  ];
  const helloMs = modes.map(() => [] as number[]);
  const callNs = modes.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    progress(`strace and stats costs, round ${round + 1}/${rounds}`);
    for (const [i, mode] of modes.entries()) {
      helloMs[i].push((await run([hello, ...mode.options])).ms);
      const out = (await run([getpid, ...mode.options, '--', String(CALLS)])).stdout;
      const m = /ns_per_op=([0-9.]+)/.exec(out);
      if (!m) throw new Error(`getpid printed no ns_per_op: ${out}`);
      callNs[i].push(Number(m[1]));
    }
  }
  const baseHello = median(helloMs[0]);
  const baseCall = median(callNs[0]);
  printTable(
    `Seeing inside: hello start -> exit and a getpid loop (${CALLS} calls), medians of ${rounds} alternating rounds`,
    ['mode', 'hello', 'vs plain', 'getpid', 'vs plain'],
    modes.map((mode, i) => [
      mode.name,
      `${median(helloMs[i]).toFixed(1)} ms`,
      `${(median(helloMs[i]) / baseHello).toFixed(2)}x`,
      `${median(callNs[i]).toFixed(1)} ns`,
      `${(median(callNs[i]) / baseCall).toFixed(2)}x`,
    ]),
  );
  const hook = benchHookCounting();
  return {
    name: 'strace',
    title: 'What seeing inside costs: plain, --stats-file, --strace-file',
    figures: [
      ...modes.map((mode, i) => figure(`hello, ${mode.name}`, 'ms', 'lower', helloMs[i])),
      ...modes.map((mode, i) => figure(`getpid, ${mode.name}`, 'ns', 'lower', callNs[i])),
      figure('syscall hook, plain', 'ns', 'lower', hook.plain),
      figure('syscall hook, counting by number', 'ns', 'lower', hook.counting),
    ],
  };
}

/** The counting's own cost: the bare-engine hook, plain and counting by number, alternating. */
function benchHookCounting(): { plain: number[]; counting: number[] } {
  const calls = 2_000_000;
  const plain: number[] = [];
  const counting: number[] = [];
  progress(`syscall hook on a bare engine, ${calls} calls, plain and counting by number`);
  for (let round = 0; round < 9; round++) {
    plain.push(measureSyscallHook(calls, false));
    counting.push(measureSyscallHook(calls, true));
  }
  printTable(
    `The syscall hook alone (bare engine, ${calls} calls into jmp rcx, medians of 9 alternating rounds)`,
    ['hook', 'per call', 'vs plain'],
    [
      ['plain (no options)', `${median(plain).toFixed(1)} ns`, '1.00x'],
      ['counting by number (--stats)', `${median(counting).toFixed(1)} ns`, `${(median(counting) / median(plain)).toFixed(2)}x`],
    ],
  );
  return { plain, counting };
}

export const straceBenchmark: Benchmark = {
  name: 'strace',
  summary: 'what --stats and --strace cost: hello, a getpid loop, the bare syscall hook',
  defaultRounds: `${ROUNDS} rounds`,
  run: benchStrace,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCommandLine([straceBenchmark], process.argv.slice(2), 'node dist/bench/strace.js');
