// The VMM's command line in either form (command-line.ts): parse and check the options,
// run the whole machine (vm.ts), report its statistics, exit with the guest's status.
// The caller hands in the options' parser: cli.ts builds it, the start-up snapshot
// (snapshot.ts) holds it built; front-door.ts picks the form.
import fs from 'node:fs';
import path from 'node:path';
import { preloadLibunicorn } from '../engine/preload.js';
import { BACKENDS, type CliForm, refuse, type VmParser } from './command-line.js';
import { KERNEL_ELF } from '../paths.js';
import { endpointProblem } from './s3-endpoint-probe.js';
import { OptionError, parseCpuCount, parseMemSize, parsePort } from '../options.js';
import { mountsProblem, parseShare, ShareError, type ShareMount } from '../host-share/mounts.js';
import { ConfigError, type ConfigValues, loadConfig } from './config-file.js';
import { parsePublish } from '../net/publish.js';
import type { Publish } from '../../channel/net-messages.js';
import type { BackendName } from '../../channel/proxy-control.js';

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

/**
 * The guest's environment: NAME=VALUE as given, NAME alone takes the host's value
 * (skipped when unset); a later NAME replaces an earlier one (the command line's
 * replaces the configuration file's).
 */
function guestEnv(pairs: string[]): string[] {
  const env = new Map<string, string>();
  const set = (name: string, pair: string) => {
    env.delete(name);
    env.set(name, pair);
  };
  for (const pair of pairs) {
    if (pair.includes('=')) {
      const name = pair.slice(0, pair.indexOf('='));
      if (!ENV_NAME.test(name)) refuse(`--env ${pair}: expected NAME=VALUE or NAME`);
      set(name, pair);
    } else if (!ENV_NAME.test(pair)) refuse(`--env ${pair}: expected NAME=VALUE or NAME`);
    else if (process.env[pair] !== undefined) set(pair, `${pair}=${process.env[pair]}`);
  }
  return [...env.values()];
}

/**
 * The --share values (each relative to its directory: the current one, or the
 * configuration file's) as checked mounts; `named` says where a value came from.
 */
function shareMounts(values: { text: string; cwd: string; named: string }[]): ShareMount[] {
  const mounts: (ShareMount & { guestGiven: boolean; text: string })[] = [];
  for (const { text, cwd, named } of values) {
    try {
      mounts.push({ ...parseShare(text, cwd), text });
    } catch (e) {
      if (e instanceof ShareError) refuse(`${named}${e.message.replace(/^--share /, '')}`);
      throw e;
    }
  }
  const problem = mountsProblem(mounts);
  if (problem) refuse(problem);
  return mounts.map(({ host, guest, readOnly }) => ({ host, guest, readOnly }));
}

