// The command line of `npm run vm` (see cli.ts): parse the options, run the machine
// on this thread, start the key-value proxy on its own thread when the guest first
// uses the store, exit with the guest's status. The caller hands in yargs: cli.ts
// loads it from node_modules, the start-up snapshot (cli-snapshot.ts) has it built in.
import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import type { Argv } from 'yargs';
import { preloadLibunicorn } from './engine/preload.js';
import { KERNEL_ELF } from './paths.js';
import { OptionError, parseCpuCount, parseMemSize } from './options.js';
import { createChannel } from './channel/channel.js';
import type { ProxyCommand, ProxyReport, ProxyThreadData } from './proxy-thread.js';

const STATUS_REFUSED = 125;

function refuse(message: string): never {
  process.stderr.write(`unikv: ${message}\n`);
  process.exit(STATUS_REFUSED);
}

export type YargsFactory = (args: string[]) => Argv;

/** Runs the command line (process.argv) to the guest's exit. */
export async function runCli(yargs: YargsFactory): Promise<never> {
  // The engine's library loads on a pool thread while this one parses and checks
  // the command line (engine/preload.ts).
  preloadLibunicorn();
  const parser = yargs(process.argv.slice(2))
    .scriptName('npm run vm --')
    .usage('$0 IMAGE.elf [options] [-- ARG ...]\n\nBoots the unikv kernel in an emulated x86-64 vCPU with IMAGE (a static musl executable, see `npm run cc`) as its application. ARGs become argv[1..]. The exit status is the guest\'s; 125 means the VMM refused to start.')
    .parserConfiguration({ 'populate--': true })
    .option('mem', { type: 'string', default: '256M', describe: 'guest RAM (such as 64M, 256M, 1G)' })
    .option('cpus', { type: 'string', default: '1', describe: 'virtual CPUs' })
    .option('stats', { type: 'boolean', default: false, describe: 'print VM-exit statistics on stderr at exit' })
    .option('trace', { type: 'boolean', default: false, describe: 'print one line per hypercall on stderr' })
    .option('env', { type: 'string', array: true, default: [] as string[], describe: 'NAME=VALUE for the guest environment (repeatable)' })
    .option('share', { type: 'string', describe: 'host directory shown at /host in the guest, confined to it' })
    .option('preload', { type: 'string', describe: 'host directory copied into the guest RAM file system at boot' })
    .option('backend', { type: 'string', choices: ['memory', 'fs', 's3'], describe: 'key-value backend (default: s3 on an embedded S3-compatible server on loopback)' })
    .option('s3-endpoint', { type: 'string', describe: 'S3-compatible endpoint for --backend s3 (AWS, MinIO, Ceph RGW ...); credentials from the AWS environment' })
    .option('bucket', { type: 'string', describe: 'S3 bucket (default unikv)' })
    .option('prefix', { type: 'string', describe: 'prepended to every S3 object name' })
    .option('kv-dir', { type: 'string', describe: 'data directory of the fs backend or the embedded S3 server (default ./.kvstore/...)' })
    .option('kernel', { type: 'string', describe: 'kernel ELF to boot (default: the built one)', hidden: true })
    .strictOptions()
    .help()
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => refuse(err?.message ?? msg));

  const argv = parser.parseSync();
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
    proxy = new Worker(new URL('./proxy-thread.js', import.meta.url), { workerData: proxyData });
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
