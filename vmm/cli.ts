// `npm run vm -- IMAGE.elf [options] [-- ARG ...]`: boot the kernel with IMAGE as its
// application. The exit status is the guest's; 125 means the VMM refused to start.
//
// Start-up matters (people boot guests in loops). `npm run vm` starts Node from the
// VMM's start-up snapshot (cli-snapshot.ts), which already holds this code and yargs;
// this file is the same program for a plain `node dist/vmm/cli.js`. yargs comes
// through its single-file CommonJS build, which loads several times faster than its
// ES-module tree.
import { createRequire } from 'node:module';
import { defineOptions, type YargsFactory } from './cli-options.js';
import { runCli } from './cli-main.js';

await runCli(defineOptions(createRequire(import.meta.url)('yargs/yargs') as YargsFactory));