/** --strace-file's lines, written in blocks (the file is the VMM's own: nothing else interleaves). */
function straceWriter(fd: number): (line: string) => void {
  let pending: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (pending.length > 0) fs.writeSync(fd, `${pending.join('\n')}\n`);
    pending = [];
    bytes = 0;
  };
  process.on('exit', flush);
  return (line) => {
    pending.push(line);
    bytes += line.length;
    if (bytes >= 1 << 16) flush();
  };
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
  // Each value from the command line, else from the configuration file (paths in it
  // already resolved against its directory); `named` names where it came from.
  const configName = argv.config !== undefined ? `--config ${argv.config}` : `UNIKV_CONFIG=${fromEnv('UNIKV_CONFIG')}`;
  const configFile = argv.config ?? fromEnv('UNIKV_CONFIG');
  let config: ConfigValues = {};
  try {
    if (configFile !== undefined) config = loadConfig(configFile, process.cwd(), argv.config !== undefined ? '--config ' : 'UNIKV_CONFIG=');
  } catch (e) {
    if (e instanceof ConfigError) refuse(e.message);
    throw e;
  }
  const resolved = (p: string | undefined) => (p === undefined ? undefined : path.resolve(p));
  const pick = <K extends keyof ConfigValues>(key: K, fromArgv: ConfigValues[K] | undefined) => ({
    value: fromArgv ?? config[key],
    named: fromArgv !== undefined || config[key] === undefined ? `--${key} ` : `${configName}: ${key} `,
  });
  const mem = pick('mem', argv.mem);
  const cpuCount = pick('cpus', argv.cpus);
  let memBytes: number;
  let cpus: number;
  let gdbPort: number | undefined;
  try {
    const gdb = pick('gdb', argv.gdb);
    gdbPort = gdb.value === undefined ? undefined : parsePort(String(gdb.value), gdb.named);
    memBytes = mem.value !== undefined ? parseMemSize(mem.value, mem.named) : parseMemSize(fromEnv('UNIKV_MEM') ?? '256M', 'UNIKV_MEM=');
    cpus = cpuCount.value !== undefined ? parseCpuCount(cpuCount.value, cpuCount.named) : parseCpuCount(fromEnv('UNIKV_CPUS') ?? '1', 'UNIKV_CPUS=');
  } catch (e) {
    if (e instanceof OptionError) refuse(e.message);
    throw e;
  }
  const env = guestEnv([...(config.env ?? []), ...argv.env]);
  let publish: Publish[];
  try {
    publish = [...(config.publish ?? []), ...(argv.publish ?? [])].map((spec) => parsePublish(String(spec)));
  } catch (e) {
    if (e instanceof OptionError) refuse(e.message);
    throw e;
  }
  const net = pick('net', argv.net);
  if (net.value !== undefined && net.value !== 'none' && net.value !== 'host') refuse(`${net.named}${net.value}: expected host or none`);
  const backendChoice = pick('backend', argv.backend);
  const backend = backendChoice.value ?? 's3';
  if (!(BACKENDS as readonly string[]).includes(backend)) refuse(`${backendChoice.named}${backend}: expected memory, fs or s3`);
  const endpoint = pick('s3-endpoint', argv['s3-endpoint']);
  const s3Endpoint = endpoint.value ?? fromEnv('AWS_ENDPOINT_URL_S3') ?? fromEnv('AWS_ENDPOINT_URL');
  if (endpoint.value !== undefined && backend === 's3') {
    const problem = await endpointProblem(endpoint.value);
    if (problem !== undefined) refuse(`${endpoint.named}${endpoint.value}: ${problem}`);
  }
  const stats = pick('stats-file', resolved(argv['stats-file']));
  const statsFile = stats.value;
  if (statsFile !== undefined && !fs.existsSync(path.dirname(statsFile)))
    refuse(`${stats.named}${argv['stats-file'] ?? statsFile}: no such directory ${path.dirname(statsFile)}`);
  const straceChoice = pick('strace-file', resolved(argv['strace-file']));
  const straceFile = straceChoice.value;
  let straceFd: number | undefined;
  if (straceFile !== undefined) {
    try {
      straceFd = fs.openSync(straceFile, 'w');
    } catch (e) {
      refuse(
        `${straceChoice.named}${argv['strace-file'] ?? straceFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `no such directory ${path.dirname(straceFile)}` : (e as Error).message}`,
      );
    }
  }
  const kernelPath = argv.kernel ?? KERNEL_ELF;
  if (!fs.existsSync(kernelPath)) refuse(`kernel not found at ${kernelPath} (run npm run build)`);
  checkNotSource(image, form);
  const shares = shareMounts([
    ...(config.share ?? []).map((s) => ({ ...s, named: `${configName}: share ` })),
    ...argv.share.map((text) => ({ text, cwd: process.cwd(), named: '--share ' })),
  ]);
  const printStats = argv.stats ?? config.stats ?? false;

  // Loaded once the options are known to be good: a refused start never compiles the machine.
  const [{ runVm }, { RefusedError }, { catchInterrupt }] = await Promise.all([import('../vm.js'), import('../machine.js'), import('../interrupt-signal.js')]);
  const log = (line: string) => fs.writeSync(2, `${line}\n`);
  try {
    const result = await runVm({
      kernelPath,
      appPath: image,
      args: guestArgs,
      env,
      memBytes,
      cpus,
      stats: printStats || statsFile !== undefined,
      trace: (argv.trace ?? config.trace) ? (line) => log(`trace: ${line}`) : undefined,
      strace: straceFd !== undefined ? straceWriter(straceFd) : (argv.strace ?? config.strace) ? log : undefined,
      strictAbi: argv['strict-abi'] ?? config['strict-abi'] ?? false,
      shares,
      preload: resolved(argv.preload) ?? config.preload,
      publish,
      netNone: net.value === 'none',
      log,
      interrupted: catchInterrupt(),
      gdbPort,
      kv: {
        backend: backend as BackendName,
        dir: resolved(argv['kv-dir']) ?? config['kv-dir'],
        s3Endpoint,
        bucket: argv.bucket ?? config.bucket,
        prefix: argv.prefix ?? config.prefix,
      },
    });
    if (result.interrupted) log('unikv: interrupted');
    if (printStats && result.stats) fs.writeSync(2, result.stats.render());
    if (printStats && result.peakInFlight !== undefined) log(`Key-value requests in flight at once (peak, at the backend): ${result.peakInFlight}`);
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
