// Where the real programs come from and where their builds go; tests and the
// benchmark find them here.
import path from 'node:path';
import { BUILD_DIR, PROJECT_ROOT } from '../../vmm/paths.js';

export const PROGRAMS_SRC = path.join(PROJECT_ROOT, 'guest-src', 'app', 'programs');
export const PROGRAMS_DIR = path.join(BUILD_DIR, 'programs');

/** The Go programs of guest-src/app/programs/go, one directory each. */
export const GO_PROGRAMS = ['hello', 'goroutines', 'timers', 'files', 'jsonpanic', 'cpu', 'httpserver', 'httpget'] as const;
/**
 * Standard-library packages whose tests need neither a testdata directory nor the
 * network (`go test -c`; encoding/json's start an HTTP server, strconv's read testdata).
 */
export const GO_STD_TESTS = ['sort', 'strings', 'container/list', 'unicode/utf8', 'math', 'bytes'] as const;
export const goBin = (name: (typeof GO_PROGRAMS)[number]) => path.join(PROGRAMS_DIR, 'go', name);
export const goTestBin = (pkg: (typeof GO_STD_TESTS)[number]) => path.join(PROGRAMS_DIR, 'go', 'std', `${pkg.replace(/\//g, '-')}.test`);

/** Debian's rustc 1.63 (the one in ~/.cargo, if any, is another version). */
export const RUSTC = '/usr/bin/rustc';
/** The Rust std program: the default static-pie output and a non-PIE (relocation-model=static) one. */
export const rustBin = (kind: 'pie' | 'static') => path.join(PROGRAMS_DIR, 'rust', `std-${kind}`);

/** Debian's busybox-static: a static glibc executable, used as it is. */
export const BUSYBOX = '/bin/busybox';

/** The SQLite driver: musl and static for the guest; the host's gcc and glibc for reading back. */
export const SQLITE_GUEST = path.join(PROGRAMS_DIR, 'sqlite', 'driver');
export const SQLITE_HOST = path.join(PROGRAMS_DIR, 'sqlite', 'driver-host');
