// Addresses inside the built kernel, for guest programs that hand them to system
// calls or checksum the kernel (guest-src/app/tests/kernel-symbols.h reads them back
// from argv and moves them to where the VMM put the kernel): the kernel's symbols and
// its read-only segments. Used by the tests and by `npm run fuzz`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { KERNEL_ELF } from '../vmm/paths.js';

/** Every symbol of the built kernel: name -> value (absolute ones are struct offsets). */
export function kernelSymbols(): Map<string, bigint> {
  const symbols = new Map<string, bigint>();
  for (const line of execFileSync('nm', [KERNEL_ELF], { encoding: 'utf8' }).split('\n')) {
    const [value, , name] = line.split(' ');
    if (name) symbols.set(name, BigInt(`0x${value}`));
  }
  return symbols;
}

export interface Segment {
  address: bigint;
  bytes: Buffer;
}

/** The kernel's loadable segments that are not writable: text and read-only data. */
export function readOnlySegments(): Segment[] {
  const elf = fs.readFileSync(KERNEL_ELF);
  const phoff = Number(elf.readBigUInt64LE(32));
  const segments: Segment[] = [];
  for (let i = 0; i < elf.readUInt16LE(56); i++) {
    const at = phoff + 56 * i;
    const PT_LOAD = 1;
    const PF_W = 2;
    if (elf.readUInt32LE(at) !== PT_LOAD || elf.readUInt32LE(at + 4) & PF_W) continue;
    const offset = Number(elf.readBigUInt64LE(at + 8));
    const filesz = Number(elf.readBigUInt64LE(at + 32));
    segments.push({ address: elf.readBigUInt64LE(at + 16), bytes: elf.subarray(offset, offset + filesz) });
  }
  return segments;
}

/** Symbols a guest program asks for, passed as NAME=0xVALUE arguments (those the kernel has). */
const WANTED = [
  'kernel_entry',
  'syscall_table',
  'idt',
  'gdt',
  'percpu',
  'page_bitmap',
  'user_bitmap',
  'ram_size',
  'heap_start',
  'vdso_image',
  '_end',
  'Percpu.current',
];

/**
 * The guest's arguments: NAME=0xVALUE for each wanted symbol, then ro=0xADDRESS:0xLENGTH
 * for each read-only segment.
 */
export function kernelArgs(): string[] {
  const symbols = kernelSymbols();
  const args = WANTED.filter((name) => symbols.has(name)).map((name) => `${name}=0x${symbols.get(name)!.toString(16)}`);
  for (const s of readOnlySegments()) args.push(`ro=0x${s.address.toString(16)}:0x${s.bytes.length.toString(16)}`);
  return args;
}
