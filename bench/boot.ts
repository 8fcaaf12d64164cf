// The boot issue's benchmarks: hypercall round trip against the bare engine floor,
// a null system call, and start-up time. Prints a table and returns the figures.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GUEST_BIN_DIR, VMM_NODE_ARGS } from '../vmm/paths.js';
import { realtimeNs } from '../vmm/ports/clock.js';
import { measureOutFloor } from './engine-floor.js';
import { hostUsesPti, nativeGetpidNs } from './lib/native-getpid.js';
import { median, percentile } from '@unikv/bench-kit/stats';
import { type BenchOptions, type Benchmark, runCommandLine } from './lib/cli.js';
import { type BenchReport, figure } from './lib/figures.js';
import { printTable, progress } from './lib/report.js';

const bin = (name: string) => path.join(GUEST_BIN_DIR, 'bench', `${name}.elf`);

interface Run {
  stdout: string;
  exitAt: bigint;
  startAt: bigint;
}

function runGuest(args: string[]): Promise<Run> {
  return runNode([...VMM_NODE_ARGS, ...args]);
}

function runNode(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const startAt = realtimeNs();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.on('exit', (status) => {
      const exitAt = realtimeNs();
      if (status !== 0) reject(new Error(`${args.join(' ')} exited with ${status}`));
      else resolve({ stdout, startAt, exitAt });
    });
  });
}

const field = (out: string, name: string) => {
  const m = new RegExp(`${name}=([0-9.]+)`).exec(out);
  if (!m) throw new Error(`no ${name} in guest output: ${out}`);
  return Number(m[1]);
};

export async function benchBoot(options: BenchOptions = {}): Promise<BenchReport> {
  const rounds = options.rounds ?? 3;
  const exits = 2_000_000;
  progress(`engine floor: ${exits} out exits with an empty hook`);
  const floors: number[] = [];
  const guests: number[] = [];
  for (let round = 0; round < rounds; round++) {
    floors.push(measureOutFloor(exits));
    progress(`guest nop hypercalls, round ${round + 1}/${rounds}`);
    guests.push(field((await runGuest([bin('nop-hypercall'), '--', String(exits)])).stdout, 'ns_per_op'));
  }
  const floor = median(floors);
  const hypercall = median(guests);

  progress('guest getpid loop');
  const syscalls: number[] = [];
  for (let round = 0; round < rounds; round++) syscalls.push(field((await runGuest([bin('getpid'), '--', '1000000'])).stdout, 'ns_per_op'));
  const syscall = median(syscalls);
  progress('native getpid loop (the same C source, built with the host gcc)');
  const hostSyscall = nativeGetpidNs();
  const pti = hostUsesPti();

  const boots = options.rounds ?? 20;
  const toMain: number[] = [];
  const toExit: number[] = [];
  // Node's own start, alternating with the boots: the floor under every figure
  // below, and it drifts by a third within an hour on these machines.
  const bareNode: number[] = [];
  // NODE_EXTRA_CA_CERTS makes every Node process parse that certificate bundle before
  // any JavaScript runs, which is a large share of Node's start; when the
  // environment sets it, Node's start without it is shown too, so the reader can
  // tell the VMM's share from the environment's.
  const extraCerts = process.env.NODE_EXTRA_CA_CERTS;
  const { NODE_EXTRA_CA_CERTS: _, ...plainEnv } = process.env;
  const plainNode: number[] = [];
  for (let i = 0; i < boots; i++) {
    if (i % 5 === 0) progress(`start-up, boot ${i + 1}/${boots}`);
    const r = await runGuest([bin('startup')]);
    toMain.push(Number(BigInt(field(r.stdout, 'main_realtime_ns')) - r.startAt) / 1e6);
    toExit.push(Number(r.exitAt - r.startAt) / 1e6);
    const n = await runNode(['-e', '0']);
    bareNode.push(Number(n.exitAt - n.startAt) / 1e6);
    if (extraCerts) {
      const p = await runNode(['-e', '0'], plainEnv);
      plainNode.push(Number(p.exitAt - p.startAt) / 1e6);
    }
  }

  printTable(
    `Boot issue: exits and start-up (median of ${rounds} runs; start-up: of ${boots} boots)`,
    ['measure', 'value', 'goal'],
    [
      ['engine floor: out exit, empty hook', `${floor.toFixed(0)} ns`, ''],
      ['guest null hypercall (out to NOP port)', `${hypercall.toFixed(0)} ns`, ''],
      ['  ratio to the floor', `${(hypercall / floor).toFixed(2)}x`, '<= 2x'],
      ['guest null system call (getpid)', `${syscall.toFixed(0)} ns`, 'record; Linux ~100-250 ns'],
      [`  host's own getpid, native${pti === undefined ? '' : pti ? ' (PTI on)' : ' (no PTI)'}`, `${hostSyscall.toFixed(0)} ns`, ''],
      ['start-up: process start -> main()', `${median(toMain).toFixed(1)} ms (p90 ${percentile(toMain, 90).toFixed(1)})`, '< 150 ms'],
      ['start-up: process start -> exit (hello)', `${median(toExit).toFixed(1)} ms (p90 ${percentile(toExit, 90).toFixed(1)})`, ''],
      ['  for scale: `node -e 0`, start -> exit', `${median(bareNode).toFixed(1)} ms (p90 ${percentile(bareNode, 90).toFixed(1)})`, ''],
      ...(extraCerts
        ? [['  `node -e 0` without NODE_EXTRA_CA_CERTS', `${median(plainNode).toFixed(1)} ms (p90 ${percentile(plainNode, 90).toFixed(1)})`, '']]
        : []),
    ],
  );
  if (extraCerts) console.log(`NODE_EXTRA_CA_CERTS=${extraCerts} is set: every start above includes parsing it.`);
  return {
    name: 'boot',
    title: 'Exits, system calls and start-up',
    figures: [
      figure('engine floor (out exit, empty hook)', 'ns', 'lower', floors),
      figure('guest null hypercall', 'ns', 'lower', guests),
      figure('guest getpid system call', 'ns', 'lower', syscalls),
      figure('native getpid on this host', 'ns', 'lower', [hostSyscall]),
      figure('start-up: process start to main()', 'ms', 'lower', toMain),
      figure('start-up: process start to exit', 'ms', 'lower', toExit),
      figure('node -e 0 (for scale)', 'ms', 'lower', bareNode),
      ...(extraCerts ? [figure('node -e 0 without NODE_EXTRA_CA_CERTS', 'ms', 'lower', plainNode)] : []),
    ],
  };
}

export const bootBenchmark: Benchmark = {
  name: 'boot',
  summary: 'hypercall and getpid against the engine floor; start-up',
  defaultRounds: '3 rounds, 20 boots',
  run: benchBoot,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCommandLine([bootBenchmark], process.argv.slice(2), 'node dist/bench/boot.js');
