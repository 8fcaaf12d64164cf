// The command line of `npm run vm` (see cli.ts): parse the options, run the machine
// on this thread, start the key-value proxy on its own thread when the guest first
// uses the store, exit with the guest's status. The caller hands in the options'
// parser (cli-options.ts): cli.ts builds it, the start-up snapshot (cli-snapshot.ts)
// holds it built.
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import { preloadLibunicorn } from './engine/preload.js';
import { refuse, type VmParser } from './cli-options.js';
import { KERNEL_ELF } from './paths.js';
import { OptionError, parseCpuCount, parseMemSize } from './options.js';
import { createChannel } from './channel/channel.js';
import type { ProxyCommand, ProxyReport, ProxyThreadData } from './proxy-thread.js';

/** Runs the command line (process.argv) to the guest's exit. */
export async function runCli(parser: VmParser): Promise<never> {
  // The engine's library loads on a pool thread while this one parses and checks
  // the command line (engine/preload.ts).
  preloadLibunicorn();
  // The terminal's width only on a terminal: asking process.stdout creates Node's stream
  // for it, which the VMM never uses otherwise (guest output goes by file descriptor).
  // A terminal is a character device; fstat tells without loading node:tty (3-4 ms).
  const width = fs.fstatSync(1).isCharacterDevice() ? Math.min(100, process.stdout.columns || 100) : 100;
  const argv = parser.wrap(width).parseSync(process.argv.slice(2));
  const positional = argv._.map(String);
  const image = positional[0];
  if (image === undefined) refuse('no image given (usage: npm run vm -- IMAGE.elf [options] [-- ARG ...])');
  let memBytes: number;
  let cpus: number;
  try {
    memBytes = parseMemSize(argv.mem);
    cpus = parseCpuCount(argv.cpus);
  } catch (e) {
    if (e instanceof OptionError) refuse(e.message);
    throw e;
  }
  for (const pair of argv.env) if (!pair.includes('=')) refuse(`--env ${pair}: expected NAME=VALUE`);
  const kernelPath = argv.kernel ?? KERNEL_ELF;
  if (!fs.existsSync(kernelPath)) refuse(`kernel not found at ${kernelPath} (run npm run build)`);

  // The proxy (the backend driver) gets its own thread on the guest's first put or
  // get; the vCPUs keep this one. The two meet only in the device channel.
  const channel = createChannel(256, 1);
  const proxyData: ProxyThreadData = {
    channel: channel.sab,
    options: {
      backend: (argv.backend ?? 's3') as 'memory' | 'fs' | 's3',
      dir: argv['kv-dir'],
      s3Endpoint: argv['s3-endpoint'],
      bucket: argv.bucket,
      prefix: argv.prefix,
    },
  };
  let proxy: Worker | undefined;
  const startProxy = () => {
    // node:worker_threads is loaded here, not at the top: compiling it cost every start
    // about 3 ms, and most guests never use the store.
    const threads = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    proxy = new threads.Worker(new URL('./proxy-thread.js', import.meta.url), { workerData: proxyData });
    proxy.on('error', (e) => {
      process.stderr.write(`unikv: internal error in the key-value proxy: ${e.stack ?? e}\n`);
      process.exit(70);
    });
  };

  const [{ runMachine, RefusedError }, { processStreams }] = await Promise.all([import('./machine.js'), import('./host-streams.js')]);
  const log = (line: string) => fs.writeSync(2, line + '\n');
  let status: number;
  try {
    const result = runMachine({
      kernelPath,
      appPath: image,
      args: [...positional.slice(1), ...((argv['--'] as string[] | undefined) ?? []).map(String)],
      env: argv.env,
      memBytes,
      cpus,
      stats: argv.stats,
      trace: argv.trace ? (line) => log(`trace: ${line}`) : undefined,
      share: argv.share,
      preload: argv.preload,
      streams: processStreams,
      log,
      kvChannel: channel.sab,
      kvFirstUse: startProxy,
    });
    if (result.stats) fs.writeSync(2, result.stats.render());
    status = result.status;
  } catch (e) {
    if (e instanceof RefusedError) refuse(e.message);
    throw e;
  }

  if (proxy) {
    // Every acknowledged request is already stored; let the backend close cleanly.
    const report = new Promise<ProxyReport>((resolve) => proxy!.once('message', resolve));
    proxy.postMessage({ kind: 'close' } satisfies ProxyCommand);
    const { peakInFlight } = await report;
    if (argv.stats && peakInFlight !== undefined) log(`Key-value requests in flight at once (peak, at the backend): ${peakInFlight}`);
  }
  process.exit(status);
}
