// SQLite: the upstream amalgamation (sqlite3.c, sqlite3.h) taken from the npm package
// better-sqlite3, whose tarball ships it in deps/sqlite3/. The project fetches the
// tarball with `npm pack` into build/ (the registry checks its integrity) and never
// installs the package: installing it would build its native Node addon, which the
// project does not use. The amalgamation is compiled twice with a small driver of our
// own (guest-src/app/programs/sqlite/driver.c): with musl-gcc for the guest, and with
// the host's gcc so a test can read what the guest wrote, natively.
import fs from 'node:fs';
import path from 'node:path';
import { compileGuest } from '../guest-toolchain.js';
import { inParallel, type Recipe, run, runAsync, toolVersion } from './cache.js';
import { PROGRAMS_DIR, PROGRAMS_SRC, SQLITE_GUEST, SQLITE_HOST } from './paths.js';

/** The package and version whose tarball carries the amalgamation (SQLite 3.53.2). */
export const SQLITE_PACKAGE = 'better-sqlite3@12.11.1';
const SOURCE_DIR = path.join(PROGRAMS_DIR, 'sqlite', 'src');
const AMALGAMATION = path.join(SOURCE_DIR, 'package', 'deps', 'sqlite3');
const DRIVER = path.join(PROGRAMS_SRC, 'sqlite', 'driver.c');
/** One connection per process, no extensions: the configuration small embedded users pick. */
const DEFINES = ['-DSQLITE_THREADSAFE=0', '-DSQLITE_OMIT_LOAD_EXTENSION', '-DSQLITE_DEFAULT_MEMSTATUS=0'];
/** The host's copy only reads databases back in tests (the benchmark runs the guest's static binary natively): -O1 compiles faster. */
const HOST_OPT = '-O1';

export function sqliteSourceRecipe(): Recipe {
  return {
    name: 'sqlite-source',
    inputs: [],
    salt: [SQLITE_PACKAGE],
    outputs: [path.join(AMALGAMATION, 'sqlite3.c'), path.join(AMALGAMATION, 'sqlite3.h')],
    build() {
      fs.rmSync(SOURCE_DIR, { recursive: true, force: true });
      fs.mkdirSync(SOURCE_DIR, { recursive: true });
      run('npm', ['pack', SQLITE_PACKAGE, '--pack-destination', SOURCE_DIR, '--silent']);
      const tarball = fs.readdirSync(SOURCE_DIR).find((f) => f.endsWith('.tgz'));
      if (!tarball) throw new Error(`npm pack ${SQLITE_PACKAGE} made no tarball`);
      run('tar', ['-xzf', path.join(SOURCE_DIR, tarball), '-C', SOURCE_DIR, 'package/deps/sqlite3/sqlite3.c', 'package/deps/sqlite3/sqlite3.h']);
    },
  };
}

export function sqliteRecipe(): Recipe {
  const guestObj = path.join(PROGRAMS_DIR, 'sqlite', 'sqlite3-musl.o');
  const hostObj = path.join(PROGRAMS_DIR, 'sqlite', 'sqlite3-host.o');
  return {
    name: 'sqlite',
    inputs: [DRIVER, path.join(AMALGAMATION, 'sqlite3.c'), path.join(AMALGAMATION, 'sqlite3.h')],
    salt: [toolVersion('musl-gcc', ['--version'], 'musl-tools'), toolVersion('gcc', ['--version'], 'gcc'), ...DEFINES, HOST_OPT],
    outputs: [SQLITE_GUEST, SQLITE_HOST],
    async build() {
      const amalgamation = path.join(AMALGAMATION, 'sqlite3.c');
      // The two compiles of the 9 MB amalgamation take most of the time: side by side.
      await inParallel([
        () => runAsync('musl-gcc', ['-O2', ...DEFINES, '-c', amalgamation, '-o', guestObj]),
        () => runAsync('gcc', [HOST_OPT, ...DEFINES, '-c', amalgamation, '-o', hostObj]),
      ]);
      compileGuest(['-O2', '-Wall', '-Wextra', '-I', AMALGAMATION, DRIVER, guestObj, '-o', SQLITE_GUEST]);
      run('gcc', ['-O2', '-Wall', '-Wextra', '-I', AMALGAMATION, DRIVER, hostObj, '-o', SQLITE_HOST, '-lm']);
    },
  };
}
