// Start-up through the package's command: hello booted by `unikv run` (bin/unikv:
// Node from the start-up snapshot, no npm), by `npm run vm` (the same, with npm in
// front), and Node's own `node -e 0` as the floor, alternating within one run so that
// drift in the host's speed touches all three alike. Process start to exit, in ms.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GUEST_BIN_DIR, PROJECT_ROOT } from '../vmm/paths.js';
import { median, percentile } from '@unikv/bench-kit/stats';
import type { BenchOptions, Benchmark } from './lib/cli.js';
import { runCommandLine } from './lib/cli.js';
import { type BenchReport, figure } from './lib/figures.js';
import { printTable, progress } from './lib/report.js';

const ROUNDS = 20;

/** Runs a command to its exit; milliseconds from spawning it, and its stdout. */
function timed(cmd: string, args: string[], cwd: string): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.on('error', reject);
    child.on('exit', (status) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (status !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited with ${status}`));
      else resolve({ ms, stdout });
    });
  });
}

export async function benchFrontDoor(options: BenchOptions = {}): Promise<BenchReport> {
  const rounds = options.rounds ?? ROUNDS;
  const hello = path.join(GUEST_BIN_DIR, 'examples', 'hello.elf');
  const ways: { name: string; label: string; cmd: string; args: string[] }[] = [
    { name: '`unikv run hello.elf`', label: 'unikv run hello.elf', cmd: path.join(PROJECT_ROOT, 'bin', 'unikv'), args: ['run', hello] },
    { name: '`npm run vm -- hello.elf`', label: 'npm run vm -- hello.elf', cmd: 'npm', args: ['run', '-s', 'vm', '--', hello] },
    { name: 'for scale: `node -e 0`', label: 'node -e 0 (for scale)', cmd: process.execPath, args: ['-e', '0'] },
  ];
  const times = ways.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    if (round % 5 === 0) progress(`front door start-up, round ${round + 1}/${rounds}`);
    for (const [i, way] of ways.entries()) times[i].push((await timed(way.cmd, way.args, PROJECT_ROOT)).ms);
  }
  const unikv = median(times[0]);
  printTable(
    `Front door: process start -> exit (median and p90 of ${rounds} rounds, alternating)`,
    ['command', 'median', 'p90', 'vs unikv run'],
    ways.map((way, i) => [
      way.name,
      `${median(times[i]).toFixed(1)} ms`,
      `${percentile(times[i], 90).toFixed(1)} ms`,
      i === 0 ? '' : `${(median(times[i]) - unikv).toFixed(1)} ms`,
    ]),
  );
  return {
    name: 'front-door',
    title: 'Start-up through the front door: process start to exit',
    figures: ways.map((way, i) => figure(way.label, 'ms', 'lower', times[i])),
  };
}

export const frontDoorBenchmark: Benchmark = {
  name: 'front-door',
  summary: 'start-up through `unikv run`, `npm run vm`, and `node -e 0`',
  defaultRounds: `${ROUNDS} rounds`,
  run: benchFrontDoor,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await runCommandLine([frontDoorBenchmark], process.argv.slice(2), 'node dist/bench/front-door.js');
