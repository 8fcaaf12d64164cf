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

/** The bytes at virtual `virt`, up to `length`: fewer where a page is not mapped, undefined when the first is not. */
export function readVirtual(mem: GuestMemory, cr3: bigint, virt: bigint, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const here = virt + BigInt(done);
    const phys = translate(mem, cr3, here);
    const len = Math.min(length - done, 0x1000 - Number(here & 0xfffn));
    if (phys === undefined || !mem.contains(phys, len)) break;
    out.set(mem.view(phys, len), done);
    done += len;
  }
  return done === 0 ? undefined : out.subarray(0, done);
}

/**
 * Writes `data` at virtual `virt`, all of it or (where any page is not mapped) none;
 * the guest-physical ranges written, or undefined.
 */
export function writeVirtual(mem: GuestMemory, cr3: bigint, virt: bigint, data: Uint8Array): { phys: bigint; length: number }[] | undefined {
  const pieces: { phys: bigint; at: number; length: number }[] = [];
  for (let at = 0; at < data.length; ) {
    const here = virt + BigInt(at);
    const phys = translate(mem, cr3, here);
    const length = Math.min(data.length - at, 0x1000 - Number(here & 0xfffn));
    if (phys === undefined || !mem.contains(phys, length)) return undefined;
    pieces.push({ phys, at, length });
    at += length;
  }
  for (const p of pieces) mem.copyIn(p.phys, data.subarray(p.at, p.at + p.length));
  return pieces.map(({ phys, length }) => ({ phys, length }));
}
