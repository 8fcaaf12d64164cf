// The real programs that measure the kernel (docs/reference.md, "Running a Go, Rust or
// glibc program"): built by `npm run build` after the guest programs, each skipped when
// its content hash says the last build is current. busybox needs no build: Debian's
// static /bin/busybox is used as it is.
import fs from 'node:fs';
import { buildCached } from './cache.js';
import { goRecipe } from './go.js';
import { PROGRAMS_DIR } from './paths.js';
import { rustRecipe } from './rust.js';
import { sqliteRecipe, sqliteSourceRecipe } from './sqlite.js';

export async function buildRealPrograms(step: (what: string) => void): Promise<void> {
  fs.mkdirSync(PROGRAMS_DIR, { recursive: true });
  for (const make of [goRecipe, rustRecipe, sqliteSourceRecipe, sqliteRecipe]) await buildCached(make(), step);
}
