// Little-endian immediates and displacements for the VMM's hand-written machine code
// (the syscall and copy hooks): the bytes that follow an instruction's opcode.

/** A 32-bit value (two's complement for negative numbers) as 4 bytes. */
export const le32 = (v: number): number[] => Array.from({ length: 4 }, (_, i) => (v >>> (8 * i)) & 0xff);

/** A 64-bit value as 8 bytes. */
export const le64 = (v: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

/** The 8-bit displacement of 64-bit word `slot` in a hook's slots page. */
export const disp8 = (slot: number): number => slot * 8;
