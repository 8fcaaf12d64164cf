// The guest toolchain: Debian's musl-gcc for C programs, nasm + ld for the kernel,
// and the guest library (<kv.h> and friends) every guest program links.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD_DIR, PROJECT_ROOT } from '../vmm/paths.js';

export const GUEST_INCLUDE = path.join(PROJECT_ROOT, 'guest-src', 'app', 'include');
export const GUEST_LIB_SRC = path.join(PROJECT_ROOT, 'guest-src', 'app', 'lib');
export const GUEST_LIB = path.join(BUILD_DIR, 'guest-lib', 'libunikv.a');

export class ToolError extends Error {
  constructor(
    message: string,
    readonly status = 1,
  ) {
    super(message);
  }
}

/** Runs a tool with inherited output; throws ToolError naming the missing package or the failure. */
export function runTool(cmd: string, args: string[], pkg: string): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new ToolError(`${cmd} not found: install Debian's ${pkg} (apt-get install ${pkg})`, 127);
  }
  if (r.status !== 0) throw new ToolError(`${cmd} failed (status ${r.status ?? r.signal})`, r.status ?? 1);
}

function newestMtime(files: string[]): number {
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

/** Builds build/guest-lib/libunikv.a when it is missing or older than its sources. */
export function ensureGuestLib(): string {
  const sources = fs
    .readdirSync(GUEST_LIB_SRC)
    .filter((f) => f.endsWith('.c'))
    .map((f) => path.join(GUEST_LIB_SRC, f));
  const headers = [path.join(GUEST_INCLUDE, 'kv.h'), path.join(GUEST_INCLUDE, 'unikernel', 'abi.h')];
  if (fs.existsSync(GUEST_LIB) && fs.statSync(GUEST_LIB).mtimeMs >= newestMtime([...sources, ...headers])) return GUEST_LIB;
  const objDir = path.join(BUILD_DIR, 'guest-lib', 'obj');
  fs.mkdirSync(objDir, { recursive: true });
  const objects = sources.map((src) => {
    const obj = path.join(objDir, `${path.basename(src, '.c')}.o`);
    runTool('musl-gcc', ['-O2', '-Wall', '-Wextra', '-I', GUEST_INCLUDE, '-c', src, '-o', obj], 'musl-tools');
    return obj;
  });
  fs.rmSync(GUEST_LIB, { force: true });
  runTool('ar', ['rcs', GUEST_LIB, ...objects], 'binutils');
  return GUEST_LIB;
}

/**
 * Functions the guest library replaces in the C library (guest-src/app/lib/memory.c,
 * string.c):
 * named to the linker as undefined from the start, so it takes them from the guest
 * library, which it reads before the C library.
 */
const REPLACED_LIBC = ['memcpy', 'memmove', 'memset', 'strlen', 'strchr'];

/** musl-gcc -static with the guest headers and library: an unmodified static Linux ELF. */
export function compileGuest(args: string[]): void {
  const lib = ensureGuestLib();
  const replaced = REPLACED_LIBC.map((name) => `-Wl,--undefined=${name}`);
  runTool('musl-gcc', ['-static', '-I', GUEST_INCLUDE, ...replaced, ...args, lib], 'musl-tools');
}
