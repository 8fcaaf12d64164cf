// The gdb stub reads and writes guest memory by virtual address through the guest's
// own page tables (vmm/debug/guest-pages.ts): the boot tables map RAM one to one, and
// the NULL page, addresses past RAM and non-canonical addresses are not mapped.
import { describe, expect, it } from 'vitest';
import { writePageTables } from '../../../vmm/boot/long-mode.js';
import { readVirtual, translate, writeVirtual } from '../../../vmm/debug/guest-pages.js';
import { MEM } from '../../../vmm/generated/abi.js';
import { GuestMemory } from '../../../vmm/guest-memory.js';

const RAM = 16 * 1024 * 1024 + 5 * 0x1000;

describe('translate', () => {
  const mem = new GuestMemory(new SharedArrayBuffer(64 * 1024 * 1024), RAM);
  writePageTables(mem);
  const cr3 = BigInt(MEM.PML4_ADDR);

  it('maps RAM one to one, through 4 KiB and 2 MiB pages', () => {
    for (const a of [0x1000n, 0x1234n, 0x1ff_fffn, 0x20_0000n, 0x40_1140n, BigInt(RAM - 1)]) expect(translate(mem, cr3, a)).toBe(a);
  });

  it('maps nothing at page 0, past RAM, or at non-canonical addresses', () => {
    for (const a of [0n, 0xfffn, BigInt(RAM), 0x4000_0000n, 0xffff_ffff_ffff_f000n, 0x0000_8000_0000_0000n]) expect(translate(mem, cr3, a)).toBeUndefined();
  });

  it('finds nothing through tables that point outside RAM', () => {
    expect(translate(mem, 0xffff_f000n, 0x1000n)).toBeUndefined();
  });
});

describe('readVirtual and writeVirtual', () => {
  const mem = new GuestMemory(new SharedArrayBuffer(64 * 1024 * 1024), RAM);
  writePageTables(mem);
  const cr3 = BigInt(MEM.PML4_ADDR);
  const end = BigInt(RAM);

  it('read up to the first unmapped byte, and nothing from page 0', () => {
    mem.view(RAM - 4, 4).set([1, 2, 3, 4]);
    expect([...(readVirtual(mem, cr3, end - 4n, 16) ?? [])]).toEqual([1, 2, 3, 4]);
    expect(readVirtual(mem, cr3, 0x10n, 4)).toBeUndefined();
  });

  it('write all or nothing', () => {
    expect(writeVirtual(mem, cr3, end - 2n, Uint8Array.of(9, 9, 9, 9))).toBeUndefined();
    expect([...mem.view(RAM - 2, 2)]).toEqual([3, 4]);
    expect(writeVirtual(mem, cr3, 0x2ffen, Uint8Array.of(5, 6, 7, 8))).toEqual([
      { phys: 0x2ffen, length: 2 },
      { phys: 0x3000n, length: 2 },
    ]);
    expect([...mem.view(0x2ffe, 4)]).toEqual([5, 6, 7, 8]);
  });
});
