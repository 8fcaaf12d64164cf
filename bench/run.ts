// `npm run bench [-- NAME ... --rounds N --json FILE --out DIR]`: the project's
// benchmarks, all of them or the ones named, one after the other (bench/lib/cli.ts;
// `npm run bench -- --help` lists them).
import { bootBenchmark } from './boot.js';
import { frontDoorBenchmark } from './front-door.js';
import { gdbBenchmark } from './gdb.js';
import { kvBenchmark } from './kv.js';
import { kvBackendsBenchmark } from './kv-backends.js';
import { runCommandLine } from './lib/cli.js';
import { postmarkBenchmark } from './postmark.js';
import { programsBenchmark } from './programs.js';
import { s3HangBenchmark } from './s3-hang.js';
import { netBenchmark } from './net.js';
import { smpBenchmark } from './smp.js';
import { straceBenchmark } from './strace.js';

await runCommandLine(
  [
    bootBenchmark,
    frontDoorBenchmark,
    smpBenchmark,
    postmarkBenchmark,
    kvBenchmark,
    kvBackendsBenchmark,
    programsBenchmark,
    straceBenchmark,
    netBenchmark,
    gdbBenchmark,
    s3HangBenchmark,
  ],
  process.argv.slice(2),
  'npm run bench --',
);
