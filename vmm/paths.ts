// Where the build puts the kernel and the bundled guest programs.
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root, whether running from dist/vmm or from vmm (tests). */
export const PROJECT_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the project root');
    dir = up;
  }
  return dir;
})();

export const BUILD_DIR = path.join(PROJECT_ROOT, 'build');
export const KERNEL_ELF = path.join(BUILD_DIR, 'kernel', 'kernel.elf');
export const GUEST_BIN_DIR = path.join(BUILD_DIR, 'guest');

/** The VMM's command line, and the start-up snapshot `npm run vm` boots it from (cli-snapshot.ts). */
export const VMM_CLI = path.join(PROJECT_ROOT, 'dist', 'vmm', 'cli.js');
export const VMM_SNAPSHOT = path.join(BUILD_DIR, 'vmm', 'cli.blob');
/** Node's arguments for starting the VMM exactly as `npm run vm` does (package.json). */
export const VMM_NODE_ARGS = ['--snapshot-blob', VMM_SNAPSHOT, VMM_CLI];
/** The key-value proxy's thread entry (proxy/thread.ts as tsc built it). */
export const PROXY_THREAD = path.join(PROJECT_ROOT, 'dist', 'proxy', 'thread.js');
export const NET_THREAD = path.join(PROJECT_ROOT, 'dist', 'proxy', 'net', 'thread.js');
