// The check both --share and --preload make before touching a host directory.

import fs from 'node:fs';

/** Why `root` cannot be the readable directory that `flag` names (one line), or undefined when it can. */
export function directoryProblem(flag: string, root: string): string | undefined {
  try {
    if (!fs.statSync(root).isDirectory()) return `${flag} ${root}: not a directory`;
    fs.accessSync(root, fs.constants.R_OK | fs.constants.X_OK);
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return `${flag} ${root}: ${err.code === 'ENOENT' ? 'no such directory' : err.code === 'EACCES' ? 'permission denied' : err.message}`;
  }
}
