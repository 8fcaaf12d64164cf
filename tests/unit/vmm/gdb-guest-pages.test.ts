// The gdb stub reads and writes guest memory by virtual address through the guest's
// own page tables (vmm/debug/guest-pages.ts): the boot tables map RAM one to one, and
// the NULL page, addresses past RAM and non-canonical addresses are not mapped.
import { describe, expect, it } from 'vitest';
import { writePageTables } from '../../../vmm/boot/long-mode.js';
import { translate } from '../../../vmm/debug/guest-pages.js';
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
