// `npm run fuzz -- [--seconds N | --seeds N] [--seed S] [--calls N] [--threads N]
// [--cpus N] [hypercalls|syscalls]`: the hypercall fuzzer (guest-src/app/tests/hcfuzz.c)
// and the system-call fuzzer (scfuzz.c), seed after seed, each seed in a VM of its own;
// then a table of outcomes by class. A failure (VMM crash, hang, kernel corruption,
// kernel crash, fuzzer fault) prints the seed, the last call and the command that replays it, and
// the status is 1. docs/reference.md, "Fuzzing".
import os from 'node:os';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { SYSCALLS } from '../toolchain/abi/spec.js';
import { printTable } from './lib/report.js';
import type { FuzzerName, SeedOutcome } from './lib/fuzz/outcome.js';
import { runFuzz, type FuzzSummary } from './lib/fuzz/run.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('npm run fuzz --')
  .usage('$0 [options] [hypercalls|syscalls]\n\nRuns the fuzzers seed after seed (both when none is named) and prints outcomes by class.')
  .option('seconds', { type: 'number', describe: 'time budget: seeds start until it is spent (default 60)' })
  .option('seeds', { type: 'number', describe: 'seeds per fuzzer, instead of a time budget' })
  .option('seed', { type: 'number', describe: 'the first seed (default: from the clock); alone, it runs that one seed' })
  .option('calls', { type: 'number', describe: 'calls per seed (default 20000 system calls, 20000 hypercalls)' })
  .option('threads', { type: 'number', default: 1, describe: 'threads fuzzing system calls at once (1-8)' })
  .option('cpus', { type: 'number', default: 1, describe: "the VM's vCPUs for the system-call fuzzer" })
  .strictOptions()
  .help()
  .parseSync();

const named = argv._.map(String);
for (const name of named) {
  if (name !== 'hypercalls' && name !== 'syscalls') {
    process.stderr.write(`fuzz: unknown fuzzer "${name}" (hypercalls or syscalls)\n`);
    process.exit(2);
  }
}
const fuzzers: FuzzerName[] = named.length ? (named as FuzzerName[]) : ['syscalls', 'hypercalls'];
const seeds = argv.seeds ?? (argv.seed !== undefined && argv.seconds === undefined ? 1 : undefined);
const options = {
  fuzzers,
  seed: argv.seed ?? Date.now() % 1_000_000,
  seconds: argv.seconds,
  seeds,
  calls: { syscalls: argv.calls ?? 20_000, hypercalls: argv.calls ?? 20_000 },
  threads: Math.min(8, Math.max(1, argv.threads)),
  cpus: argv.cpus,
};

const onSeed = (fuzzer: FuzzerName, seed: number, o: SeedOutcome, ms: number) =>
  process.stderr.write(`fuzz: ${fuzzer} seed ${seed}: ${o.calls} calls, ${o.end}${o.detail ? ` (${o.detail})` : ''} in ${(ms / 1000).toFixed(1)} s\n`);

const summary = await runFuzz({ ...options, onSeed });
report(summary);
process.exit(summary.failures.length ? 1 : 0);

function errnoName(n: number): string {
  const entry = Object.entries(os.constants.errno).find(([, v]) => v === n);
  return entry ? entry[0] : `errno ${n}`;
}

function report(s: FuzzSummary): void {
  const columns = fuzzers;
  const row = (label: string, value: (f: FuzzerName) => number | string) => [label, ...columns.map(value)];
  const errnos = new Map<number, number>();
  for (const f of columns) for (const [e, n] of s.totals[f].errnos) errnos.set(e, (errnos.get(e) ?? 0) + n);
  const rows = [
    row('seeds', (f) => s.totals[f].seeds),
    row('calls', (f) => s.totals[f].calls),
    row('ok', (f) => s.totals[f].ok),
    ...[...errnos.entries()].sort((a, b) => b[1] - a[1]).map(([e]) => row(errnoName(e), (f) => s.totals[f].errnos.get(e) ?? 0)),
    row('seeds finished', (f) => s.totals[f].ends.finished),
    row('guest killed cleanly by a signal', (f) => s.totals[f].ends['killed-by-signal']),
    row('VMM crash', (f) => s.totals[f].ends['vmm-crash']),
    row('hang', (f) => s.totals[f].ends.hang),
    row('kernel corruption', (f) => s.totals[f].ends['kernel-corruption']),
    row('kernel crash', (f) => s.totals[f].ends['kernel-crash']),
    row('fuzzer fault', (f) => s.totals[f].ends['fuzzer-fault']),
  ];
  const first = options.seed;
  printTable(`fuzz: seeds from ${first}, ${s.seconds.toFixed(0)} s (threads ${options.threads}, cpus ${options.cpus})`, ['outcome', ...columns], rows);
  for (const failure of s.failures) {
    console.log(`\nFAILED: ${failure.fuzzer} seed ${failure.seed}: ${failure.end}: ${failure.detail}`);
    for (const call of failure.lastCalls) console.log(`  last call: ${describeCall(failure.fuzzer, call)}`);
    if (!failure.lastCalls.length) console.log('  (the traced replay did not fail the same way; run it again to see)');
    console.log(`  replay: ${failure.replay}`);
  }
}

/** "call T I NR A0..A5" -> "thread T, call I: NAME(A0, ...)"; hypercalls as printed. */
function describeCall(fuzzer: FuzzerName, line: string): string {
  if (fuzzer === 'hypercalls') return line;
  const [, thread, index, nr, ...args] = line.split(' ');
  const name = SYSCALLS.find((c) => c.value === Number(nr))?.name ?? `system call ${nr}`;
  return `thread ${thread}, call ${index}: ${name}(${args.join(', ')})`;
}
