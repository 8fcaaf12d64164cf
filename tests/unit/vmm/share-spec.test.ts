// --share HOST[:GUEST][:ro] as vmm/host-share/mounts.ts reads it: which part is which,
// where HOST resolves, and which sets of shares cannot be mounted together.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountsProblem, parseShare } from '../../../vmm/host-share/mounts.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const tmp = tempDirs('unikv-share-spec-');

describe('parseShare', () => {
  it('reads HOST, HOST:GUEST, HOST:ro, HOST:GUEST:ro and :rw, HOST relative to the directory given', () => {
    const cwd = tmp();
    fs.mkdirSync(path.join(cwd, 'd'));
    const d = path.join(cwd, 'd');
    expect(parseShare('d', cwd)).toEqual({ host: d, guest: '/host', readOnly: false, guestGiven: false });
    expect(parseShare('d:/data', cwd)).toEqual({ host: d, guest: '/data', readOnly: false, guestGiven: true });
    expect(parseShare('d:ro', cwd)).toEqual({ host: d, guest: '/host', readOnly: true, guestGiven: false });
    expect(parseShare('d:/a/b:ro', cwd)).toEqual({ host: d, guest: '/a/b', readOnly: true, guestGiven: true });
    expect(parseShare('d:/a:rw', cwd)).toEqual({ host: d, guest: '/a', readOnly: false, guestGiven: true });
    expect(parseShare(`${d}:/x`, '/').host).toBe(d);
  });

  it('takes a directory whose name holds a colon as HOST alone', () => {
    const cwd = tmp();
    fs.mkdirSync(path.join(cwd, 'a:b'));
    expect(parseShare('a:b', cwd)).toMatchObject({ host: path.join(cwd, 'a:b'), guest: '/host' });
  });

  it.each([
    [':/data', /no host directory/],
    ['d:/data:rw2', /unknown flag :rw2/],
    ['d:data', /unknown flag :data/],
    ['d:/a//b', /not normalised/],
    ['d:/a/', /not normalised/],
    ['d:/', /cannot be \//],
    ['d:/dev/shm', /lies in \/dev/],
    ['nowhere:/x', /no such directory/],
  ])('refuses %s in one line naming --share', (text, problem) => {
    const cwd = tmp();
    fs.mkdirSync(path.join(cwd, 'd'));
    expect(() => parseShare(text, cwd)).toThrow(problem);
    expect(() => parseShare(text, cwd)).toThrow(new RegExp(`^--share ${text.replace(/[/.*]/g, '\\$&')}: [^\\n]+$`));
  });
});

describe('mountsProblem', () => {
  const m = (guest: string, guestGiven = true) => ({ host: '/tmp', guest, readOnly: false, guestGiven });
  it('accepts shares side by side', () => expect(mountsProblem([m('/host', false), m('/data'), m('/mnt/a'), m('/mnt/b')])).toBeUndefined());
  it('refuses a guest path twice, one inside another, two without a guest path, more than 8', () => {
    expect(mountsProblem([m('/data'), m('/data')])).toMatch(/already taken/);
    expect(mountsProblem([m('/data/x'), m('/data')])).toMatch(/inside another share/);
    expect(mountsProblem([m('/host', false), m('/host', false)])).toMatch(/only one share may go without a guest path/);
    expect(mountsProblem(Array.from({ length: 9 }, (_, i) => m(`/s${i}`)))).toMatch(/at most 8 shares/);
  });
});
