// mmap of files (mm/file_map.asm): private copies, shared mappings that reach the
// file on msync, munmap and exit, on the RAM file system and on the host share.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const shareDir = tempDirs('unikv-filemap-');

describe('mmap of files', () => {
  it('on the RAM file system', () => {
    const r = runVm([guestBin('tests', 'filemap'), '--', '/']);
    const c = checks(r.stdout);
    expect(Object.keys(c).length, r.stdout.toString() + r.stderr).toBe(17);
    expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('on the host share, where the host sees what msync wrote', () => {
    const share = shareDir();
    const r = runVm([guestBin('tests', 'filemap'), '--share', share, '--', '/host']);
    const c = checks(r.stdout);
    expect(Object.keys(c).length, r.stdout.toString() + r.stderr).toBe(17);
    expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
    expect(fs.readFileSync(path.join(share, 'mapped.txt')).length).toBe(8192);
  });

  it('writes a dirty shared mapping back when the program exits', () => {
    const share = shareDir();
    const r = runVm([guestBin('tests', 'filemap'), '--share', share, '--', '/host', 'exit']);
    expect(r.status, r.stdout.toString() + r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(share, 'mapped.txt'), 'utf8')).toBe('Jello, mapped world');
  });
});
