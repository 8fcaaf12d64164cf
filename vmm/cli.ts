// `npm run vm -- IMAGE.elf [options] [-- ARG ...]`: boot the kernel with IMAGE as its
// application. The exit status is the guest's; 125 means the VMM refused to start.
//
// Start-up matters (people boot guests in loops): the emulation worker is created
// before anything else is loaded, so it boots and loads the engine while this
// thread loads and parses the command line (cli-main.ts).
import { Worker } from 'node:worker_threads';

const worker = new Worker(new URL('./worker.js', import.meta.url));
const { runCli } = await import('./cli-main.js');
runCli(worker);
