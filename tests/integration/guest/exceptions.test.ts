// A guest that dies of a CPU exception: a readable report on stderr (vector, error
// code, RIP, CR2, registers) and the status a shell shows for the matching signal.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { guestBin, runVm } from '../../helpers/run-vm.js';
import { kernelSymbols } from '../../helpers/kernel-symbols.js';
import { parseElf } from '../../../vmm/elf.js';
import { KERNEL_ELF } from '../../../vmm/paths.js';

const cases: [string, number, RegExp, number][] = [
  ['ud2', 6, /#UD invalid opcode/, 132],
  ['div0', 0, /#DE divide error/, 136],
  ['null', 14, /#PF page fault/, 139],
  ['wild', 14, /#PF page fault/, 139],
  ['wildjump', 14, /#PF page fault/, 139],
  ['int3', 3, /#BP breakpoint/, 133],
];

describe('CPU exceptions in the guest', () => {
  it.each(cases)('%s: vector %i reported, non-zero status', (what, vector, name, status) => {
    const r = runVm([guestBin('tests', 'crash'), '--', what]);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr).toContain(`kernel: CPU exception ${vector} `);
    expect(r.stderr).toMatch(name);
    expect(r.stderr).toMatch(/error code 0x[0-9a-f]{16} {2}RIP 0x[0-9a-f]{16} {2}CR2 0x[0-9a-f]{16}/);
    for (const reg of ['RAX', 'RBX', 'RSP', 'R15', 'RFL']) expect(r.stderr).toContain(reg);
    expect(r.status).toBe(status);
  });

  it('reports the faulting address of a NULL dereference in CR2 and a write in the error code', () => {
    expect(runVm([guestBin('tests', 'crash'), '--', 'null']).stderr).toMatch(/CR2 0x0000000000000000/);
    const wild = runVm([guestBin('tests', 'crash'), '--', 'wild']).stderr;
    expect(wild).toMatch(/CR2 0x0000007ff0000000/);
  });

  it('sets the instruction-fetch bit for a jump to nowhere', () => {
    expect(runVm([guestBin('tests', 'crash'), '--', 'wildjump']).stderr).toMatch(/error code 0x0000000000000010 {2}RIP 0x0000007ff0000000/);
  });

  it('reports the exact instruction of a fault in the middle of a basic block, not the block start', () => {
    const r = runVm([guestBin('tests', 'crash'), '--', 'midblock']);
    const load = /load at 0x([0-9a-f]+)/.exec(r.stdout.toString())?.[1];
    expect(load).toBeDefined();
    expect(r.stderr).toContain(`RIP 0x${load?.padStart(16, '0')}  CR2 0x0000000000000010`);
    expect(r.status).toBe(139);
  });

  it('faults on the first byte past RAM, with that address in CR2', () => {
    const r = runVm([guestBin('tests', 'crash'), '--mem', '64M', '--', 'aboveram', String(64 << 20)]);
    expect(r.stderr).toContain('kernel: CPU exception 14 ');
    expect(r.stderr).toContain('CR2 0x0000000004000000');
  });

  it.each(['null', 'ud2', 'div0', 'int3'])('%s: the report names the function, main, and its callers', (what) => {
    const r = runVm([guestBin('tests', 'crash'), '--', what]);
    expect(r.stderr).toMatch(
      /\n {2}in main\+0x[0-9a-f]+ \(program\)\n {2}call chain \(.*\):\n {4}called from libc_start_main_stage2\+0x[0-9a-f]+ \(program\)\n/,
    );
  });

  it('names the caller of a jump to nowhere, and says where RIP lies', () => {
    const r = runVm([guestBin('tests', 'crash'), '--', 'wildjump']);
    expect(r.stderr).toContain("  in 0x7ff0000000 (outside the program's and the kernel's code)\n");
    expect(r.stderr).toMatch(/\n {4}called from main\+0x[0-9a-f]+ \(program\)\n/);
  });

  it('names the kernel function of a fault in kernel code, with the program that called it', () => {
    // kprint_cstr's distance from the kernel's first page, where BootInfo.kernel_start points once the VMM moved it.
    const first = parseElf(fs.readFileSync(KERNEL_ELF), 'kernel').lowest & ~0xfffn;
    const offset = (kernelSymbols().get('kprint_cstr') ?? 0n) - first;
    const r = runVm([guestBin('tests', 'crash'), '--', 'kernel', `0x${offset.toString(16)}`]);
    expect(r.stderr).toContain('kernel: CPU exception 14 ');
    expect(r.stderr).toMatch(/\n {2}in kprint_cstr\+0x[0-9a-f]+ \(kernel\)\n/);
    expect(r.stderr).toMatch(/\n {4}called from main\+0x[0-9a-f]+ \(program\)\n/);
    expect(r.status).toBe(139);
  });

  it('names the place in the report the VMM writes when it cannot deliver a fault (an empty IDT)', () => {
    const r = runVm([guestBin('tests', 'crash'), '--', 'noidt']);
    expect(r.stderr).toContain('unikv: guest crashed on vCPU 0: triple fault: vector 6 lies beyond the IDT');
    expect(r.stderr).toMatch(/\n {2}in main\+0x[0-9a-f]+ \(program\)\n/);
    expect(r.status).toBe(134);
  });
});
