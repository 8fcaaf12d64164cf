// The benchmarks' one command line (yargs), for `npm run bench` and for each script
// run alone (`node dist/bench/kv.js`):
//   [NAME ...]     the benchmarks to run (all when none is named)
//   --rounds N     rounds per figure, instead of each benchmark's default
//   --rgw-ops N, --keys N   options of the kv and kv-backends benchmarks
//   --json FILE    every figure of the run with its samples, in one file
//   --out DIR      charts and per-benchmark JSON (default bench-out/)
//   --help         names and options; runs nothing
// A bad command line is one line and status 2, before anything is measured.
import fs from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { outputDirectory, refuse, wholeNumber } from '@unikv/bench-kit/args';
import { explainFailure } from '../../vmm/cli/command-line.js';
import type { BenchReport } from './figures.js';
import { DEFAULT_OUT_DIR, saveReport, saveRun } from './output.js';
import { provenance } from './provenance.js';
import { progress } from './report.js';

export interface BenchOptions {
  /** Rounds per figure; undefined: the benchmark's own default. */
  rounds?: number;
  /** kv: operations per guest thread against Ceph RGW. */
  rgwOps?: number;
  /** kv-backends: keys per backend. */
  keys?: number;
}

export interface Benchmark {
  name: string;
  /** One line for --help. */
  summary: string;
  /** Its default rounds, for --help. */
  defaultRounds: string;
  run(options: BenchOptions): Promise<BenchReport>;
}

/** A path as the progress lines show it: relative when it is under the current directory. */
const shown = (file: string) => {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
};

/** Paths on the command line are the caller's: npm runs scripts from the project root and says where it was called in INIT_CWD. */
const callerPath = (p: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);

export async function runCommandLine(benchmarks: Benchmark[], argv: string[], scriptName: string): Promise<void> {
  const names = benchmarks.map((b) => b.name);
  const width = Math.max(...names.map((n) => n.length));
  const args = yargs(argv)
    .scriptName(scriptName)
    .usage(
      [
        '$0 [NAME ...] [options]',
        '',
        `Runs ${benchmarks.length > 1 ? 'the named benchmarks (all of them when none is named), one after the other' : 'the benchmark'}:`,
        'tables on stdout, progress on stderr, and for each benchmark a chart (NAME.svg: median',
        "bars, min-max whiskers, the date, the host's CPU, the commit and the rounds) and its",
        'figures with every sample (NAME.json) in the output directory.',
      ].join('\n'),
    )
    .option('rounds', { type: 'string', requiresArg: true, describe: "rounds per figure (default: each benchmark's own)" })
    .option('rgw-ops', { type: 'string', requiresArg: true, describe: 'kv: operations per guest thread against Ceph RGW (default 60)' })
    .option('keys', { type: 'string', requiresArg: true, describe: 'kv-backends: keys per backend (default 2000)' })
    .option('json', { type: 'string', requiresArg: true, describe: 'also write every figure of the run, with its samples, to FILE' })
    .option('out', { type: 'string', requiresArg: true, describe: 'directory for the charts and per-benchmark JSON (default bench-out/)' })
    .epilog(`Benchmarks (default rounds):\n${benchmarks.map((b) => `  ${b.name.padEnd(width)}  ${b.summary} (${b.defaultRounds})`).join('\n')}`)
    .strictOptions()
    .version(false)
    .help()
    .wrap(null)
    .fail((message, error) => refuse(explainFailure(message ?? error?.message ?? 'bad command line')))
    .parseSync();

  const wanted = args._.map(String);
  const unknown = wanted.filter((n) => !names.includes(n));
  if (unknown.length) refuse(`unknown benchmark${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (one of: ${names.join(', ')})`);
  const options: BenchOptions = {
    rounds: args.rounds === undefined ? undefined : wholeNumber('rounds', args.rounds, 100),
    rgwOps: args['rgw-ops'] === undefined ? undefined : wholeNumber('rgw-ops', args['rgw-ops']),
    keys: args.keys === undefined ? undefined : wholeNumber('keys', args.keys),
  };
  const outDir = outputDirectory(args.out === undefined ? DEFAULT_OUT_DIR : callerPath(args.out));
  const jsonFile = args.json === undefined ? undefined : callerPath(args.json);
  if (jsonFile) {
    try {
      fs.mkdirSync(path.dirname(jsonFile), { recursive: true });
    } catch (e) {
      refuse(`--json ${jsonFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  const from = provenance();
  const reports: BenchReport[] = [];
  const failed: string[] = [];
  for (const benchmark of benchmarks.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
    // One benchmark that cannot run (a missing toolchain or server) does not stop the others.
    let report: BenchReport;
    try {
      report = await benchmark.run(options);
    } catch (e) {
      progress(`${benchmark.name} failed: ${(e as Error).message}`);
      failed.push(benchmark.name);
      continue;
    }
    reports.push(report);
    for (const file of saveReport(outDir, report, from)) progress(`wrote ${shown(file)}`);
    if (jsonFile) saveRun(jsonFile, reports, from);
  }
  if (jsonFile) progress(`wrote ${shown(jsonFile)}`);
  if (failed.length) {
    progress(`failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}
