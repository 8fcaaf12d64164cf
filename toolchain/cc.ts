// `npm run cc -- SRC.c [SRC.c ...] [compiler flags] -o OUT.elf`
// Builds a guest program (cc-main.ts): an ordinary static x86-64 Linux executable.
import { ccMain } from './cc-main.js';

// `unikv cc` runs this file too and names itself in UNIKV_CC_NAME (vmm/cli/front-door.ts).
process.exit(ccMain(process.argv.slice(2), process.env.UNIKV_CC_NAME ?? 'npm run cc --'));
