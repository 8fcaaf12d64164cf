// Files in the guest: the POSIX suite on the RAM file system (/) and on the host
// share (/host), 100,000 files, sandbox escapes, --preload, refusals, and PostMark
// counts that must not depend on where the files live.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checks, guestBin, runVm, runVmAsync } from '../../helpers/run-vm.js';
import { HostFilesBackend } from '../../../vmm/host-share/backend.js';

const scratch: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-fs-'));
  scratch.push(d);
  return d;
};
afterAll(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

const allOk = (stdout: Buffer) => {
  const c = checks(stdout);
  expect(Object.keys(c).length).toBeGreaterThan(0);
  expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
  return c;
};

describe('POSIX file behaviour inside the guest', () => {
  it('on the RAM file system at /', () => {
    const r = runVm([guestBin('tests', 'fs-posix'), '--', '/']);
    expect(Object.keys(allOk(r.stdout))).toEqual(expect.arrayContaining(['names', 'symlinks']));
    expect(r.status).toBe(0);
  });

  it('on the host share at /host, with the files really on the host', () => {
    const share = tmp();
    const r = runVm([guestBin('tests', 'fs-posix'), '--share', share, '--', '/host']);
    allOk(r.stdout);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(share)).toEqual([]); // the suite cleans up after itself
  });

  it('creates, lists and removes 100,000 files and 10,000 directories in a 1 GiB guest', () => {
    const r = runVm([guestBin('tests', 'fs-many'), '--mem', '1G', '--', '100000', '10000']);
    expect(checks(r.stdout)).toEqual({
      'create files': true,
      'list files': true,
      'stat files': true,
      'remove files': true,
      'create directories': true,
      'remove directories': true,
    });
    expect(r.status).toBe(0);
  }, 180_000);
});

describe('the host share stays inside its directory', () => {
  function sandbox() {
    const top = tmp();
    const share = path.join(top, 'share');
    fs.mkdirSync(path.join(share, 'realswap'), { recursive: true });
    fs.mkdirSync(path.join(top, 'outside'));
    fs.writeFileSync(path.join(top, 'outside', 'secret'), 'secret');
    fs.writeFileSync(path.join(top, 'outside', 'data.txt'), 'OUTSIDE');
    fs.writeFileSync(path.join(share, 'realswap', 'data.txt'), 'inside');
    fs.writeFileSync(path.join(share, 'inside.txt'), 'in');
    fs.symlinkSync('/etc', path.join(share, 'abs'));
    fs.symlinkSync('../..', path.join(share, 'up'));
    fs.symlinkSync('realswap', path.join(share, 'swap'));
    return { top, share };
  }

  /** A host process that swaps share/swap between the real directory and a link outside. */
  function swapper(share: string) {
    const script = `while true; do ln -sfn ../outside swap.tmp && mv -T swap.tmp swap; ln -sfn realswap swap.tmp && mv -T swap.tmp swap; done`;
    return spawn('sh', ['-c', script], { cwd: share, stdio: 'ignore' });
  }

  it('refuses .., absolute paths, escaping links and a link swapped in mid-call (guest)', async () => {
    const { top, share } = sandbox();
    const child = swapper(share);
    try {
      const r = await runVmAsync([guestBin('tests', 'fs-escape'), '--share', share, '--', '../outside/secret', '2000']);
      allOk(r.stdout);
      expect(r.status).toBe(0);
    } finally {
      child.kill();
    }
    expect(fs.readFileSync(path.join(top, 'outside', 'secret'), 'utf8')).toBe('secret');
  });

  it('backend: never opens a file outside while the link is swapped (20,000 tries)', async () => {
    const { share } = sandbox();
    const child = swapper(share);
    const backend = new HostFilesBackend(share);
    let inside = 0,
      leaked = 0,
      refused = 0;
    try {
      await new Promise((r) => setTimeout(r, 50));
      const buf = new Uint8Array(16);
      for (let i = 0; i < 20000; i++) {
        const h = backend.open('swap/data.txt', 0, 0);
        if (h < 0) {
          refused++;
          continue;
        }
        const n = backend.read(h, buf);
        backend.close(h);
        if (Buffer.from(buf.subarray(0, n)).toString() === 'inside') inside++;
        else leaked++;
      }
    } finally {
      child.kill();
      backend.dispose();
    }
    expect(leaked).toBe(0);
    expect(inside).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0); // the race was really exercised
  });

  it('backend: utimens sets times inside the share only; sync flushes a handle', () => {
    const { top, share } = sandbox();
    const b = new HostFilesBackend(share);
    try {
      const before = fs.statSync(path.join(top, 'outside', 'secret'), { bigint: true }).mtimeNs;
      // Through a link that climbs out, or with .., nothing outside changes.
      expect(b.utimens('up/outside/secret', 0, false, 0n, 0n)).toBe(-18);
      expect(b.utimens('../outside/secret', 0, false, 0n, 0n)).toBe(-18);
      expect(fs.statSync(path.join(top, 'outside', 'secret'), { bigint: true }).mtimeNs).toBe(before);
      // Inside: both times, or one left as it was (null).
      expect(b.utimens('inside.txt', 0, false, 1_000_000_000_000_000_001n, 1_100_000_000_000_000_002n)).toBe(0);
      let st = fs.statSync(path.join(share, 'inside.txt'), { bigint: true });
      expect([st.atimeNs, st.mtimeNs]).toEqual([1_000_000_000_000_000_001n, 1_100_000_000_000_000_002n]);
      expect(b.utimens('inside.txt', 0, false, null, 1_200_000_000_000_000_000n)).toBe(0);
      st = fs.statSync(path.join(share, 'inside.txt'), { bigint: true });
      expect([st.atimeNs, st.mtimeNs]).toEqual([1_000_000_000_000_000_001n, 1_200_000_000_000_000_000n]);
      // nofollow: the link itself, not the directory it names.
      const dirBefore = fs.statSync(path.join(share, 'realswap'), { bigint: true }).mtimeNs;
      expect(b.utimens('swap', 0, true, 1_000_000_000_000_000_000n, 1_000_000_000_000_000_000n)).toBe(0);
      expect(fs.lstatSync(path.join(share, 'swap'), { bigint: true }).mtimeNs).toBe(1_000_000_000_000_000_000n);
      expect(fs.statSync(path.join(share, 'realswap'), { bigint: true }).mtimeNs).toBe(dirBefore);
      const h = b.open('inside.txt', 1, 0);
      expect(b.utimens(null, h, false, null, 1_300_000_000_000_000_000n)).toBe(0);
      expect(fs.statSync(path.join(share, 'inside.txt'), { bigint: true }).mtimeNs).toBe(1_300_000_000_000_000_000n);
      expect([b.sync(h, 0), b.sync(h, 1), b.sync(h, 2), b.sync(h, 9), b.sync(999, 0)]).toEqual([0, 0, 0, -22, -9]);
      b.close(h);
    } finally {
      b.dispose();
    }
  });

  it('backend: .. and absolute paths are EXDEV; handles are never host descriptors', () => {
    const { share } = sandbox();
    const b = new HostFilesBackend(share);
    expect(b.open('../outside/secret', 0, 0)).toBe(-18);
    expect(b.open('/etc/passwd', 0, 0)).toBe(-18);
    expect(b.open('abs/passwd', 0, 0)).toBe(-18);
    expect(b.open('up/etc/passwd', 0, 0)).toBe(-18);
    expect(b.unlink('../outside/secret')).toBe(-18);
    expect(b.rename('inside.txt', 'up/x')).toBe(-18);
    expect(b.mkdir('../made', 0o755)).toBe(-18);
    const h = b.open('inside.txt', 0, 0);
    expect(h).toBe(3);
    expect(b.close(h)).toBe(0);
    expect(b.close(h)).toBe(-9);
    expect(b.read(1, new Uint8Array(4))).toBe(-9); // a host descriptor number means nothing
    b.dispose();
  });
});

