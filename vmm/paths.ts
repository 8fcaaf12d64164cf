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

/** The VMM's command line, and the start-up snapshot `npm run vm` boots it from (cli/snapshot.ts). */
export const VMM_CLI = path.join(PROJECT_ROOT, 'dist', 'vmm', 'cli', 'main.js');
export const VMM_SNAPSHOT = path.join(BUILD_DIR, 'vmm', 'cli.blob');
/**
 * A link to the Node binary that built the snapshot: a snapshot loads only in the Node
 * version that made it, so bin/unikv starts this one (and falls back to PATH's node
 * when the link is gone).
 */
export const VMM_SNAPSHOT_NODE = path.join(BUILD_DIR, 'vmm', 'node');

/** Whether the running Node is the one that built the snapshot. */
function snapshotFitsThisNode(): boolean {
  try {
    return fs.realpathSync(VMM_SNAPSHOT_NODE) === fs.realpathSync(process.execPath);
  } catch {
    return false;
  }
}

/**
 * Node's arguments for starting the VMM with this process's Node (process.execPath)
 * exactly as `npm run vm` does (package.json); without the snapshot when another
 * Node built it (the unit tests also run on a second Node version).
 */
export const VMM_NODE_ARGS = snapshotFitsThisNode() ? ['--snapshot-blob', VMM_SNAPSHOT, VMM_CLI] : [VMM_CLI];
/** The key-value proxy's thread entry (proxy/thread.ts as tsc built it). */
export const PROXY_THREAD = path.join(PROJECT_ROOT, 'dist', 'proxy', 'thread.js');
export const NET_THREAD = path.join(PROJECT_ROOT, 'dist', 'proxy', 'net', 'thread.js');
