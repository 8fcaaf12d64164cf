// The VMM's entry in both of its forms. `npm run vm -- ...` (the contract's form) runs
// dist/vmm/cli/main.js; the package's command `unikv COMMAND ...` (bin/unikv) runs the same
// program, from the same start-up snapshot, under the name dist/vmm/cli/unikv.js, which is
// how this file tells the two apart (the snapshot's main function sees the script's
// name as given, in process.argv[1]).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CliForm, VmParser } from './command-line.js';
import { refuse } from './command-line.js';
import { runCli } from './run-vm.js';
import { ABI_VERSION } from '../generated/abi.js';
import { PROJECT_ROOT } from '../paths.js';

export type Parsers = Record<CliForm, VmParser>;

const HELP = `usage: unikv COMMAND ...

  unikv run [options] IMAGE [ARG ...]   boot IMAGE (a static x86-64 Linux executable) in
                                        the unikernel; ARGs go to the program
  unikv cc SRC.c ... [flags] -o OUT.elf build a guest program with musl and <kv.h>
  unikv help [COMMAND]                  this text, or a command's options
  unikv --version                       the package's and the guest ABI's versions

Paths are relative to the current directory. Exit status of run: the program's;
125: the VMM refused to start; 130: interrupted (Ctrl-C); 134: the guest crashed.
`;

/** Runs process.argv to its end in the form the script's name says. */
export async function main(parsers: Parsers): Promise<never> {
  const args = process.argv.slice(2);
  if (path.basename(process.argv[1] ?? '') !== 'unikv.js') return runCli(parsers.vm, args, 'vm');
  const [command, ...rest] = args;
  switch (command) {
    case 'run':
      return runCli(parsers.run, rest, 'run');
    case 'cc':
      return cc(rest);
    case '--version':
    case '-V':
    case 'version':
      process.stdout.write(`unikv ${packageVersion()} (guest ABI ${ABI_VERSION})\n`);
      process.exit(0);
      break;
    case 'help':
      if (rest[0] === 'run') return runCli(parsers.run, ['--help'], 'run');
      if (rest[0] === 'cc') return cc(['--help']);
      if (rest[0] !== undefined && rest[0] !== 'help') refuse(`help ${rest[0]}: no such command (commands: run, cc, help)`);
      process.stdout.write(HELP);
      process.exit(0);
      break;
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      process.exit(0);
      break;
    default:
      if (command.startsWith('-')) refuse(`unknown option ${command} (options go after the command: unikv run [options] IMAGE)`);
      refuse(`unknown command ${command} (commands: run, cc, help; to boot a program: unikv run ${command})`);
  }
  return process.exit(0);
}

/**
 * `unikv cc`: the guest compiler's own command (toolchain/cc.ts) in a child process,
 * so that the VMM does not depend on the toolchain room (the compiler lies above it);
 * its output and status are the command's.
 */
function cc(args: string[]): never {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'toolchain', 'cc.js'), ...args], {
    stdio: 'inherit',
    env: { ...process.env, UNIKV_CC_NAME: 'unikv cc' },
  });
  process.exit(r.status ?? 1);
}

function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
