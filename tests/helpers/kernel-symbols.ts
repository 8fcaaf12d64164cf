// The kernel's read-only segments as the VMM moves them, with the checksum the guest
// must find in memory; the symbols and arguments themselves are toolchain/kernel-symbols.ts's.
import fs from 'node:fs';
import { KERNEL_ELF } from '../../vmm/paths.js';
import { readOnlySegments, type Segment } from '../../toolchain/kernel-symbols.js';
import { loadElf, parseElf, rebaseElf, relocateElf } from '../../vmm/elf.js';
import { GuestMemory } from '../../vmm/guest-memory.js';

/**
 * The read-only segments as they lie in guest memory once the VMM has moved the kernel
 * up by `delta` (vmm/elf.ts relocateElf patches its absolute references), at their
 * moved addresses.
 */
export function movedReadOnlySegments(delta: bigint): Segment[] {
  const file = fs.readFileSync(KERNEL_ELF);
  const kernel = rebaseElf(parseElf(file, 'kernel'), delta);
  const mem = new GuestMemory(new SharedArrayBuffer(Number(kernel.highest + 0xfffn) & ~0xfff));
  loadElf(kernel, file, mem, [], 'kernel');
  relocateElf(file, kernel, mem, delta, 'kernel');
  return readOnlySegments().map((s) => ({ address: s.address + delta, bytes: Buffer.from(mem.copyOut(s.address + delta, s.bytes.length)) }));
}

/** FNV-1a, 64 bits: what the guest computes over the same bytes. */
export function fnv1a64(bytes: Buffer): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

export { kernelArgs, kernelSymbols, readOnlySegments, type Segment } from '../../toolchain/kernel-symbols.js';
