// Builds one C source with the host's gcc into a temporary directory: the native
// references benchmarks set the project's figures against (bench/lib/native-getpid.ts,
// sector/bench/lib/native-pattern.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface NativeProgram {
  /** The executable's path. */
  readonly bin: string;
  /** Removes the executable and its directory. */
  dispose(): void;
}

/** Compiles `source` with -O2 and `flags`; throws one line naming gcc's complaint. */
export function buildNative(source: string, flags: string[] = []): NativeProgram {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-native-'));
  const dispose = (): void => fs.rmSync(dir, { recursive: true, force: true });
  const bin = path.join(dir, path.basename(source, '.c'));
  const cc = spawnSync('gcc', ['-O2', ...flags, '-o', bin, source], { encoding: 'utf8' });
  if (cc.status !== 0) {
    dispose();
    throw new Error(`gcc failed on ${source}: ${cc.stderr?.trim() || cc.error?.message || `exit status ${cc.status}`}`);
  }
  return { bin, dispose };
}