describe('--preload and refusals', () => {
  it('copies a host tree into the RAM file system', () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'sub', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'ex'), 'x');
    fs.writeFileSync(path.join(dir, 'sub', 'deeper', 'big'), Buffer.alloc(300_000, 7));
    fs.symlinkSync('sub', path.join(dir, 'link'));
    const r = runVm([guestBin('tests', 'fs-posix'), '--preload', dir, '--', '/']);
    allOk(r.stdout);
    const ls = runVm([guestBin('tests', 'fs-preload'), '--preload', dir]);
    expect(ls.stdout.toString()).toBe('/ex 1\n/link -> sub\n/sub/deeper/big 300000 sum=2100000\n');
    expect(ls.status).toBe(0);
  });

  it.each([['--share'], ['--preload']])('%s with a missing directory: one line, status 125', (opt) => {
    const r = runVm([guestBin('examples', 'hello'), opt, '/no/such/dir']);
    expect(r.status).toBe(125);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('/no/such/dir');
  });

  it('--share with a file instead of a directory: one line, status 125', () => {
    const file = path.join(tmp(), 'f');
    fs.writeFileSync(file, '');
    const r = runVm([guestBin('examples', 'hello'), '--share', file]);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/not a directory/);
  });
});

describe('PostMark counts do not depend on where the files live', () => {
  const params = ['set number 200', 'set transactions 600', 'set size 500 9000', 'set subdirectories 3', 'set seed 7'];
  const counts = (out: string) => {
    const line = out.split('\n').find((l) => l.startsWith('postmark-result '));
    expect(line).toBeDefined();
    return line!.replace(/ seconds=.*$/, '');
  };
  it('ramdisk, host share and native Linux agree', () => {
    const args = (loc: string) => [...params, `set location ${loc}`, 'run'].flatMap((c) => ['-c', c]);
    const ram = runVm([guestBin('postmark', 'postmark'), '--mem', '512M', '--', ...args('/')]);
    expect(ram.status).toBe(0);
    const share = tmp();
    const host = runVm([guestBin('postmark', 'postmark'), '--share', share, '--', ...args('/host')]);
    expect(host.status).toBe(0);
    const bin = path.join(tmp(), 'postmark');
    expect(spawnSync('gcc', ['-O2', '-o', bin, path.resolve('guest-src/app/postmark/postmark.c')]).status).toBe(0);
    const nativeDir = tmp();
    const native = spawnSync(bin, args(nativeDir), { encoding: 'utf8' });
    expect(native.status).toBe(0);
    expect(counts(ram.stdout.toString())).toBe(counts(native.stdout));
    expect(counts(host.stdout.toString())).toBe(counts(native.stdout));
    expect(fs.readdirSync(share)).toEqual([]);
  });
});
