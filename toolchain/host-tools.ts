// Which optional host toolchains this machine has. The plain build needs only what
// running needs (toolchain/install.sh); the programs that only the tests and the
// benchmarks use are built when their toolchain is there (toolchain/install.sh
// --with-tests installs them all) and skipped, with one line naming it, when not.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A toolchain a build step needs: how to tell it is there, and the Debian package that brings it. */
export interface HostTool {
  /** What the skip line names: a command, or a library. */
  what: string;
  /** The Debian package that provides it. */
  pkg: string;
  present(): boolean;
}

/** A command that answers `cmd ...args` with status 0. */
export function command(cmd: string, args: string[], pkg: string): HostTool {
  return { what: cmd, pkg, present: () => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0 };
}

/** glibc's development files (static libc.a included): gcc's glibc builds and native references. */
export const GLIBC_DEV: HostTool = {
  what: "glibc's static library",
  pkg: 'libc6-dev',
  present() {
    const r = spawnSync('gcc', ['-print-file-name=libc.a'], { encoding: 'utf8' });
    const file = r.status === 0 ? r.stdout.trim() : '';
    return path.isAbsolute(file) && fs.existsSync(file);
  },
};

/** The first of `tools` this machine lacks, as the line a skipped step prints; undefined when all are there. */
export function missingTool(tools: HostTool[]): string | undefined {
  const absent = tools.find((t) => !t.present());
  return absent && `${absent.what} not found (Debian's ${absent.pkg}; toolchain/install.sh --with-tests installs it)`;
}
