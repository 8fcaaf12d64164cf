// The VMM's command line in either form (cli-options.ts): parse and check the options,
// run the whole machine (vm.ts), report its statistics, exit with the guest's status.
// The caller hands in the options' parser: cli.ts builds it, the start-up snapshot
// (cli-snapshot.ts) holds it built; front-door.ts picks the form.
import fs from 'node:fs';
import path from 'node:path';
import { preloadLibunicorn } from './engine/preload.js';
import { BACKENDS, type CliForm, refuse, type VmParser } from './cli-options.js';
import { KERNEL_ELF } from './paths.js';
import { endpointProblem } from './s3-endpoint-probe.js';
import { OptionError, parseCpuCount, parseMemSize, parsePort } from './options.js';
import type { BackendName } from '../channel/proxy-control.js';

const USAGE: Record<CliForm, string> = {
  vm: 'npm run vm -- IMAGE.elf [options] [-- ARG ...]',
  run: 'unikv run [options] IMAGE [ARG ...]',
};
const CC: Record<CliForm, string> = { vm: 'npm run cc --', run: 'unikv cc' };
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An environment variable's value, or undefined when it is unset or empty. */
function fromEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The image and the guest's arguments, as the form places them. */
function splitCommandLine(argv: { _: (string | number)[]; '--'?: unknown[] }, args: string[], form: CliForm): { image?: string; guestArgs: string[] } {
  if (form === 'vm') {
    const positional = argv._.map(String);
    return { image: positional[0], guestArgs: [...positional.slice(1), ...(argv['--'] ?? []).map(String)] };
  }
  // yargs stops at the image and leaves it and everything after it in '--' (with
  // numbers converted): they are the command line's last words, taken verbatim.
  const count = argv['--']?.length ?? 0;
  const [image, ...guestArgs] = count === 0 ? [] : args.slice(args.length - count);
  if (guestArgs[0] === '--') guestArgs.shift();
  return { image, guestArgs };
}

/** C source given where a program belongs: say how to build it. */
function checkNotSource(image: string, form: CliForm): void {
  if (!/\.(c|cc|cpp|cxx|s|S|asm)$/.test(image)) return;
  let head = Buffer.alloc(0);
  try {
    const fd = fs.openSync(image, 'r');
    head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    fs.closeSync(fd);
  } catch {
    return; // the machine's own check names a missing or unreadable file
  }
  if (head.toString('latin1') === '\x7fELF') return;
  const out = `${image.replace(/\.[^./]+$/, '')}.elf`;
  refuse(`${image} is source code, not a program: build it first (${CC[form]} ${image} -o ${out}), then run ${out}`);
}

/** The guest's environment: NAME=VALUE as given, NAME alone takes the host's value (skipped when unset). */
function guestEnv(pairs: string[]): string[] {
  const env: string[] = [];
  for (const pair of pairs) {
    if (pair.includes('=')) {
      if (!ENV_NAME.test(pair.slice(0, pair.indexOf('=')))) refuse(`--env ${pair}: expected NAME=VALUE or NAME`);
      env.push(pair);
    } else if (!ENV_NAME.test(pair)) refuse(`--env ${pair}: expected NAME=VALUE or NAME`);
    else if (process.env[pair] !== undefined) env.push(`${pair}=${process.env[pair]}`);
  }
  return env;
}

