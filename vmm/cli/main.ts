// The VMM's command line (front-door.ts): `npm run vm -- IMAGE.elf [options] [-- ARG ...]`
// and, under the name unikv.js, `unikv COMMAND ...`. The exit status is the guest's;
// 125 means the VMM refused to start.
//
// Start-up matters (people boot guests in loops). `npm run vm` and bin/unikv start Node
// from the VMM's start-up snapshot (snapshot.ts), which already holds this code and
// yargs; this file is the same program for a plain `node dist/vmm/cli/main.js`. yargs comes
// through its single-file CommonJS build, which loads several times faster than its
// ES-module tree.
import { createRequire } from 'node:module';
import { defineOptions, type YargsFactory } from './command-line.js';
import { main } from './front-door.js';

const yargs = createRequire(import.meta.url)('yargs/yargs') as YargsFactory;
await main({ vm: defineOptions(yargs, 'vm'), run: defineOptions(yargs, 'run') });
