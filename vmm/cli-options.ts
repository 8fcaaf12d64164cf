// The options of `npm run vm` (yargs). The parser is built over no arguments, so
// that the start-up snapshot (cli-snapshot.ts) can hold it ready-made instead of
// every start building it; cli-main.ts parses process.argv with it.
import type { Argv } from 'yargs';

export const STATUS_REFUSED = 125;

/** One line naming the problem, status 125: the VMM refused to start. */
export function refuse(message: string): never {
  process.stderr.write(`unikv: ${message}\n`);
  process.exit(STATUS_REFUSED);
}

export type YargsFactory = (args: string[]) => Argv;

/** The command line's parser, without arguments yet. */
export function defineOptions(yargs: YargsFactory) {
  return yargs([])
    .scriptName('npm run vm --')
    .usage(
      "$0 IMAGE.elf [options] [-- ARG ...]\n\nBoots the unikv kernel in an emulated x86-64 vCPU with IMAGE (a static x86-64 Linux executable, -static or -static-pie, musl or glibc; see `npm run cc`) as its application. ARGs become argv[1..]. The exit status is the guest's; 125 means the VMM refused to start.",
    )
    .parserConfiguration({ 'populate--': true })
    .option('mem', { type: 'string', default: '256M', describe: 'guest RAM (such as 64M, 256M, 1G)' })
    .option('cpus', { type: 'string', default: '1', describe: 'virtual CPUs' })
    .option('stats', { type: 'boolean', default: false, describe: 'print VM-exit statistics on stderr at exit' })
    .option('trace', { type: 'boolean', default: false, describe: 'print one line per hypercall on stderr' })
    .option('strict-abi', {
      type: 'boolean',
      default: false,
      describe: 'also name the system calls the kernel refuses without a report (rseq), once each',
    })
    .option('env', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe: 'NAME=VALUE for the guest environment (repeatable; with none, HOME=/ and a PATH)',
    })
    .option('share', { type: 'string', describe: 'host directory shown at /host in the guest, confined to it' })
    .option('preload', { type: 'string', describe: 'host directory copied into the guest RAM file system at boot' })
    .option('backend', {
      type: 'string',
      choices: ['memory', 'fs', 's3'],
      describe: 'key-value backend (default: s3 on an embedded S3-compatible server on loopback)',
    })
    .option('s3-endpoint', {
      type: 'string',
      describe: 'S3-compatible endpoint for --backend s3 (AWS, MinIO, Ceph RGW ...); credentials from the AWS environment',
    })
    .option('bucket', { type: 'string', describe: 'S3 bucket (default unikv)' })
    .option('prefix', { type: 'string', describe: 'prepended to every S3 object name' })
    .option('kv-dir', { type: 'string', describe: 'data directory of the fs backend or the embedded S3 server (default ./.kvstore/...)' })
    .option('kernel', { type: 'string', describe: 'kernel ELF to boot (default: the built one)', hidden: true })
    .strictOptions()
    .help()
    .version(false)
    .fail((msg, err) => refuse(err?.message ?? msg));
}

export type VmParser = ReturnType<typeof defineOptions>;