/** Runs the command line (args: what follows the command) to the guest's exit. */
export async function runCli(parser: VmParser, args: string[], form: CliForm): Promise<never> {
  // The engine's library loads on a pool thread while this one parses and checks
  // the command line (engine/preload.ts).
  preloadLibunicorn();
  // The terminal's width only on a terminal: asking process.stdout creates Node's stream
  // for it, which the VMM never uses otherwise (guest output goes by file descriptor).
  // A terminal is a character device; fstat tells without loading node:tty.
  const width = fs.fstatSync(1).isCharacterDevice() ? Math.min(100, process.stdout.columns || 100) : 100;
  const argv = parser.wrap(width).parseSync(args);
  const { image, guestArgs } = splitCommandLine(argv, args, form);
  if (image === undefined) refuse(`no image given (usage: ${USAGE[form]})`);
  let memBytes: number;
  let cpus: number;
  let gdbPort: number | undefined;
  try {
    gdbPort = argv.gdb === undefined ? undefined : parsePort(argv.gdb);
    memBytes = argv.mem !== undefined ? parseMemSize(argv.mem) : parseMemSize(fromEnv('UNIKV_MEM') ?? '256M', 'UNIKV_MEM=');
    cpus = argv.cpus !== undefined ? parseCpuCount(argv.cpus) : parseCpuCount(fromEnv('UNIKV_CPUS') ?? '1', 'UNIKV_CPUS=');
  } catch (e) {
    if (e instanceof OptionError) refuse(e.message);
    throw e;
  }
  const env = guestEnv(argv.env);
  const backend = argv.backend ?? 's3';
  if (!(BACKENDS as readonly string[]).includes(backend)) refuse(`--backend ${backend}: expected memory, fs or s3`);
  const s3Endpoint = argv['s3-endpoint'] ?? fromEnv('AWS_ENDPOINT_URL_S3') ?? fromEnv('AWS_ENDPOINT_URL');
  if (argv['s3-endpoint'] !== undefined && backend === 's3') {
    const problem = await endpointProblem(argv['s3-endpoint']);
    if (problem !== undefined) refuse(`--s3-endpoint ${argv['s3-endpoint']}: ${problem}`);
  }
  const statsFile = argv['stats-file'] === undefined ? undefined : path.resolve(argv['stats-file']);
  if (statsFile !== undefined && !fs.existsSync(path.dirname(statsFile)))
    refuse(`--stats-file ${argv['stats-file']}: no such directory ${path.dirname(statsFile)}`);
  const kernelPath = argv.kernel ?? KERNEL_ELF;
  if (!fs.existsSync(kernelPath)) refuse(`kernel not found at ${kernelPath} (run npm run build)`);
  checkNotSource(image, form);
  const resolved = (p: string | undefined) => (p === undefined ? undefined : path.resolve(p));

  // Loaded once the options are known to be good: a refused start never compiles the machine.
  const [{ runVm }, { RefusedError }, { catchInterrupt }] = await Promise.all([import('./vm.js'), import('./machine.js'), import('./interrupt-signal.js')]);
  const log = (line: string) => fs.writeSync(2, `${line}\n`);
  try {
    const result = await runVm({
      kernelPath,
      appPath: image,
      args: guestArgs,
      env,
      memBytes,
      cpus,
      stats: argv.stats || statsFile !== undefined,
      trace: argv.trace ? (line) => log(`trace: ${line}`) : undefined,
      strictAbi: argv['strict-abi'],
      share: resolved(argv.share),
      preload: resolved(argv.preload),
      log,
      interrupted: catchInterrupt(),
      gdbPort,
      kv: {
        backend: backend as BackendName,
        dir: resolved(argv['kv-dir']),
        s3Endpoint,
        bucket: argv.bucket,
        prefix: argv.prefix,
      },
    });
    if (result.interrupted) log('unikv: interrupted');
    if (argv.stats && result.stats) fs.writeSync(2, result.stats.render());
    if (argv.stats && result.peakInFlight !== undefined) log(`Key-value requests in flight at once (peak, at the backend): ${result.peakInFlight}`);
    if (statsFile !== undefined && result.stats) {
      const data = { status: result.status, interrupted: result.interrupted === true, ...result.stats.toData(), kvPeakInFlight: result.peakInFlight ?? null };
      try {
        fs.writeFileSync(statsFile, `${JSON.stringify(data, null, 2)}\n`);
      } catch (e) {
        log(`unikv: cannot write --stats-file ${statsFile}: ${(e as Error).message}`);
      }
    }
    process.exit(result.status);
  } catch (e) {
    if (e instanceof RefusedError) refuse(e.message);
    throw e;
  }
}
