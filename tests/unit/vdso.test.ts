// The kernel's vDSO image (guest-src/kernel/sys/vdso.asm), read out of the built
// kernel and looked up the way Go's runtime does it: ELF hash buckets and chains,
// the version definitions (hash and name of LINUX_2.6) and each symbol's version.
// musl's simpler lookup is exercised for real by tests/integration/guest/clock.test.ts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_ELF } from '../../vmm/paths.js';

/** The System V ELF hash, as Go and the dynamic linker compute it. */
function elfHash(name: string): number {
  let h = 0;
  for (const c of Buffer.from(name)) {
    h = ((h << 4) + c) >>> 0;
    const g = h & 0xf0000000;
    if (g) h ^= g >>> 24;
    h &= ~g >>> 0;
  }
  return h >>> 0;
}

/** The vDSO image's bytes: found by its symbol in the kernel, read from its PT_LOAD. */
function vdsoImage(): Buffer {
  const elf = fs.readFileSync(KERNEL_ELF);
  const line = execFileSync('nm', [KERNEL_ELF], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.endsWith(' vdso_image'));
  const address = BigInt(`0x${line!.split(' ')[0]}`);
  const phoff = Number(elf.readBigUInt64LE(32));
  for (let i = 0; i < elf.readUInt16LE(56); i++) {
    const at = phoff + 56 * i;
    const vaddr = elf.readBigUInt64LE(at + 16);
    const filesz = elf.readBigUInt64LE(at + 32);
    if (elf.readUInt32LE(at) === 1 && address >= vaddr && address < vaddr + filesz) {
      const offset = Number(elf.readBigUInt64LE(at + 8) + address - vaddr);
      return elf.subarray(offset, offset + 4096);
    }
  }
  throw new Error('vdso_image is not in a loaded segment');
}

/** Looks `name` up at `version` as Go's runtime/vdso_linux.go does; the symbol's value or undefined. */
function goLookup(image: Buffer, name: string, version: string): bigint | undefined {
  const phoff = Number(image.readBigUInt64LE(32));
  const dyn = new Map<number, number>();
  for (let i = 0; i < image.readUInt16LE(56); i++) {
    const at = phoff + 56 * i;
    if (image.readUInt32LE(at) !== 2) continue; // PT_DYNAMIC
    for (let d = Number(image.readBigUInt64LE(at + 8)); ; d += 16) {
      const tag = Number(image.readBigUInt64LE(d));
      if (tag === 0) break;
      dyn.set(tag, Number(image.readBigUInt64LE(d + 8)));
    }
  }
  const [strtab, symtab, hash, versym, verdef] = [5, 6, 4, 0x6ffffff0, 0x6ffffffc].map((t) => dyn.get(t));
  if (strtab === undefined || symtab === undefined || hash === undefined || versym === undefined || verdef === undefined) return undefined;
  const str = (off: number) => image.toString('latin1', strtab + off, image.indexOf(0, strtab + off));
  // The version's index: a non-base definition whose hash and name match.
  let index = -1;
  for (let def = verdef; ; ) {
    const flags = image.readUInt16LE(def + 2);
    const aux = def + image.readUInt32LE(def + 12);
    if ((flags & 1) === 0 && image.readUInt32LE(def + 8) === elfHash(version) && str(image.readUInt32LE(aux)) === version) {
      index = image.readUInt16LE(def + 4) & 0x7fff;
      break;
    }
    const next = image.readUInt32LE(def + 16);
    if (next === 0) break;
    def += next;
  }
  if (index < 0) return undefined;
  const nbucket = image.readUInt32LE(hash);
  const chain = (i: number) => image.readUInt32LE(hash + 8 + 4 * nbucket + 4 * i);
  for (let sym = image.readUInt32LE(hash + 8 + 4 * (elfHash(name) % nbucket)); sym !== 0; sym = chain(sym)) {
    const at = symtab + 24 * sym;
    const info = image.readUInt8(at + 4);
    if ((info & 0xf) !== 2 || info >> 4 === 0 || image.readUInt16LE(at + 6) === 0) continue; // a defined global function
    if (str(image.readUInt32LE(at)) !== name || (image.readUInt16LE(versym + 2 * sym) & 0x7fff) !== index) continue;
    return image.readBigUInt64LE(at + 8);
  }
  return undefined;
}

describe('the vDSO image', () => {
  const image = vdsoImage();
  it('is a shared object', () => {
    expect(image.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(image.readUInt16LE(16)).toBe(3); // ET_DYN
  });
  for (const name of ['__vdso_clock_gettime', '__vdso_gettimeofday', '__vdso_time', '__vdso_getcpu', '__vdso_clock_getres']) {
    it(`exports ${name} at version LINUX_2.6, found through the hash table`, () => {
      const value = goLookup(image, name, 'LINUX_2.6');
      expect(value).toBeDefined();
      expect(value! > 0n && value! < 4096n).toBe(true);
    });
  }
  it('has no symbol at another version, nor one it does not define', () => {
    expect(goLookup(image, '__vdso_clock_gettime', 'LINUX_2.5')).toBeUndefined();
    expect(goLookup(image, '__vdso_nothing', 'LINUX_2.6')).toBeUndefined();
  });
});
