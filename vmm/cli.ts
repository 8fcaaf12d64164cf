// `npm run vm -- IMAGE.elf [options] [-- ARG ...]`: boot the kernel with IMAGE as its
// application. The exit status is the guest's; 125 means the VMM refused to start.
//
// Start-up matters (people boot guests in loops): the machine's modules (the engine
// among them) start loading before the command line is parsed (cli-main.ts), and the
// vCPUs run on this thread, so no worker has to boot first.
const modules = Promise.all([import('./machine.js'), import('./host-streams.js')]);
const { runCli } = await import('./cli-main.js');
await runCli(modules);
