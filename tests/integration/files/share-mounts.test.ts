// --share HOST[:GUEST][:ro]: several shares, each at its own guest path, read-only
// ones refused every change by the kernel and by the VMM, and the one-line refusals
// of a malformed --share.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';
import { tempDirs } from '../../helpers/temp-dirs.js';
import { HostFilesBackend } from '../../../vmm/host-share/backend.js';

const tmp = tempDirs('unikv-shares-');

/** A read-only share's contents: data.txt and sub/inner.txt. */
function readOnlyTree(): string {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'data.txt'), 'read me\n');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'inner.txt'), 'inner\n');
  return dir;
}

/** Every entry under dir with its kind, size, mode and modification time. */
function snapshot(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => {
      const full = path.join(e.parentPath, e.name);
      const st = fs.lstatSync(full, { bigint: true });
      return `${path.relative(dir, full)} ${st.mode} ${st.size} ${st.mtimeNs}`;
    })
    .sort();
}

const allOk = (stdout: Buffer) => {
  const c = checks(stdout);
  expect(Object.keys(c).length).toBeGreaterThan(40);
  expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
};

describe('two shares, one read-only', () => {
  it.each([
    ['/host and a nested path', [], '/host', '/mnt/lib/ro'],
    ['two guest paths of their own', [':/data'], '/data', '/ro'],
  ])('reads both, writes land in the writable one, the read-only one stays as it was (%s)', (_, rwSuffix, rwGuest, roGuest) => {
    const rw = tmp();
    const ro = readOnlyTree();
    const before = snapshot(ro);
    const r = runVm([guestBin('tests', 'share-mounts'), '--share', `${rw}${rwSuffix.join('')}`, '--share', `${ro}:${roGuest}:ro`, '--', rwGuest, roGuest]);
    allOk(r.stdout);
    expect(r.status).toBe(0);
    expect(snapshot(ro)).toEqual(before);
    expect(fs.readFileSync(path.join(rw, 'made', 'kept.txt'), 'utf8')).toBe('written\n');
    expect(fs.readFileSync(path.join(rw, 'made', 'second.txt'), 'utf8')).toBe('2\n');
  });

  it('the POSIX suite still passes on the default /host beside a read-only share', () => {
    const rw = tmp();
    const ro = readOnlyTree();
    const r = runVm([guestBin('tests', 'fs-posix'), '--share', rw, '--share', `${ro}:/ro:ro`, '--', '/host']);
    expect(Object.entries(checks(r.stdout)).filter(([, ok]) => !ok)).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('backend: a read-only share refuses every change with EROFS and opens files read-only', () => {
    const ro = readOnlyTree();
    const before = snapshot(ro);
    const b = new HostFilesBackend(ro, true);
    const EROFS = -30;
    try {
      expect([b.open('data.txt', 1, 0), b.open('data.txt', 2, 0), b.open('data.txt', 0o1000, 0), b.open('new.txt', 0o100, 0o644)]).toEqual([
        EROFS,
        EROFS,
        EROFS,
        EROFS,
      ]);
      expect(b.open('data.txt', 0o100 | 0o200, 0o644)).toBe(-17); // O_CREAT|O_EXCL of what exists: EEXIST
      expect([b.unlink('data.txt'), b.rmdir('sub'), b.mkdir('d', 0o755), b.rename('data.txt', 'x')]).toEqual([EROFS, EROFS, EROFS, EROFS]);
      expect([b.truncate('data.txt', -1, 0n), b.utimens('data.txt', -1, false, 0n, 0n)]).toEqual([EROFS, EROFS]);
      const h = b.open('data.txt', 0o100, 0o644); // O_CREAT of what exists: opened
      expect(h).toBeGreaterThanOrEqual(3);
      expect(b.write(h, Buffer.from('x'))).toBe(-9); // the host descriptor is read-only
      expect([b.truncate(null, h, 0n), b.utimens(null, h, false, null, 0n)]).toEqual([EROFS, EROFS]);
      const buf = new Uint8Array(16);
      expect(Buffer.from(buf.subarray(0, b.read(h, buf))).toString()).toBe('read me\n');
      expect(b.close(h)).toBe(0);
    } finally {
      b.dispose();
    }
    expect(snapshot(ro)).toEqual(before);
  });
});

describe('--share refusals: one line naming --share, status 125', () => {
  const refused = (shares: string[], line: RegExp) => {
    const r = runVm([guestBin('examples', 'hello'), ...shares.flatMap((s) => ['--share', s])]);
    expect(r.status).toBe(125);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^unikv: --share /);
    expect(r.stderr).toMatch(line);
  };
  it('an empty host directory', () => refused([':/data'], /no host directory/));
  it('a missing directory', () => refused(['/no/such/dir:/data'], /\/no\/such\/dir: no such directory/));
  it('a file instead of a directory', () => {
    const file = path.join(tmp(), 'f');
    fs.writeFileSync(file, '');
    refused([`${file}:/data`], /not a directory/);
  });
  it('an unknown flag', () => refused([`${tmp()}:/data:rw2`], /unknown flag :rw2/));
  it('a guest path that is not absolute', () => refused([`${tmp()}:data`], /unknown flag :data .*starts with \//));
  it('a guest path that is not normalised', () => refused([`${tmp()}:/a/../b`], /not normalised/));
  it('the root as guest path', () => refused([`${tmp()}:/`], /cannot be \//));
  it('a guest path inside /proc', () => refused([`${tmp()}:/proc/x`], /lies in \/proc/));
  it('a guest path inside /dev', () => refused([`${tmp()}:/dev`], /lies in \/dev/));
  it('the same guest path twice', () => refused([`${tmp()}:/data`, `${tmp()}:/data:ro`], /\/data is already taken/));
  it('a guest path inside another share', () => refused([`${tmp()}:/data`, `${tmp()}:/data/inner`], /inside another share/));
  it('a second share without a guest path', () => refused([tmp(), tmp()], /only one share may go without a guest path/));
});
