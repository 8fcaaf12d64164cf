// The command line of `npm run vm` (see cli.ts): parse and check the options, run the
// whole machine (vm.ts), report its statistics, exit with the guest's status. The
// caller hands in the options' parser (cli-options.ts): cli.ts builds it, the start-up
// snapshot (cli-snapshot.ts) holds it built.
import fs from 'node:fs';
import { preloadLibunicorn } from './engine/preload.js';
import { refuse, type VmParser } from './cli-options.js';
import { KERNEL_ELF } from './paths.js';
import { OptionError, parseCpuCount, parseMemSize } from './options.js';
import type { BackendName } from '../channel/proxy-control.js';

/** Runs the command line (process.argv) to the guest's exit. */
export async function runCli(parser: VmParser): Promise<never> {
  // The engine's library loads on a pool thread while this one parses and checks
  // the command line (engine/preload.ts).
  preloadLibunicorn();
  // The terminal's width only on a terminal: asking process.stdout creates Node's stream
  // for it, which the VMM never uses otherwise (guest output goes by file descriptor).
  // A terminal is a character device; fstat tells without loading node:tty.
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

  // Loaded once the options are known to be good: a refused start never compiles the machine.
  const [{ runVm }, { RefusedError }] = await Promise.all([import('./vm.js'), import('./machine.js')]);
  const log = (line: string) => fs.writeSync(2, `${line}\n`);
  try {
    const result = await runVm({
      kernelPath,
      appPath: image,
      args: [...positional.slice(1), ...((argv['--'] as string[] | undefined) ?? []).map(String)],
      env: argv.env,
      memBytes,
      cpus,
      stats: argv.stats,
      trace: argv.trace ? (line) => log(`trace: ${line}`) : undefined,
      strictAbi: argv['strict-abi'],
      share: argv.share,
      preload: argv.preload,
      log,
      kv: {
        backend: (argv.backend ?? 's3') as BackendName,
        dir: argv['kv-dir'],
        s3Endpoint: argv['s3-endpoint'],
        bucket: argv.bucket,
        prefix: argv.prefix,
      },
    });
    if (result.stats) fs.writeSync(2, result.stats.render());
    if (argv.stats && result.peakInFlight !== undefined) log(`Key-value requests in flight at once (peak, at the backend): ${result.peakInFlight}`);
    process.exit(result.status);
  } catch (e) {
    if (e instanceof RefusedError) refuse(e.message);
    throw e;
  }
}
