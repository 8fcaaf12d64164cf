// What the VMM writes into guest RAM and into vCPU registers so that the kernel's
// first instruction already runs in 64-bit long mode, as uhyve does it: a boot GDT,
// identity page tables, CR0/CR3/CR4/EFER, and the BootInfo address in RDI.
import { MEM } from '../generated/abi.js';
import type { GuestMemory } from '../guest-memory.js';
import { type Engine, REG } from '../engine/unicorn.js';

// Page-table entry bits. The tables are written with 32-bit numbers, not BigInts: every
// address they hold is below 4 GiB, so the high half of each entry is zero, and 2,048
// BigInt writes in code V8 has not compiled yet would slow every start.
const PTE_PRESENT = 1;
const PTE_WRITABLE = 2;
const PTE_HUGE = 0x80; // a 2 MiB page in a page directory
const TWO_MIB = 0x200000;
const PAGE = 0x1000;

export const SELECTOR_CODE = 0x08n;
export const SELECTOR_DATA = 0x10n;

const CR0_PE = 1n << 0n,
  CR0_MP = 1n << 1n,
  CR0_ET = 1n << 4n,
  CR0_NE = 1n << 5n,
  CR0_WP = 1n << 16n,
  CR0_PG = 1n << 31n;
const CR4_PAE = 1n << 5n,
  CR4_OSFXSR = 1n << 9n,
  CR4_OSXMMEXCPT = 1n << 10n;
const EFER_SCE = 1n << 0n,
  EFER_LME = 1n << 8n,
  EFER_LMA = 1n << 10n,
  EFER_NXE = 1n << 11n;
export const MSR_EFER = 0xc0000080;

/**
 * Identity-maps guest RAM, and only RAM: 2 MiB pages, with 4 KiB tables for the
 * first 2 MiB (page 0 is not present, so a NULL dereference faults) and for a last
 * 2 MiB that RAM only partly fills. Everything else (above RAM) is not present until
 * the kernel reserves it (mm/reserve.asm). So every stray access is a page fault
 * raised by the emulated CPU's page walk, which reports the exact faulting
 * instruction, never the engine's unmapped-memory path (docs/history.md).
 */
export function writePageTables(mem: GuestMemory): void {
  const entries = (addr: number, count: number) => {
    const bytes = mem.view(addr, count * 8);
    return new Uint32Array(bytes.buffer, bytes.byteOffset, count * 2); // [low, high] pairs, little-endian
  };
  const entry = (table: Uint32Array, i: number, value: number) => {
    table[i * 2] = value >>> 0;
    table[i * 2 + 1] = 0;
  };
  const smallPages = (table: number, base: number) => {
    const pt = entries(table, 512);
    for (let i = 0; i < 512; i++) {
      const page = base + i * PAGE;
      entry(pt, i, page !== 0 && page < mem.ramSize ? page | PTE_PRESENT | PTE_WRITABLE : 0);
    }
    return table | PTE_PRESENT | PTE_WRITABLE;
  };
  entry(entries(MEM.PML4_ADDR, 1), 0, MEM.PDPT_ADDR | PTE_PRESENT | PTE_WRITABLE);
  const pdpt = entries(MEM.PDPT_ADDR, 4);
  for (let dir = 0; dir < 4; dir++) {
    const pd = MEM.PD_ADDR + dir * 0x1000;
    entry(pdpt, dir, pd | PTE_PRESENT | PTE_WRITABLE);
    const table = entries(pd, 512);
    for (let i = 0; i < 512; i++) {
      const base = (dir * 512 + i) * TWO_MIB;
      if (base === 0) entry(table, i, smallPages(MEM.PT0_ADDR, 0));
      else if (base + TWO_MIB <= mem.ramSize) entry(table, i, base + (PTE_PRESENT | PTE_WRITABLE | PTE_HUGE));
      else if (base < mem.ramSize) entry(table, i, smallPages(MEM.PT_TAIL_ADDR, base));
      else entry(table, i, 0);
    }
  }
}

/** A minimal GDT (null, 64-bit code, data) so the first far jump has a target. */
export function writeBootGdt(mem: GuestMemory): void {
  mem.writeU64(MEM.BOOT_GDT_ADDR, 0n);
  mem.writeU64(MEM.BOOT_GDT_ADDR + 8, 0x00209a0000000000n);
  mem.writeU64(MEM.BOOT_GDT_ADDR + 16, 0x0000920000000000n);
}

/** Puts a vCPU in long mode at `entry` with RDI = the BootInfo address, RSI = the vCPU's number. */
export function enterLongMode(engine: Engine, entry: bigint, rdi: bigint, rsi = 0n): void {
  engine.writeTable(REG.GDTR, BigInt(MEM.BOOT_GDT_ADDR), 23);
  engine.write(REG.CR3, BigInt(MEM.PML4_ADDR));
  engine.write(REG.CR4, CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT);
  engine.writeMsr(MSR_EFER, EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
  engine.write(REG.CR0, CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG);
  engine.write(REG.CS, SELECTOR_CODE);
  for (const seg of [REG.SS, REG.DS, REG.ES]) engine.write(seg, SELECTOR_DATA);
  engine.write(REG.RFLAGS, 2n);
  engine.write(REG.RDI, rdi);
  engine.write(REG.RSI, rsi);
  engine.write(REG.RSP, 0n);
  engine.write(REG.RIP, entry);
}
