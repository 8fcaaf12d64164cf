// The Rust std program built with Debian's rustc 1.63 (/usr/bin/rustc, not a rustup
// toolchain) as a static glibc executable, twice: rustc's default output with
// +crt-static is a static-pie (ET_DYN that relocates itself), and
// -C relocation-model=static gives a classic non-PIE ET_EXEC. Both are what Rust
// users ship as "static binaries".
import path from 'node:path';
import { inParallel, type Recipe, runAsync, toolVersion } from './cache.js';
import { PROGRAMS_SRC, RUSTC, rustBin } from './paths.js';

const SRC = path.join(PROGRAMS_SRC, 'rust', 'std.rs');
const FLAGS = ['--edition', '2021', '-O', '-C', 'target-feature=+crt-static'];

export function rustRecipe(): Recipe {
  return {
    name: 'rust',
    inputs: [SRC],
    salt: [toolVersion(RUSTC, ['--version'], 'rustc'), ...FLAGS],
    outputs: [rustBin('pie'), rustBin('static')],
    async build() {
      await inParallel([
        () => runAsync(RUSTC, [...FLAGS, SRC, '-o', rustBin('pie')]),
        () => runAsync(RUSTC, [...FLAGS, '-C', 'relocation-model=static', SRC, '-o', rustBin('static')]),
      ]);
    },
  };
}
