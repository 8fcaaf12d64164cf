// Programs as the usual toolchains link them: glibc and musl, static and static-pie,
// at GNU ld's 0x400000, lld's 0x200000 and at 64 KiB. Each prints argv, checks its
// environment, the auxiliary vector, malloc, TLS, a constructor and relocated
// pointer tables (guest-src/app/tests/loader.c, built by toolchain/build.ts).
// Programs the VMM cannot run are refused with one line and status 125.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';
import { makeElf, PF_R, PF_X } from '../../helpers/make-elf.js';

const variants: [string, string, string][] = [
  ['musl static at 0x400000', guestBin('tests', 'loader'), '0x400000'],
  ['glibc static at 0x400000', guestBin('loader', 'glibc-static'), '0x400000'],
  ['glibc static-pie', guestBin('loader', 'glibc-pie'), 'pie'],
  ['musl static-pie', guestBin('loader', 'musl-pie'), 'pie'],
  ["musl static at lld's 0x200000", guestBin('loader', 'musl-200000'), '0x200000'],
  ['musl static at 64 KiB', guestBin('loader', 'musl-10000'), '0x10000'],
];

describe('loading programs', () => {
  for (const [what, image, base] of variants) {
    it(`runs ${what}`, () => {
      const r = runVm([
        image,
        '--mem',
        '64M',
        '--env',
        'LOADER_VAR=value=with=equals',
        '--env',
        'LOADER_EXPECT_ARGS=3',
        '--env',
        `LOADER_BASE=${base}`,
        '--',
        'first arg',
        'second',
      ]);
      const out = r.stdout.toString();
      const c = checks(r.stdout);
      expect(
        Object.entries(c).filter(([, ok]) => !ok),
        out + r.stderr,
      ).toEqual([]);
      expect(Object.keys(c).length, out).toBe(21);
      expect(out).toContain(`argv[0]=${path.basename(image)}\nargv[1]=first arg\nargv[2]=second\n`);
      expect(out).toMatch(base === 'pie' ? /^type=ET_DYN$/m : /^type=ET_EXEC$/m);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }
});

describe('programs the VMM refuses', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-loader-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function expectRefused(args: string[], message: RegExp): void {
    const r = runVm(args);
    expect(r.status).toBe(125);
    expect(r.stdout.length).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  }
  const file = (name: string, bytes: Uint8Array) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, bytes);
    return p;
  };
  const code = new Uint8Array([0xf4]);

  it("a dynamically linked program (gcc's default)", () =>
    expectRefused(
      [guestBin('loader', 'glibc-dynamic')],
      /^unikv: glibc-dynamic\.elf: dynamically linked \(interpreter \/lib64\/ld-linux-x86-64\.so\.2\); build it static \(-static or -static-pie\)$/,
    ));
  it('a corrupt ELF (program headers past the end of the file)', () => {
    const b = Buffer.from(fs.readFileSync(guestBin('loader', 'glibc-static')));
    b.writeBigUInt64LE(BigInt(b.length - 8), 32); // e_phoff
    expectRefused([file('corrupt.elf', b)], /corrupt\.elf: truncated \(program header 0 lies past the end of the file\)$/);
  });
  it('segments that overlap each other, naming both ranges', () => {
    const elf = makeElf({
      segments: [
        { vaddr: 0x400000n, flags: PF_R | PF_X, data: code, memsz: 0x2000n },
        { vaddr: 0x401000n, flags: PF_R, data: code },
      ],
    });
    expectRefused([file('overlap.elf', elf)], /segment 1 \[0x401000-0x401001\) overlaps segment 0 \[0x400000-0x402000\)$/);
  });
  it("a segment in the VMM's boot area, below 64 KiB", () => {
    const elf = makeElf({ segments: [{ vaddr: 0x8000n, flags: PF_R | PF_X, data: code }] });
    expectRefused([file('boot.elf', elf)], /segment 0 \[0x8000-0x8001\) overlaps the VMM's boot area \[0x0-0x10000\)$/);
  });
  it('a segment over the kernel at the top of RAM', () => {
    const elf = makeElf({ segments: [{ vaddr: 0xf00000n, flags: PF_R | PF_X, data: code }] });
    expectRefused([file('top.elf', elf), '--mem', '16M'], /segment 0 \[0xf00000-0xf00001\) overlaps the kernel's area \[0x[0-9a-f]+-0x[0-9a-f]+\)$/);
  });
  it('arguments larger than the argument area', () => {
    const big = Array.from({ length: 10 }, () => 'x'.repeat(100_000));
    expectRefused([guestBin('loader', 'musl-10000'), '--', ...big], /^unikv: arguments and environment take \d+ bytes; at most 983040 fit$/);
  });
  it('a segment past the end of RAM', () => {
    const elf = makeElf({ segments: [{ vaddr: 0x2000000n, flags: PF_R | PF_X, data: code }] });
    expectRefused([file('far.elf', elf), '--mem', '16M'], /segment 0 \[0x2000000-0x2000001\) lies outside guest RAM \(16 MiB\)$/);
  });
});
