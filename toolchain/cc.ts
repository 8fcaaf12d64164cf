// `npm run cc -- SRC.c [SRC.c ...] [compiler flags] -o OUT.elf`
// Builds a guest program (cc-main.ts): an ordinary static x86-64 Linux executable.
import { ccMain } from './cc-main.js';

process.exit(ccMain(process.argv.slice(2), 'npm run cc --'));
