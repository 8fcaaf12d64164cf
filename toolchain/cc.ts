// `npm run cc -- SRC.c [SRC.c ...] [compiler flags] -o OUT.elf`
// Builds a guest program: Debian's musl-gcc -static with the project's guest headers
// (<kv.h>) on the include path and the guest library linked. The result is an
// ordinary static x86-64 Linux executable.
import { compileGuest, ToolError } from './guest-toolchain.js';

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
  process.stderr.write('usage: npm run cc -- SRC.c [SRC.c ...] [compiler flags] -o OUT.elf\n');
  process.exit(args.length === 0 ? 2 : 0);
}
try {
  compileGuest(args.includes('-O0') || args.some((a) => /^-O[123sgz]?$/.test(a)) ? args : ['-O2', ...args]);
} catch (e) {
  if (!(e instanceof ToolError)) throw e;
  process.stderr.write(`cc: ${e.message}\n`);
  process.exit(e.status);
}
