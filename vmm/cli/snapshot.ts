// The entry of the VMM's start-up snapshot. `npm run build` bundles this file with
// everything it reaches (yargs included, koffi excepted: a native addon cannot be
// in a snapshot) and runs it once under `node --build-snapshot`; `npm run vm` then
// and bin/unikv start Node from the saved heap (build/vmm/cli.blob) with yargs
// already loaded and no module to find, read or compile. The snapshot's main function
// is front-door.ts, the same as `node dist/vmm/cli/main.js` runs. process.argv has the same
// shape in both: [node, dist/vmm/cli/main.js (or unikv.js), ARG ...].
//
// Only yargs and the options' parsers (command-line.ts, built over no arguments, then
// used once on made-up arguments) run while the snapshot is built: the VMM's own
// modules initialise in the main function, in the process that boots the guest (they
// create shared memory and read the environment, which must not be frozen into the
// snapshot).
import v8 from 'node:v8';
import yargs from 'yargs/yargs';
import { defineOptions } from './command-line.js';

const parsers = { vm: defineOptions(yargs, 'vm'), run: defineOptions(yargs, 'run') };
// One parse while the snapshot is built, so that the snapshot holds yargs' parsing
// code compiled, and the first parse at start-up is shorter (figures in
// docs/history.md). (yargs resets its state for every parse; tests/vmm/launch checks
// that options given at run time, and their defaults, come out right.)
parsers.vm.parseSync(['warm-up.elf', '--mem', '64M', '--cpus', '1', '--env', 'A=1', '--', 'x']);
parsers.run.parseSync(['-m', '64M', '-c', '1', '-e', 'A=1', 'warm-up.elf', '-x', '3']);

v8.startupSnapshot.setDeserializeMainFunction(() => {
  void import('./front-door.js').then(({ main }) => main(parsers));
});
