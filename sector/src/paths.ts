// Where the exercise's files are, whether running from dist/ (the launchers, the
// benchmark) or from the TypeScript sources (the tests).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's folder (sector/): the nearest folder above this module with a package.json. */
export const PACKAGE_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the sector package');
    dir = up;
  }
  return dir;
})();

/** The repository root: the launchers (bin/) and the Makefile the contract runs are there. */
export const REPO_ROOT = path.dirname(PACKAGE_ROOT);

/** A launcher in the repository's bin/ (service, client, tool_for_integrity). */
export const launcher = (name: string): string => path.join(REPO_ROOT, 'bin', name);
