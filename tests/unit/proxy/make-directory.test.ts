// The data directory of the fs backend and of the embedded S3 server is made level by
// level, so a path no mkdir can make fails at once instead of looping (procfs).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory } from '../../../proxy/kv/make-directory.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const temp = tempDirs('unikv-mkdir-');

describe('makeDirectory', () => {
  it('makes missing parents and accepts a directory that exists', async () => {
    const dir = path.join(temp(), 'a', 'b', 'c');
    await makeDirectory(dir);
    await makeDirectory(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
  });

  it('refuses a path through a file with ENOTDIR', async () => {
    const base = temp();
    fs.writeFileSync(path.join(base, 'file'), '');
    await expect(makeDirectory(path.join(base, 'file', 'x'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('fails at once where the file system refuses every mkdir (/proc/x)', async () => {
    await expect(makeDirectory('/proc/unikv-no-such-dir/x')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
