// The real programs that measure the kernel (docs/reference.md, "Running a Go, Rust or
// glibc program"): built by `npm run build` after the guest programs, each skipped when
// its content hash says the last build is current, and skipped with one line when
// its toolchain is missing (only the tests and the benchmarks use them). busybox
// needs no build: Debian's static /bin/busybox is used as it is.
import fs from 'node:fs';
import { command, GLIBC_DEV, type HostTool, missingTool } from '../host-tools.js';
import { buildCached, type Recipe } from './cache.js';
import { goRecipe } from './go.js';
import { PROGRAMS_DIR, RUSTC } from './paths.js';
import { rustRecipe } from './rust.js';
import { sqliteRecipe, sqliteSourceRecipe } from './sqlite.js';

const PROGRAMS: { name: string; needs: HostTool[]; make: () => Recipe }[] = [
  { name: 'go', needs: [command('go', ['version'], 'golang-go')], make: goRecipe },
  { name: 'rust', needs: [command(RUSTC, ['--version'], 'rustc')], make: rustRecipe },
  // The SQLite driver is also built for the host (glibc), to read back what the guest wrote.
  { name: 'sqlite-source', needs: [GLIBC_DEV], make: sqliteSourceRecipe },
  { name: 'sqlite', needs: [GLIBC_DEV], make: sqliteRecipe },
];

export async function buildRealPrograms(step: (what: string) => void): Promise<void> {
  fs.mkdirSync(PROGRAMS_DIR, { recursive: true });
  for (const program of PROGRAMS) {
    const missing = missingTool(program.needs);
    if (missing) step(`program ${program.name}: skipped, ${missing}`);
    else await buildCached(program.make(), step);
  }
}
