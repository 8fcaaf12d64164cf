// The options of the VMM's command line (yargs), in its two forms:
// - 'vm': `npm run vm -- IMAGE.elf [options] [-- ARG ...]` (the contract's form: options
//   may follow the image; the guest's arguments come after `--`);
// - 'run': `unikv run [options] IMAGE [ARG ...]` (options before the image belong to the
//   VMM, everything after it goes to the guest untouched).
// Both parsers are built over no arguments, so that the start-up snapshot
// (snapshot.ts) can hold them ready-made instead of every start building them;
// run-vm.ts parses the command line with one of them.
import type { Argv } from 'yargs';

export const STATUS_REFUSED = 125;

/** One line naming the problem, status 125: the VMM refused to start. */
export function refuse(message: string): never {
  process.stderr.write(`unikv: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(STATUS_REFUSED);
}

export type YargsFactory = (args: string[]) => Argv;
export type CliForm = 'vm' | 'run';

export const BACKENDS = ['memory', 'fs', 's3'] as const;

/** Short names and their long options (for messages). */
const ALIASES: Record<string, string> = { c: 'cpus', m: 'mem', e: 'env', p: 'publish' };

/** An option's name as the user types it: `--cpus`, `-q`. */
export function dashed(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/** yargs' failure messages as one line that names each option with its dashes. */
export function explainFailure(message: string): string {
  const unknown = /^Unknown arguments?: (.*)$/s.exec(message);
  if (unknown) {
    const names = unknown[1].split(', ').map(dashed);
    return `unknown option${names.length > 1 ? 's' : ''} ${names.join(', ')} (see --help)`;
  }
  const missing = /^Not enough arguments following: (.*)$/s.exec(message);
  if (missing) {
    const name = missing[1];
    const long = ALIASES[name];
    return `${dashed(name)}${long ? ` (--${long})` : ''} needs a value`;
  }
  return message;
}

/** The command line's parser for one form, without arguments yet. */
export function defineOptions(yargs: YargsFactory, form: CliForm = 'vm') {
  const parser = yargs([])
    .scriptName(form === 'vm' ? 'npm run vm --' : 'unikv run')
    .usage(
      form === 'vm'
        ? "$0 IMAGE.elf [options] [-- ARG ...]\n\nBoots the unikv kernel in an emulated x86-64 vCPU with IMAGE (a static x86-64 Linux executable, -static or -static-pie, musl or glibc; see `npm run cc`) as its application. ARGs become argv[1..]. The exit status is the guest's; 125 means the VMM refused to start."
        : "$0 [options] IMAGE [ARG ...]\n\nBoots the unikv kernel with IMAGE (a static x86-64 Linux executable; see `unikv cc`) as its application. Options go before IMAGE; everything after IMAGE goes to the program as argv[1..] (a `--` right after IMAGE is dropped). Paths are relative to the current directory. The exit status is the guest's; 125: the VMM refused to start; 130: interrupted (Ctrl-C).",
    )
    .parserConfiguration(form === 'vm' ? { 'populate--': true } : { 'populate--': true, 'halt-at-non-option': true })
    .option('cpus', { alias: 'c', type: 'string', requiresArg: true, describe: 'virtual CPUs (default 1, or UNIKV_CPUS)' })
    .option('mem', { alias: 'm', type: 'string', requiresArg: true, describe: 'guest RAM, such as 64M, 512M, 1G, 1GiB (default 256M, or UNIKV_MEM)' })
    .option('env', {
      alias: 'e',
      type: 'string',
      array: true,
      // In the run form a greedy list would swallow the image.
      ...(form === 'run' ? { nargs: 1 } : {}),
      default: [] as string[],
      describe: "NAME=VALUE for the guest's environment, or NAME alone for the host's value (repeatable; with none, HOME=/ and a PATH)",
    })
    .option('config', {
      type: 'string',
      requiresArg: true,
      describe:
        'JSON object of options by long name, such as {"mem": "512M", "share": ["data:/data:ro"]} (default UNIKV_CONFIG); the command line wins, --share and --env add to it, paths in it are relative to it',
    })
    .option('stats', { type: 'boolean', describe: 'print VM-exit statistics on stderr at exit' })
    .option('stats-file', { type: 'string', requiresArg: true, describe: 'write the statistics to FILE as one JSON object' })
    .option('trace', { type: 'boolean', describe: 'print one line per hypercall on stderr (the hypercall half of --strace)' })
    .option('strace', { type: 'boolean', describe: "print one line per system call on stderr, as strace does, with each call's hypercalls" })
    .option('strace-file', { type: 'string', requiresArg: true, describe: 'write the --strace lines to FILE instead' })
    .option('strict-abi', {
      type: 'boolean',
      describe: 'also name the system calls the kernel refuses without a report (rseq), once each',
    })
    .option('gdb', {
      type: 'string',
      requiresArg: true,
      describe: 'stop before the first instruction and wait for gdb on 127.0.0.1:PORT (docs/debugging.md)',
    })
    .option('share', {
      type: 'string',
      array: true,
      nargs: 1,
      default: [] as string[],
      describe: 'HOST[:GUEST][:ro]: host directory HOST at GUEST in the guest (default /host), confined to it; :ro refuses every change (EROFS); repeatable',
    })
    .option('publish', {
      alias: 'p',
      type: 'string',
      array: true,
      ...(form === 'run' ? { nargs: 1 } : {}),
      default: [] as string[],
      describe:
        "[ADDR:]HOST_PORT:GUEST_PORT: the VMM listens on the host's ADDR:HOST_PORT (default 127.0.0.1) and hands each connection to the guest's listener on GUEST_PORT (repeatable)",
    })
    .option('net', {
      type: 'string',
      requiresArg: true,
      describe: "outbound networking: host (default: the guest's connections go out through host sockets) or none",
    })
    .option('preload', { type: 'string', requiresArg: true, describe: 'host directory copied into the guest RAM file system at boot' })
    .option('backend', {
      type: 'string',
      requiresArg: true,
      describe: 'key-value backend: memory, fs or s3 (default: s3 on an embedded S3-compatible server on loopback)',
    })
    .option('s3-endpoint', {
      type: 'string',
      requiresArg: true,
      describe:
        'S3-compatible endpoint for --backend s3 (AWS, MinIO, Ceph RGW ...; default AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then the embedded server); credentials from the AWS environment',
    })
    .option('bucket', { type: 'string', requiresArg: true, describe: 'S3 bucket (default unikv)' })
    .option('prefix', { type: 'string', requiresArg: true, describe: 'prepended to every S3 object name' })
    .option('kv-dir', {
      type: 'string',
      requiresArg: true,
      describe: 'data directory of the fs backend or the embedded S3 server (default ./.kvstore/...)',
    })
    .option('kernel', { type: 'string', describe: 'kernel ELF to boot (default: the built one)', hidden: true })
    .strictOptions()
    .help()
    .alias('help', 'h')
    .version(false)
    .fail((msg, err) => refuse(explainFailure(err?.message ?? msg)));
  return parser;
}

export type VmParser = ReturnType<typeof defineOptions>;
