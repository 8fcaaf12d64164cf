// The little instruction decoding the fault path needs.
import type { GuestMemory } from '../guest-memory.js';

/**
 * Whether the instruction at `rip` is a div or idiv (F6 /6, F6 /7, F7 /6, F7 /7,
 * after at most three operand-size or REX prefixes). False when it lies outside RAM.
 */
export function isDivideAt(mem: GuestMemory, rip: bigint): boolean {
  if (!mem.contains(rip, 4)) return false;
  let at = rip;
  for (let i = 0; i < 3; i++) {
    const b = mem.readU8(at);
    if (b === 0x66 || (b >= 0x40 && b <= 0x4f)) at += 1n;
  }
  const opcode = mem.readU8(at);
  const reg = (mem.readU8(at + 1n) >> 3) & 7;
  return (opcode === 0xf6 || opcode === 0xf7) && (reg === 6 || reg === 7);
}
