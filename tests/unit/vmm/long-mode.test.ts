// The identity page tables the VMM writes before the kernel's first instruction.
import { describe, expect, it } from 'vitest';
import { writePageTables } from '../../../vmm/boot/long-mode.js';
import { MEM } from '../../../vmm/generated/abi.js';
import { GuestMemory } from '../../../vmm/guest-memory.js';

const TWO_MIB = 0x200000;

/** The page-table entry that maps `addr` (walking from PML4), or 0n when none is present. */
function leaf(mem: GuestMemory, addr: number): bigint {
  const pdpt = mem.readU64(MEM.PML4_ADDR);
  if (!(pdpt & 1n)) return 0n;
  const pd = mem.readU64(Number(pdpt & ~0xfffn) + Math.floor(addr / 0x40000000) * 8);
  if (!(pd & 1n)) return 0n;
  const pde = mem.readU64(Number(pd & ~0xfffn) + (Math.floor(addr / TWO_MIB) % 512) * 8);
  if (!(pde & 1n) || pde & 0x80n) return pde;
  return mem.readU64(Number(pde & ~0xfffn) + (Math.floor(addr / 0x1000) % 512) * 8);
}

describe('the boot page tables', () => {
  for (const ram of [16 * 1024 * 1024, 16 * 1024 * 1024 + 5 * 0x1000]) {
    it(`map RAM one to one and nothing else (${ram} bytes of RAM, over whatever memory held)`, () => {
      const mem = new GuestMemory(new SharedArrayBuffer(64 * 1024 * 1024), ram);
      mem.bytes.fill(0xff, 0, 0x10000); // every word of every entry must be written, the high halves too
      writePageTables(mem);
      expect(leaf(mem, 0) & 1n).toBe(0n); // the NULL page
      expect(leaf(mem, 0x1000)).toBe(0x1000n | 3n);
      expect(leaf(mem, 0x1ff000)).toBe(0x1ff000n | 3n);
      expect(leaf(mem, TWO_MIB)).toBe(BigInt(TWO_MIB) | 0x83n);
      const last = leaf(mem, ram - 0x1000);
      expect(last & 3n).toBe(3n);
      expect(last & 0x80n ? (last & ~0x1fffffn) + BigInt((ram - 0x1000) % TWO_MIB) : last & ~0xfffn).toBe(BigInt(ram - 0x1000));
      expect(leaf(mem, ram) & 1n).toBe(0n); // above RAM: not present until the kernel reserves it
      expect(leaf(mem, 0xffe00000) & 1n).toBe(0n);
    });
  }
});
