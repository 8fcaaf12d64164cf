// The identity page tables the VMM writes before the kernel's first instruction.
import { describe, expect, it } from 'vitest';
import { writePageTables } from '../../../vmm/boot/long-mode.js';
import { MEM } from '../../../vmm/generated/abi.js';
import { GuestMemory } from '../../../vmm/guest-memory.js';

describe('the boot page tables', () => {
  it('map the first 4 GiB one to one with 2 MiB pages, present and writable, over whatever RAM held', () => {
    const mem = new GuestMemory(new SharedArrayBuffer(16 * 1024 * 1024));
    mem.bytes.fill(0xff); // every word of every entry must be written, the high halves too
    writePageTables(mem);
    expect(mem.readU64(MEM.PML4_ADDR)).toBe(BigInt(MEM.PDPT_ADDR) | 3n);
    for (let dir = 0; dir < 4; dir++) {
      const pd = MEM.PD_ADDR + dir * 0x1000;
      expect(mem.readU64(MEM.PDPT_ADDR + dir * 8)).toBe(BigInt(pd) | 3n);
      for (let i = 0; i < 512; i++) {
        expect(mem.readU64(pd + i * 8)).toBe(((BigInt(dir) * 512n + BigInt(i)) * 0x200000n) | 0x83n);
      }
    }
  });
});
