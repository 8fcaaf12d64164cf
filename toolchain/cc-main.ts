// The guest compiler's command line, shared by `npm run cc -- ...` (cc.ts) and
// `unikv cc ...` (vmm/cli/front-door.ts runs cc.ts): Debian's musl-gcc -static with the project's
// guest headers (<kv.h>) on the include path and the guest library linked. Paths are
// relative to the current directory.
import { compileGuest, ToolError } from './guest-toolchain.js';

/** Compiles as args say; the exit status (name: how the user called it, for the usage line). */
export function ccMain(args: string[], name: string): number {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stderr.write(`usage: ${name} SRC.c [SRC.c ...] [compiler flags] -o OUT.elf\n`);
    return args.length === 0 ? 2 : 0;
  }
  try {
    compileGuest(args.includes('-O0') || args.some((a) => /^-O[123sgz]?$/.test(a)) ? args : ['-O2', ...args]);
    return 0;
  } catch (e) {
    if (!(e instanceof ToolError)) throw e;
    process.stderr.write(`cc: ${e.message}\n`);
    return e.status;
  }
}
