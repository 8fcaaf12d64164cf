// Making a data directory and its parents, in bounded time. Node's own
// mkdir({ recursive: true }) loops forever on a file system that answers ENOENT to
// every mkdir (procfs: /proc/x), so each level is made on its own, and any answer
// but "already there" stops the walk with that error.
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Creates `dir` and any missing parents; throws the first error (ENOTDIR when a component is a file). */
export async function makeDirectory(dir: string): Promise<void> {
  const absolute = path.resolve(dir);
  const levels: string[] = [];
  for (let at = absolute; ; at = path.dirname(at)) {
    levels.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const level of levels) {
    try {
      await mkdir(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!(await stat(level)).isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${level}'`), { code: 'ENOTDIR', errno: -20, path: level });
      }
    }
  }
}
