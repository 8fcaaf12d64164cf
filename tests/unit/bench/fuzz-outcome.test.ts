// How `npm run fuzz` reads a fuzzing VM's end (bench/lib/fuzz/outcome.ts): each class
// from the status and the lines the guest, its kernel and the VMM print.
import { describe, expect, it } from 'vitest';
import { classify, lastCalls, type VmExit } from '../../../bench/lib/fuzz/outcome.js';

const exit = (over: Partial<VmExit>): VmExit => ({ status: 0, stdout: '', stderr: '', timedOut: false, ...over });
const FINISHED = 'progress 0 0\nresult ok 5\nresult errno 14 3\nresult errno 38 2\nresult skipped 1\ncalls 10\n';

describe('a fuzzing run ends', () => {
  it('finished, with its counts', () => {
    const o = classify('syscalls', exit({ stdout: FINISHED, stderr: 'kernel: unknown system call 400 returns -ENOSYS (reported once)\n' }));
    expect(o).toMatchObject({ end: 'finished', calls: 10, ok: 5 });
    expect([...o.errnos]).toEqual([
      [14, 3],
      [38, 2],
    ]);
    expect(classify('hypercalls', exit({ stdout: 'progress 0 0\nhypercalls=300\n' }))).toMatchObject({ end: 'finished', calls: 300 });
  });

  it('with the guest killed cleanly by a signal', () => {
    const killed = classify('syscalls', exit({ status: 143, stdout: 'progress 0 1000\n', stderr: 'kernel: terminated by signal SIGTERM (15)\n' }));
    expect(killed).toMatchObject({ end: 'killed-by-signal', calls: 1000 });
    const fault = classify('hypercalls', exit({ status: 139, stderr: '\nkernel: CPU exception 14 (#PF page fault) on cpu 0\n' }));
    expect(fault).toMatchObject({ end: 'killed-by-signal', detail: 'status 139: kernel: CPU exception 14 (#PF page fault) on cpu 0' });
  });

  it('in a failure: the VMM crashed, the run hung, the kernel changed or faulted, the fuzzer faulted', () => {
    expect(classify('syscalls', exit({ status: 134, stderr: 'unikv: internal error in the VMM: TypeError\n' })).end).toBe('vmm-crash');
    expect(
      classify('syscalls', exit({ status: 134, stderr: 'unikv: every vCPU halted with nothing left that could wake one (the guest is stuck)\n' })).end,
    ).toBe('vmm-crash');
    expect(classify('syscalls', exit({ status: 1, stderr: 'Segmentation fault\n' })).end).toBe('vmm-crash');
    expect(classify('syscalls', exit({ status: null, timedOut: true })).end).toBe('hang');
    expect(classify('syscalls', exit({ status: 4, stdout: 'STUCK thread 0 call 5 (7, 0, 0, 0, 0, 0, 0) for 10 s\n' })).end).toBe('hang');
    const corrupt = classify('syscalls', exit({ status: 5, stdout: 'CORRUPT IDT at 0x1000 changed after call 9\n' }));
    expect(corrupt).toMatchObject({ end: 'kernel-corruption', detail: 'CORRUPT IDT at 0x1000 changed after call 9' });
    expect(classify('syscalls', exit({ status: 3, stdout: 'FUZZER FAULT signal 11\n' })).end).toBe('fuzzer-fault');
    const report = (rip: string) => `\nkernel: CPU exception 14 (#PF page fault) on cpu 0\n  error code 0x0000000000000002  RIP ${rip}  CR2 0x0\n`;
    const inKernel = classify('hypercalls', exit({ status: 139, stdout: 'kernel 0x3e80000-0x3fb6000\n', stderr: report('0x0000000003e81234') }));
    expect(inKernel).toMatchObject({ end: 'kernel-crash' });
    expect(inKernel.detail).toMatch(/^a CPU exception at RIP 0x0000000003e81234, inside the kernel/);
    expect(classify('hypercalls', exit({ status: 139, stdout: 'kernel 0x3e80000-0x3fb6000\n', stderr: report('0x0000000000401000') })).end).toBe(
      'killed-by-signal',
    );
  });
});

describe('a traced replay', () => {
  it('names the last call of each thread', () => {
    expect(lastCalls('call 0 1 2 0x1\ncall 1 1 9 0x2\ncall 0 2 3 0x3\nCORRUPT x\n')).toEqual(['call 0 2 3 0x3', 'call 1 1 9 0x2']);
  });
});
