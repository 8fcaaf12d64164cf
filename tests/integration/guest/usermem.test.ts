// System calls use only the program's memory: its own for reading and writing, the
// argument strings, the vDSO and the AT_RANDOM bytes for reading, never the kernel's
// (its image, tables, page tables, Task blocks and kernel stacks): a pointer there is
// EFAULT (or the key-value calls' -1), and the kernel goes on working.
import { describe, expect, it } from 'vitest';
import { kernelArgs } from '../../helpers/kernel-symbols.js';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';

describe('pointers the program passes to the kernel', () => {
  it('reach only the memory the program may use', () => {
    const r = runVm(['--backend', 'memory', guestBin('tests', 'usermem'), '--', '/', ...kernelArgs()]);
    const c = checks(r.stdout);
    expect(
      Object.entries(c).filter(([, ok]) => !ok),
      r.stdout.toString(),
    ).toEqual([]);
    expect(Object.keys(c).length, r.stdout.toString()).toBe(55);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
