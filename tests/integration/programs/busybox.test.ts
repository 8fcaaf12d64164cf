// Debian's static busybox (a glibc executable, used as it is): shell scripts and the
// text tools. A script runs builtins and, last, one applet busybox can run in its
// own process; anything else needs fork and execve, which the kernel does not offer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { BUSYBOX } from '../../../toolchain/programs/paths.js';
import { runVm } from '../../helpers/run-vm.js';
import { cases } from './cases.js';

let preload: string;
const FRUIT = 'banana 3\napple 1\ncherry 2\n';

beforeAll(() => {
  preload = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-busybox-'));
  fs.mkdirSync(path.join(preload, 'data'));
  fs.writeFileSync(path.join(preload, 'data', 'fruit.txt'), FRUIT);
});
afterAll(() => fs.rmSync(preload, { recursive: true, force: true }));

/** busybox with the preloaded /data/fruit.txt; returns stdout, having checked the exit status. */
function busybox(args: string[], vm: string[] = []): string {
  const r = runVm([BUSYBOX, '--preload', preload, ...vm, '--', ...args]);
  expect(r.status, r.stdout.toString() + r.stderr).toBe(0);
  return r.stdout.toString();
}

const sh = (script: string, vm: string[] = []) => busybox(['sh', '-c', script], vm);

describe('busybox (glibc static)', () => {
  cases([
    {
      name: 'sh: $((...)) arithmetic in a while loop',
      run: () => expect(sh('i=0; s=0; while [ $i -lt 100 ]; do i=$((i + 1)); s=$((s + i)); done; echo "sum=$s"')).toBe('sum=5050\n'),
    },
    {
      name: 'sh: redirections to files, cd, and an applet last',
      run: () => expect(sh('cd /data && echo "answer $((6 * 7))" > out && echo "more 1" >> out && pwd && sort -k2 -n out')).toBe('/data\nmore 1\nanswer 42\n'),
    },
    {
      name: 'sh: a while-read loop over a file',
      run: () =>
        expect(sh('total=0; while read name n; do total=$((total + n)); echo "$name"; done < /data/fruit.txt; echo "total=$total"')).toBe(
          'banana\napple\ncherry\ntotal=6\n',
        ),
    },
    {
      name: 'sh: output redirected to /dev/null',
      run: () => expect(sh('echo hidden > /dev/null; echo shown 2>/dev/null')).toBe('shown\n'),
    },
    {
      name: 'date is the host clock, within seconds',
      run: () => {
        const t = Number(busybox(['date', '+%s']));
        expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(10);
      },
    },
    {
      name: 'nproc sees --cpus',
      run: () => expect(busybox(['nproc'], ['--cpus', '3'])).toBe('3\n'),
    },
    {
      name: 'sort, wc, awk, find and md5sum on a file',
      run: () => {
        expect(busybox(['sort', '-k2', '-n', '/data/fruit.txt'])).toBe('apple 1\ncherry 2\nbanana 3\n');
        expect(busybox(['wc', '-l', '/data/fruit.txt'])).toBe('3 /data/fruit.txt\n');
        expect(busybox(['awk', '{ s += $2 } END { print s }', '/data/fruit.txt'])).toBe('6\n');
        expect(busybox(['find', '/data', '-name', '*.txt'])).toBe('/data/fruit.txt\n');
        expect(busybox(['md5sum', '/data/fruit.txt'])).toBe('9c005fa84e1fc0e0342f89abcadde2d4  /data/fruit.txt\n');
      },
    },
    {
      name: 'dd bs=1 copies a file byte by byte',
      run: () => {
        const r = runVm([BUSYBOX, '--preload', preload, '--', 'dd', 'if=/data/fruit.txt', 'of=/copy', 'bs=1', 'count=9']);
        expect(r.stderr).toContain('9+0 records in\n9+0 records out\n');
        expect(r.status).toBe(0);
      },
    },
    {
      name: 'dd bs=1 from /dev/zero',
      run: () => {
        const r = runVm([BUSYBOX, '--', 'dd', 'if=/dev/zero', 'of=/zeros', 'bs=1', 'count=1000']);
        expect(r.stderr).toContain('1000+0 records in\n1000+0 records out\n');
        expect(r.status).toBe(0);
      },
    },
    {
      name: 'mktemp in a given directory',
      run: () => expect(busybox(['mktemp', '-p', '/data'])).toMatch(/^\/data\/tmp\.\w{6}\n$/),
    },
    {
      name: 'mktemp with no argument (in /tmp)',
      run: () => expect(busybox(['mktemp'])).toMatch(/^\/tmp\/tmp\.\w{6}\n$/),
    },
    {
      name: 'touch -d creates a file on the host share with the given time',
      run: () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-busybox-share-'));
        try {
          busybox(['touch', '-d', '2020-01-02 03:04:05', '/host/new'], ['--share', dir, '--env', 'TZ=UTC0']);
          expect(fs.statSync(path.join(dir, 'new')).mtimeMs).toBe(Date.UTC(2020, 0, 2, 3, 4, 5));
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    },
  ]);
});
