import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElfError, loadElf, parseElf, rebaseElf, relocateElf, type Region } from '../../../vmm/elf.js';
import { GuestMemory } from '../../../vmm/guest-memory.js';
import { BUILD_DIR } from '../../../vmm/paths.js';
import { makeElf, PF_R, PF_W, PF_X, PT_INTERP, PT_NOTE, PT_PHDR, simpleElf, type ElfSpec } from '../../helpers/make-elf.js';

const MiB = 1024 * 1024;
const code = (n: number, fill = 0x90): Uint8Array => new Uint8Array(n).fill(fill);
const text = { vaddr: 0x400000n, data: code(16), flags: PF_R | PF_X };

function parseError(file: Uint8Array, name = 'app.elf'): string {
  try {
    parseElf(file, name);
  } catch (e) {
    expect(e).toBeInstanceOf(ElfError);
    return (e as Error).message;
  }
  throw new Error('expected an ElfError');
}

const bad = (spec: ElfSpec): string => parseError(makeElf(spec));

function ram(size = MiB): GuestMemory {
  return new GuestMemory(new SharedArrayBuffer(size));
}

function loadError(file: Uint8Array, mem: GuestMemory, occupied: Region[] = []): string {
  const image = parseElf(file, 'app.elf');
  try {
    loadElf(image, file, mem, occupied, 'app.elf');
  } catch (e) {
    expect(e).toBeInstanceOf(ElfError);
    return (e as Error).message;
  }
  throw new Error('expected an ElfError');
}

