// The command line of `npm run vm` (see cli.ts): parse the options, hand the
// configuration to the emulation worker, serve the key-value proxy, exit with the
// guest's status. yargs is loaded through its single-file CommonJS build, which
// loads several times faster than its ES-module tree.
import type { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Argv } from 'yargs';
import { KERNEL_ELF } from './paths.js';
import { OptionError, parseCpuCount, parseMemSize } from './options.js';
import type { WorkerConfig, WorkerMessage } from './worker.js';
import { createChannel } from './channel/channel.js';
import type { ProxyService } from '../proxy/kv-service.js';

const STATUS_REFUSED = 125;

function refuse(message: string): never {
  process.stderr.write(`unikv: ${message}\n`);
  process.exit(STATUS_REFUSED);
}

/** Runs the command line against an emulation worker that is already starting. */
export function runCli(worker: Worker): void {
  const yargs = createRequire(import.meta.url)('yargs/yargs') as (args: string[]) => Argv;
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

  const config: WorkerConfig = {
    kernelPath,
    appPath: image,
    args: [...positional.slice(1), ...((argv['--'] as string[] | undefined) ?? []).map(String)],
    env: argv.env,
    memBytes,
    cpus,
    stats: argv.stats,
    trace: argv.trace,
    share: argv.share,
    preload: argv.preload,
  };

  // The key-value proxy lives on this thread; the emulation worker reaches it through
  // the device channel. The proxy module (and the AWS SDK) loads in the background.
  const channel = createChannel(256, 1);
  config.kvChannel = channel.sab;
  const backendName = (argv.backend ?? 's3') as 'memory' | 'fs' | 's3';
  const proxy: Promise<ProxyService> = import('../proxy/kv-service.js').then(({ ProxyService }) =>
    new ProxyService(channel.sab, {
      backend: backendName,
      dir: argv['kv-dir'],
      s3Endpoint: argv['s3-endpoint'],
      bucket: argv.bucket,
      prefix: argv.prefix,
    }, (line) => process.stderr.write(line + '\n')));

  worker.postMessage(config);
  worker.on('message', async (m: WorkerMessage) => {
    if (m.kind === 'refused') refuse(m.message);
    const service = await proxy;
    if (argv.stats) {
      const peak = await service.peakInFlight();
      if (peak !== undefined) process.stderr.write(`Key-value requests in flight at once (peak, at the backend): ${peak}\n`);
    }
    await service.close();
    process.exit(m.status);
  });
  worker.on('error', (e) => {
    process.stderr.write(`unikv: internal error: ${e.stack ?? e}\n`);
    process.exitCode = 70;
  });
  process.on('SIGINT', () => {
    process.stderr.write('unikv: interrupted\n');
    process.exit(130);
  });
}
