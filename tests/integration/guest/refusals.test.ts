// The VMM refuses to start: one line naming the problem on stderr, status 125,
// never a stack trace. Bad images are made from a real guest binary with one field
// broken, or built from scratch with the ELF helper.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestBin, ROOT, runVm } from '../../helpers/run-vm.js';
import { makeElf, PF_R, PF_X } from '../../helpers/make-elf.js';

let dir: string;
const hello = guestBin('examples', 'hello');
const file = (name: string, bytes: Uint8Array) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
};

/** hello.elf with bytes patched at `offset`. */
function patched(name: string, patch: (b: Buffer, view: DataView) => void): string {
  const b = Buffer.from(fs.readFileSync(hello));
  patch(b, new DataView(b.buffer, b.byteOffset, b.byteLength));
  return file(name, b);
}

/** Offset of the first PT_LOAD program header in an ELF64 file. */
function firstLoad(view: DataView): number {
  const phoff = Number(view.getBigUint64(32, true));
  for (let i = 0; i < view.getUint16(56, true); i++) if (view.getUint32(phoff + i * 56, true) === 1) return phoff + i * 56;
  throw new Error('no PT_LOAD');
}

function expectRefused(args: string[], message: RegExp): void {
  const r = runVm(args);
  expect(r.status).toBe(125);
  expect(r.stdout.length).toBe(0);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-refusals-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bad images', () => {
  it('a missing file', () => expectRefused([path.join(dir, 'nope.elf')], /cannot read image .*nope\.elf: no such file/));
  it('a file that is not ELF', () => expectRefused([path.join(ROOT, 'package.json')], /package\.json: not an ELF file/));
  it('a 32-bit ELF', () =>
    expectRefused(
      [
        patched('32.elf', (b) => {
          b[4] = 1;
        }),
      ],
      /32-bit/,
    ));
  it('an ELF for another machine', () => expectRefused([patched('arm.elf', (_b, v) => v.setUint16(18, 183, true))], /AArch64|183/));
  it('a truncated ELF', () => expectRefused([file('short.elf', fs.readFileSync(hello).subarray(0, 100))], /truncated|past the end/));
  it('a segment outside guest RAM', () =>
    expectRefused(
      [
        patched('far.elf', (_b, v) => {
          const ph = firstLoad(v);
          v.setBigUint64(ph + 16, 0x7f0000000000n, true);
        }),
      ],
      /outside guest RAM/,
    ));
  it('overlapping segments', () => {
    const code = new Uint8Array([0xf4]);
    const elf = makeElf({
      segments: [
        { vaddr: 0x400000n, flags: PF_R | PF_X, data: code, memsz: 0x2000n },
        { vaddr: 0x401000n, flags: PF_R, data: code },
      ],
    });
    expectRefused([file('overlap.elf', elf)], /overlap/);
  });
  it('a segment over the kernel', () => {
    const elf = makeElf({ segments: [{ vaddr: 0xf00000n, flags: PF_R | PF_X, data: new Uint8Array([0xf4]) }] });
    expectRefused([file('high.elf', elf), '--mem', '16M'], /overlaps the kernel's area/);
  });
  it('an image larger than --mem', () => {
    const src = path.join(dir, 'big.c');
    fs.writeFileSync(src, 'static char big[64 << 20];\nint main(int argc, char **argv) { (void)argv; big[argc * 4096] = 1; return big[12345]; }\n');
    const out = path.join(dir, 'big.elf');
    const cc = spawnSync(process.execPath, [path.join(ROOT, 'dist/toolchain/cc.js'), src, '-o', out]);
    expect(cc.status).toBe(0);
    expectRefused([out, '--mem', '32M'], /outside guest RAM \(32 MiB\)|outside guest RAM/);
  });
  it('a dynamically linked executable', () => expectRefused([guestBin('loader', 'glibc-dynamic')], /dynamically linked \(interpreter /));
  it('an object file', () => expectRefused([patched('obj.elf', (_b, v) => v.setUint16(16, 1, true))], /type ET_REL; a static executable/));
});

describe('bad options', () => {
  it('an --s3-endpoint where nothing answers, checked before the machine boots', () =>
    expectRefused([hello, '--s3-endpoint', 'http://127.0.0.1:1'], /^unikv: --s3-endpoint http:\/\/127\.0\.0\.1:1: nothing answers \(ECONNREFUSED\)$/));
  it('an --s3-endpoint that is not a URL', () => expectRefused([hello, '--s3-endpoint', 'nonsense'], /--s3-endpoint nonsense: not a URL/));
  it('an unparseable --mem', () => expectRefused([hello, '--mem', 'lots'], /--mem lots: not a size/));
  it('a --mem below the minimum', () => expectRefused([hello, '--mem', '1M'], /--mem 1M: at least/));
  it('--cpus 0', () => expectRefused([hello, '--cpus', '0'], /--cpus 0: at least 1/));
  it('--cpus -3', () => expectRefused([hello, '--cpus=-3'], /--cpus -3/));
  it('--cpus many', () => expectRefused([hello, '--cpus', 'many'], /--cpus many: not a whole number/));
  it('more CPUs than supported', () => expectRefused([hello, '--cpus', '17'], /--cpus 17: at most 16/));
  it('an unknown option', () => expectRefused([hello, '--frobnicate'], /frobnicate/));
  it('no image at all', () => expectRefused([], /no image given/));
  it('--help prints usage and exits 0', () => {
    const r = runVm(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/IMAGE\.elf/);
    expect(r.stdout.toString()).toMatch(/--mem/);
  });
});