describe('parseElf: identification and header', () => {
  it('rejects a file without the ELF magic', () => {
    expect(parseError(new Uint8Array(0))).toBe('app.elf: not an ELF file (bad magic)');
    expect(parseError(new Uint8Array([0x7f, 0x45, 0x4c]))).toBe('app.elf: not an ELF file (bad magic)');
    expect(parseError(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toBe('app.elf: not an ELF file (bad magic)');
  });

  it('rejects a file too short for the ELF header', () => {
    const file = simpleElf().slice(0, 40);
    expect(parseError(file)).toBe('app.elf: truncated (the ELF header needs 64 bytes, the file has 40)');
  });

  it('names the file in every message', () => {
    expect(parseError(new Uint8Array(0), 'kernel.elf')).toBe('kernel.elf: not an ELF file (bad magic)');
  });

  it('rejects 32-bit and unknown classes', () => {
    expect(bad({ segments: [text], elfClass: 1 })).toBe('app.elf: 32-bit ELF; a 64-bit x86-64 executable is required');
    expect(bad({ segments: [text], elfClass: 7 })).toBe('app.elf: unknown ELF class 7; a 64-bit x86-64 executable is required');
  });

  it('rejects big-endian and unknown encodings', () => {
    expect(bad({ segments: [text], encoding: 2 })).toBe('app.elf: big-endian ELF; a little-endian x86-64 executable is required');
    expect(bad({ segments: [text], encoding: 0 })).toMatch(/unknown ELF data encoding 0/);
  });

  it('rejects other machines, naming them', () => {
    expect(bad({ segments: [text], machine: 183 })).toBe('app.elf: ELF machine 183 (AArch64) is not x86-64');
    expect(bad({ segments: [text], machine: 3 })).toBe('app.elf: ELF machine 3 (i386) is not x86-64');
    expect(bad({ segments: [text], machine: 4242 })).toBe('app.elf: ELF machine 4242 (unknown) is not x86-64');
  });

  it('accepts ET_EXEC and ET_DYN (a static PIE), nothing else', () => {
    expect(parseElf(makeElf({ segments: [text], type: 3 }), 'app.elf').pie).toBe(true);
    expect(parseElf(makeElf({ segments: [text] }), 'app.elf').pie).toBe(false);
    expect(bad({ segments: [text], type: 1 })).toMatch(/^app\.elf: type ET_REL;/);
    expect(bad({ segments: [text], type: 0x1234 })).toMatch(/^app\.elf: type 4660;/);
  });

  it('rejects a program header entry size other than 56', () => {
    expect(bad({ segments: [text], phentsize: 32 })).toBe('app.elf: program header entry size 32; ELF64 requires 56');
  });

  it('rejects no, extended or absurdly many program headers', () => {
    expect(bad({ segments: [text], phnum: 0 })).toBe('app.elf: no program headers');
    expect(bad({ segments: [text], phnum: 0xffff })).toMatch(/PN_XNUM/);
    expect(bad({ segments: [text], phnum: 129 })).toBe('app.elf: 129 program headers is absurd (at most 128 are accepted)');
  });
});

describe('parseElf: program headers', () => {
  it('rejects a program header table that runs past the end of the file', () => {
    // Three headers and no segment bytes: the file ends where header 3 would start.
    const three = [{ vaddr: 0x400000n, flags: PF_R | PF_X }, { vaddr: 0x500000n }, { vaddr: 0x600000n }];
    expect(bad({ segments: three, phnum: 4 })).toBe('app.elf: truncated (program header 3 lies past the end of the file)');
    expect(bad({ segments: [text], phoff: 2n ** 64n - 8n })).toBe('app.elf: truncated (program header 0 lies past the end of the file)');
    expect(parseError(makeElf({ segments: [text], truncateTo: 100 }))).toBe('app.elf: truncated (program header 0 lies past the end of the file)');
  });

  it('rejects PT_INTERP (a dynamically linked program)', () => {
    expect(bad({ segments: [{ type: PT_INTERP, vaddr: 0n }, text] })).toMatch(/^app\.elf: dynamically linked \(interpreter unreadable\); build it static/);
    const interp = new TextEncoder().encode('/lib/ld.so.1\0');
    expect(bad({ segments: [{ type: PT_INTERP, vaddr: 0n, data: interp }, text] })).toBe(
      'app.elf: dynamically linked (interpreter /lib/ld.so.1); build it static (-static or -static-pie)',
    );
  });

  it('rejects filesz > memsz', () => {
    expect(bad({ segments: [{ ...text, memsz: 8n }] })).toBe('app.elf: segment 0 has filesz 0x10 > memsz 0x8');
  });

  it('rejects a file range past the end of the file', () => {
    expect(bad({ segments: [{ ...text, filesz: 0x1000n, memsz: 0x1000n }] })).toMatch(
      /^app\.elf: truncated \(segment 0 file range \[0x78-0x1078\) lies past the end of the file, 136 bytes\)$/,
    );
    expect(bad({ segments: [text, { vaddr: 0x500000n, offset: 0x10000n, filesz: 1n }] })).toMatch(/segment 1 file range/);
  });

  it('rejects arithmetic overflow in offset + filesz and in vaddr + memsz', () => {
    expect(bad({ segments: [text, { vaddr: 0x500000n, offset: 2n ** 64n - 1n, filesz: 1n }] })).toBe(
      'app.elf: segment 1: arithmetic overflow in offset 0xffffffffffffffff + filesz 0x1',
    );
    expect(bad({ segments: [text, { vaddr: 2n ** 64n - 0x1000n, memsz: 0x1000n }] })).toBe(
      'app.elf: segment 1: arithmetic overflow in vaddr 0xfffffffffffff000 + memsz 0x1000',
    );
  });

  it('requires at least one non-empty PT_LOAD', () => {
    expect(bad({ segments: [{ type: PT_NOTE, vaddr: 0n, data: code(4) }] })).toBe('app.elf: no PT_LOAD segment');
    expect(bad({ segments: [{ vaddr: 0x400000n, flags: PF_X }] })).toBe('app.elf: no PT_LOAD segment');
  });

  it('rejects segments of one image that overlap each other', () => {
    const segments = [text, { vaddr: 0x400008n, data: code(8), flags: PF_R | PF_W }];
    expect(bad({ segments })).toBe('app.elf: segment 1 [0x400008-0x400010) overlaps segment 0 [0x400000-0x400010)');
    // Overlap with a segment that is not the neighbour in address order.
    const wide = [
      { vaddr: 0x400000n, memsz: 0x10000n, flags: PF_R | PF_X, data: code(1) },
      { vaddr: 0x408000n, memsz: 1n },
    ];
    expect(bad({ segments: wide })).toMatch(/segment 1 .* overlaps segment 0/);
  });

  it('allows segments of one image to share a page', () => {
    const segments = [text, { vaddr: 0x400010n, data: code(8), flags: PF_R | PF_W }];
    expect(parseElf(makeElf({ segments }), 'app.elf').segments).toHaveLength(2);
  });

  it('requires the entry point inside the file bytes of an executable PT_LOAD', () => {
    const data = { vaddr: 0x600000n, data: code(16), flags: PF_R | PF_W };
    expect(bad({ segments: [text, data], entry: 0x600000n })).toBe('app.elf: entry point 0x600000 is not inside an executable PT_LOAD segment');
    expect(bad({ segments: [text], entry: 0x400010n })).toMatch(/entry point 0x400010/);
    expect(bad({ segments: [{ ...text, memsz: 0x100n }], entry: 0x400020n })).toMatch(/entry point 0x400020/); // in .bss
    expect(bad({ segments: [text], entry: 0x3fffffn })).toMatch(/entry point/);
    expect(parseElf(makeElf({ segments: [text], entry: 0x40000fn }), 'app.elf').entry).toBe(0x40000fn);
  });

  it('ignores non-LOAD headers and empty PT_LOADs, and reports the extent', () => {
    const image = parseElf(
      makeElf({
        segments: [
          { type: PT_NOTE, vaddr: 0n, data: code(4) },
          { vaddr: 0x700000n, memsz: 0n },
          { vaddr: 0x600000n, data: code(8), memsz: 0x2000n, flags: PF_R | PF_W },
          text,
        ],
      }),
      'app.elf',
    );
    expect(image.segments.map((s) => s.index)).toEqual([2, 3]);
    expect(image.segments[0]).toMatchObject({ vaddr: 0x600000n, filesz: 8n, memsz: 0x2000n, flags: PF_R | PF_W });
    expect(image.lowest).toBe(0x400000n);
    expect(image.highest).toBe(0x602000n);
    expect(image.entry).toBe(0x400000n);
    expect(image).toMatchObject({ phoff: 64n, phentsize: 56, phnum: 4 });
  });
});

describe('parseElf: where the program headers are in guest memory', () => {
  it('uses PT_PHDR when present', () => {
    const file = makeElf({
      segments: [
        { type: PT_PHDR, vaddr: 0x400040n },
        { vaddr: 0x400000n, offset: 0n, filesz: 0x200n, flags: PF_R | PF_X },
      ],
      entry: 0x400100n,
      padTo: 0x200,
    });
    expect(parseElf(file, 'app.elf').phdrAddr).toBe(0x400040n);
  });

  it('rejects a PT_PHDR that no PT_LOAD covers', () => {
    const file = makeElf({
      segments: [
        { type: PT_PHDR, vaddr: 0x900000n },
        { vaddr: 0x400000n, offset: 0n, filesz: 0x200n, flags: PF_R | PF_X },
      ],
      entry: 0x400100n,
      padTo: 0x200,
    });
    expect(parseError(file)).toBe('app.elf: PT_PHDR at 0x900000 is not inside the file part of a PT_LOAD segment');
  });

  it('otherwise finds the PT_LOAD that maps file offset phoff', () => {
    const file = makeElf({ segments: [{ vaddr: 0x400000n, offset: 0n, filesz: 0x100n, flags: PF_R | PF_X }], entry: 0x400080n, padTo: 0x100 });
    expect(parseElf(file, 'app.elf').phdrAddr).toBe(0x400040n);
  });

  it('is undefined when no segment maps the headers', () => {
    expect(parseElf(simpleElf(), 'app.elf').phdrAddr).toBeUndefined();
  });
});

describe('loadElf', () => {
  it('copies filesz bytes and zero-fills the rest of memsz', () => {
    const mem = ram();
    mem.bytes.fill(0xaa);
    const file = makeElf({
      segments: [
        { vaddr: 0x1000n, data: new Uint8Array([1, 2, 3]), flags: PF_R | PF_X },
        { vaddr: 0x3000n, data: new Uint8Array([4, 5]), memsz: 0x10n, flags: PF_R | PF_W },
      ],
    });
    const regions = loadElf(parseElf(file, 'app.elf'), file, mem, [], 'app.elf');
    expect(Array.from(mem.bytes.subarray(0x1000, 0x1004))).toEqual([1, 2, 3, 0xaa]);
    expect(Array.from(mem.bytes.subarray(0x3000, 0x3002))).toEqual([4, 5]);
    expect(mem.bytes.subarray(0x3002, 0x3010).every((b) => b === 0)).toBe(true);
    expect(mem.bytes[0x3010]).toBe(0xaa);
    expect(mem.bytes[0xfff]).toBe(0xaa);
    expect(regions).toEqual([
      { start: 0x1000n, end: 0x2000n, name: 'app.elf segment 0' },
      { start: 0x3000n, end: 0x4000n, name: 'app.elf segment 1' },
    ]);
  });

  it("leaves the zero-fill to RAM the caller says is still all zeros (the VMM's new RAM)", () => {
    const file = makeElf({
      segments: [
        { vaddr: 0x1000n, data: new Uint8Array([1, 2, 3]), flags: PF_R | PF_X },
        { vaddr: 0x3000n, data: new Uint8Array([4, 5]), memsz: 0x2000n, flags: PF_R | PF_W },
      ],
    });
    const fresh = ram();
    loadElf(parseElf(file, 'app.elf'), file, fresh, [], 'app.elf', true);
    expect(Array.from(fresh.bytes.subarray(0x3000, 0x3003))).toEqual([4, 5, 0]);
    expect(fresh.bytes.subarray(0x3002, 0x5000).every((b) => b === 0)).toBe(true);
    // The promise is the caller's: the loader writes only the file's bytes.
    const used = ram();
    used.bytes.fill(0xaa);
    loadElf(parseElf(file, 'app.elf'), file, used, [], 'app.elf', true);
    expect(Array.from(used.bytes.subarray(0x3000, 0x3003))).toEqual([4, 5, 0xaa]);
  });

  it('rejects a segment outside guest RAM, naming the RAM size', () => {
    const file = simpleElf(0x10000000n);
    expect(loadError(file, ram(256 * MiB))).toBe('app.elf: segment 0 [0x10000000-0x10000001) lies outside guest RAM (256 MiB)');
    expect(loadError(simpleElf(BigInt(MiB)), ram())).toMatch(/lies outside guest RAM \(1 MiB\)/);
  });

  it('accepts a segment that ends exactly at the end of RAM', () => {
    const mem = ram();
    const file = makeElf({ segments: [{ vaddr: BigInt(MiB - 4), data: new Uint8Array([9, 8, 7, 6]), flags: PF_X }] });
    loadElf(parseElf(file, 'app.elf'), file, mem, [], 'app.elf');
    expect(mem.readU32(MiB - 4)).toBe(0x06070809);
    const past = makeElf({ segments: [{ vaddr: BigInt(MiB - 4), data: code(4), memsz: 5n, flags: PF_X }] });
    expect(loadError(past, ram())).toMatch(/outside guest RAM/);
  });

  it('rejects overlap with an occupied region, using page-rounded extents', () => {
    const kernel: Region = { start: 0x8000n, end: 0x8100n, name: "the kernel's segment 1" };
    // Same page as the kernel region but not the same bytes: still refused.
    expect(loadError(simpleElf(0x8800n), ram(), [kernel])).toBe("app.elf: segment 0 [0x8800-0x8801) overlaps the kernel's segment 1 [0x8000-0x8100)");
    expect(loadError(simpleElf(0x7fffn, code(2)), ram(), [kernel])).toMatch(/overlaps the kernel's segment 1/);
    // The neighbouring pages are free.
    for (const at of [0x7000n, 0x9000n]) {
      const file = simpleElf(at);
      expect(() => loadElf(parseElf(file, 'app.elf'), file, ram(), [kernel], 'app.elf')).not.toThrow();
    }
  });

  it('keeps two images from sharing a page', () => {
    const mem = ram();
    const kernelFile = makeElf({ segments: [{ vaddr: 0x2000n, data: code(0x10), flags: PF_X }] });
    const kernel = loadElf(parseElf(kernelFile, 'kernel.elf'), kernelFile, mem, [], 'kernel.elf');
    const app = makeElf({ segments: [{ vaddr: 0x2ff0n, data: code(0x10), flags: PF_X }] });
    expect(loadError(app, mem, kernel)).toBe('app.elf: segment 0 [0x2ff0-0x3000) overlaps kernel.elf segment 0 [0x2000-0x3000)');
    const next = simpleElf(0x3000n);
    expect(loadElf(parseElf(next, 'app.elf'), next, mem, kernel, 'app.elf')).toEqual([{ start: 0x3000n, end: 0x4000n, name: 'app.elf segment 0' }]);
  });

  it('writes nothing when any segment is rejected', () => {
    const mem = ram();
    const file = makeElf({
      segments: [
        { vaddr: 0x1000n, data: code(8, 0x11), flags: PF_X },
        { vaddr: BigInt(2 * MiB), data: code(8, 0x22) },
      ],
    });
    expect(loadError(file, mem)).toMatch(/segment 1 .* outside guest RAM/);
    expect(mem.bytes.every((b) => b === 0)).toBe(true);
  });

  it('refuses an image that does not match the file given to it', () => {
    const big = makeElf({ segments: [{ vaddr: 0x1000n, data: code(0x100), flags: PF_X }] });
    const image = parseElf(big, 'app.elf');
    expect(() => loadElf(image, simpleElf(), ram(), [], 'app.elf')).toThrow(/does not match the file/);
    const forged = { ...image, segments: [{ ...image.segments[0], vaddr: -1n }] };
    expect(() => loadElf(forged, big, ram(), [], 'app.elf')).toThrow(ElfError);
  });
});

describe('a real static musl binary', () => {
  let dir = '';
  let file: Uint8Array;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'elf-test-'));
    writeFileSync(join(dir, 'main.c'), 'int main(){return 3;}\n');
    execFileSync('musl-gcc', ['-static', '-o', join(dir, 'main'), join(dir, 'main.c')]);
    file = new Uint8Array(readFileSync(join(dir, 'main')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses and loads', () => {
    const image = parseElf(file, 'main');
    expect(image.segments.length).toBeGreaterThan(0);
    expect(image.segments.every((s) => s.filesz <= s.memsz)).toBe(true);
    expect(image.segments.some((s) => (s.flags & PF_X) !== 0)).toBe(true);
    expect(image.phentsize).toBe(56);
    expect(image.phdrAddr).toBeDefined();
    expect(image.lowest).toBeLessThanOrEqual(image.entry);
    expect(image.entry).toBeLessThan(image.highest);

    const mem = ram(16 * MiB);
    const regions = loadElf(image, file, mem, [{ start: 0n, end: 0x100000n, name: 'kernel' }], 'main');
    expect(regions).toHaveLength(image.segments.length);
    // The loaded program headers are where phdrAddr says, byte for byte.
    const table = mem.copyOut(image.phdrAddr!, image.phnum * 56);
    const offset = Number(image.phoff);
    expect(table).toEqual(file.slice(offset, offset + image.phnum * 56));
    // The bytes at the entry point came from the file.
    const textSeg = image.segments.find((s) => image.entry >= s.vaddr && image.entry < s.vaddr + s.filesz)!;
    const at = Number(textSeg.offset + (image.entry - textSeg.vaddr));
    expect(mem.copyOut(image.entry, 8)).toEqual(file.slice(at, at + 8));
  });

  it('is refused when it would land on the kernel', () => {
    const image = parseElf(file, 'main');
    const kernel: Region = { start: image.lowest, end: image.lowest + 1n, name: 'kernel.elf segment 0' };
    expect(() => loadElf(image, file, ram(16 * MiB), [kernel], 'main')).toThrow(/^main: segment \d+ .* overlaps kernel\.elf segment 0/);
  });

  it('refuses the same program from musl-gcc -static-pie, which names an interpreter on Debian', () => {
    const pie = join(dir, 'pie');
    execFileSync('musl-gcc', ['-static-pie', '-fPIE', '-o', pie, join(dir, 'main.c')]);
    expect(() => parseElf(new Uint8Array(readFileSync(pie)), 'pie')).toThrow(/^pie: dynamically linked \(interpreter \/lib\/ld-musl-x86_64\.so\.1\)/);
  });

  it('moves a static PIE as a whole with rebaseElf', () => {
    const pie = join(dir, 'gpie');
    execFileSync('gcc', ['-static-pie', '-o', pie, join(dir, 'main.c')]);
    const image = parseElf(new Uint8Array(readFileSync(pie)), 'gpie');
    expect(image.pie).toBe(true);
    const moved = rebaseElf(image, 0x400000n);
    expect(moved.entry - image.entry).toBe(0x400000n);
    expect(moved.phdrAddr! - image.phdrAddr!).toBe(0x400000n);
    expect(moved.segments.map((s) => s.vaddr - 0x400000n)).toEqual(image.segments.map((s) => s.vaddr));
    expect([moved.lowest - image.lowest, moved.highest - image.highest]).toEqual([0x400000n, 0x400000n]);
  });
});

describe('relocateElf: the kernel moved to the top of RAM', () => {
  // The same object linked by ld at the new address is the reference: the moved
  // image must match it byte for byte.
  const delta = 0x1000000n;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'elf-reloc-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('matches the kernel linked there by ld', () => {
    const object = join(BUILD_DIR, 'kernel', 'kernel.o');
    const link = (base: bigint, out: string) =>
      execFileSync('ld', [
        '-static',
        '-nostdlib',
        '-z',
        'max-page-size=4096',
        '-z',
        'noexecstack',
        '--emit-relocs',
        `-Ttext-segment=0x${base.toString(16)}`,
        '-e',
        'kernel_entry',
        object,
        '-o',
        out,
      ]);
    link(0x180000n, join(dir, 'low.elf'));
    link(0x180000n + delta, join(dir, 'high.elf'));
    const low = new Uint8Array(readFileSync(join(dir, 'low.elf')));
    const high = new Uint8Array(readFileSync(join(dir, 'high.elf')));
    const moved = rebaseElf(parseElf(low, 'low'), delta);
    const reference = parseElf(high, 'high');
    expect(moved.entry).toBe(reference.entry);
    const a = ram(32 * MiB);
    const b = ram(32 * MiB);
    loadElf(moved, low, a, [], 'low');
    expect(relocateElf(low, moved, a, delta, 'low')).toBeGreaterThan(1000);
    loadElf(reference, high, b, [], 'high');
    // From the text on: the first page holds the file's own ELF header, which keeps its link addresses.
    const from = moved.lowest + 0x1000n;
    const span = BigInt(32 * MiB) - from;
    expect(Buffer.compare(Buffer.from(a.view(from, span)), Buffer.from(b.view(from, span)))).toBe(0);
  });

  it('refuses an image without relocations', () => {
    const plain = makeElf({ segments: [{ vaddr: 0x400000n, flags: PF_R | PF_X, data: new Uint8Array([0xf4]) }] });
    const image = rebaseElf(parseElf(plain, 'k'), delta);
    expect(() => relocateElf(plain, image, ram(32 * MiB), delta, 'k')).toThrow(ElfError);
  });
});

describe('parseElf: a PIE that needs shared libraries', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'elf-needed-'));
    writeFileSync(join(dir, 'main.c'), 'int main(){return 3;}\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused, naming the library, when it names no interpreter', () => {
    const out = join(dir, 'needs');
    execFileSync('gcc', ['-pie', '-fPIE', '-Wl,--no-dynamic-linker', '-o', out, join(dir, 'main.c')]);
    expect(() => parseElf(new Uint8Array(readFileSync(out)), 'needs')).toThrow(
      /^needs: needs the shared library libc\.so\.6 but names no interpreter; build it static/,
    );
  });

  it('accepts a static PIE, whose dynamic section needs nothing', () => {
    const out = join(dir, 'pie');
    execFileSync('gcc', ['-static-pie', '-o', out, join(dir, 'main.c')]);
    expect(parseElf(new Uint8Array(readFileSync(out)), 'pie').pie).toBe(true);
  });
});
