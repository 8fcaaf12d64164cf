// Guest virtual addresses to guest-physical ones, through the guest's own page tables
// (4-level, 4 KiB, 2 MiB and 1 GiB pages), as the debugger's memory reads and writes
// need. The tables are guest memory: every entry is read through GuestMemory's
// bounds checks, so a table pointing outside RAM makes the address unmapped.
import type { GuestMemory } from '../guest-memory.js';

const PRESENT = 1n;
const HUGE = 0x80n;
const ADDRESS = 0x000f_ffff_ffff_f000n;

/** The guest-physical address of `virt` under the tables at `cr3`, or undefined when no present page maps it. */
export function translate(mem: GuestMemory, cr3: bigint, virt: bigint): bigint | undefined {
  const top = virt >> 47n;
  if (top !== 0n && top !== 0x1ffffn) return undefined; // not canonical
  let table = cr3 & ADDRESS;
  for (let level = 3; level >= 0; level--) {
    const shift = BigInt(12 + 9 * level);
    const slot = table + ((virt >> shift) & 0x1ffn) * 8n;
    if (!mem.contains(slot, 8)) return undefined;
    const entry = mem.readU64(slot);
    if ((entry & PRESENT) === 0n) return undefined;
    const pageMask = (1n << shift) - 1n;
    if (level === 0 || ((level === 1 || level === 2) && (entry & HUGE) !== 0n)) return (entry & ADDRESS & ~pageMask) | (virt & pageMask);
    table = entry & ADDRESS;
  }
  return undefined;
}

/**
 * Copies `length` bytes at virtual `virt` out of (or, with `data`, into) the guest, a
 * page at a time; false, with nothing written, when any byte is unmapped or outside RAM.
 */
export function accessVirtual(mem: GuestMemory, cr3: bigint, virt: bigint, length: number, data?: Uint8Array): Uint8Array | undefined {
  const pieces: { phys: bigint; len: number; at: number }[] = [];
  let done = 0;
  while (done < length) {
    const here = virt + BigInt(done);
    const phys = translate(mem, cr3, here);
    const len = Math.min(length - done, 0x1000 - Number(here & 0xfffn));
    if (phys === undefined || !mem.contains(phys, len)) return undefined;
    pieces.push({ phys, len, at: done });
    done += len;
  }
  const out = data ?? new Uint8Array(length);
  for (const p of pieces) {
    if (data) mem.copyIn(p.phys, data.subarray(p.at, p.at + p.len));
    else out.set(mem.view(p.phys, p.len), p.at);
  }
  return out;
}
