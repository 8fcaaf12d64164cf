// Symbol tables read from ELF files: the kernel's labels and struc offsets (what
// --strace and crash reports use), names for addresses, and files without symbols.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readSymbols } from '../../../vmm/elf-symbols.js';
import { KERNEL_ELF } from '../../../vmm/paths.js';
import { kernelSymbols } from '../../helpers/kernel-symbols.js';

describe('readSymbols', () => {
  const nm = kernelSymbols();
  const file = fs.readFileSync(KERNEL_ELF);

  it("finds the kernel's labels, moved by the bias, and its struc offsets unmoved", () => {
    const table = readSymbols(file, 0x1000000n);
    expect(table.address('syscall_entry')).toBe((nm.get('syscall_entry') ?? 0n) + 0x1000000n);
    expect(table.address('syscall_entry.done')).toBe((nm.get('syscall_entry.done') ?? 0n) + 0x1000000n);
    expect(table.constant('Task.tid')).toBe(nm.get('Task.tid'));
    expect(table.constant('Percpu.current')).toBe(nm.get('Percpu.current'));
  });

  it('names an address by the routine it lies in, skipping local labels', () => {
    const table = readSymbols(file);
    const done = nm.get('syscall_entry.done') ?? 0n;
    expect(table.placeOf(done + 1n)).toEqual({ symbol: 'syscall_entry', offset: done + 1n - (nm.get('syscall_entry') ?? 0n) });
    expect(table.placeOf(0x1000n)).toBeUndefined();
  });

  it('gives an empty table for a file without one, or no ELF at all', () => {
    expect(readSymbols(new Uint8Array(10)).size).toBe(0);
    const noSections = Uint8Array.from(file.subarray(0, 64));
    noSections.fill(0, 60, 62); // e_shnum = 0
    expect(readSymbols(noSections).size).toBe(0);
  });
});
