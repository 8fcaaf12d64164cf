// File-system facts beyond read and write (guest-src/app/tests/fs-extra.c): times
// and utimensat, statx, chown, fsync, flock and record locks, sendfile and
// copy_file_range, the /dev, /proc, /tmp and /etc tree, and on the host share: the
// host sees the times the guest set, and an fsync'd file is whole on the host's
// disk while the VM still runs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VMM_NODE_ARGS } from '../../../vmm/paths.js';
import { ROOT, checks, guestBin, runVm } from '../../helpers/run-vm.js';

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

const failed = (stdout: Buffer) => Object.entries(checks(stdout)).filter(([, ok]) => !ok);

describe('file-system facts', () => {
  for (const cpus of [1, 3]) {
    it(`on the RAM file system, ${cpus} vCPU${cpus > 1 ? 's' : ''}`, () => {
      const r = runVm([guestBin('tests', 'fs-extra'), '--cpus', String(cpus), '--mem', '96M', '--', String(cpus), '96']);
      const out = r.stdout.toString();
      expect(Object.keys(checks(r.stdout)).length, out).toBe(87);
      expect(failed(r.stdout)).toEqual([]);
      // The times are the host's wall clock, not 1970.
      const mtime = Number(/^mtime=(\d+)$/m.exec(out)?.[1]);
      expect(Math.abs(mtime - Date.now() / 1000)).toBeLessThan(60);
      // sendfile and /dev/fd/1 reach the console.
      expect(out).toContain('via sendfile\n');
      expect(out).toContain('dev-fd-1 reached stdout\n');
      expect(out).toMatch(/^root=\. \.\. dev proc tmp etc /m);
      expect(out).toContain('home=/\n'); // the default environment, without --env
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }

  // A real program's view: busybox (static; toolchain/install.sh installs it) lists /host,
  // /dev and /proc without complaint.
  it('busybox ls -la /host /dev /proc', () => {
    const share = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-fsx-'));
    scratch.push(share);
    fs.writeFileSync(path.join(share, 'a.txt'), 'hi\n');
    const r = runVm(['/bin/busybox', '--share', share, '--', 'ls', '-la', '/host', '/dev', '/proc']);
    const out = r.stdout.toString();
    expect(r.stderr).not.toMatch(/ls:/);
    expect(out).toMatch(/^\/host:\n.*\n.* \.\n.* \.\.\n.* a\.txt$/m);
    expect(out).toMatch(/^crw-rw-rw- .* 1, +3 .* null$/m);
    expect(out).toMatch(/^lrwxrwxrwx .* self -> 1$/m);
    expect(r.status).toBe(0);
  });

  it('on the host share: times, fsync before exit, locks, copies, /host/..', async () => {
    const share = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-fsx-'));
    scratch.push(share);
    const child = spawn(process.execPath, [...VMM_NODE_ARGS, guestBin('tests', 'fs-extra'), '--share', share, '--mem', '64M', '--', '1', '64', 'host'], {
      cwd: ROOT,
    });
    let out = '';
    let onHost: { size: number; whole: boolean; mtime: number; mtimeNs: bigint } | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!onHost && out.includes('synced\n')) {
        // The guest waits on stdin: what the host sees now was written before exit.
        const data = fs.readFileSync(path.join(share, 'synced'));
        const st = fs.statSync(path.join(share, 'stamped'), { bigint: true });
        onHost = { size: data.length, whole: data.every((b) => b === 0x7a), mtime: Number(st.mtimeMs), mtimeNs: st.mtimeNs };
        child.stdin.end('go\n');
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(failed(Buffer.from(out)), out).toEqual([]);
    expect(out).toContain('failures=0');
    expect(onHost).toEqual({ size: 100000, whole: true, mtime: 1234567890123, mtimeNs: 1234567890123456789n });
    expect(fs.statSync(path.join(share, 'copied')).size).toBe(100000);
    expect(status).toBe(0);
  });
});
