// kfuzz hands every implemented system call that takes a pointer the kernel's own
// addresses (its text, tables, page tables, Task block, kernel stack), page 0 and
// addresses beyond RAM. Every call must answer -EFAULT (or its harmless answer), the
// VM must survive, the kernel's read-only segments, the page tables and the IDT must
// be unchanged, and the kernel must go on answering.
import { describe, expect, it } from 'vitest';
import { fnv1a64, kernelArgs, movedReadOnlySegments } from '../../helpers/kernel-symbols.js';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';

describe('kernel addresses as system-call pointers', () => {
  for (const cpus of [1, 2]) {
    it(`are refused by every call, and the kernel is unchanged, on ${cpus} vCPU${cpus > 1 ? 's' : ''}`, () => {
      const r = runVm(['--backend', 'memory', '--cpus', String(cpus), guestBin('tests', 'kfuzz'), '--', ...kernelArgs()]);
      const out = r.stdout.toString();
      const c = checks(r.stdout);
      expect(
        Object.entries(c).filter(([, ok]) => !ok),
        out,
      ).toEqual([]);
      expect(Object.keys(c).length, out).toBe(154);
      expect(Number(/^calls=(\d+)$/m.exec(out)?.[1]), out).toBeGreaterThan(2000);
      // The guest read the kernel's real bytes: its checksums before the fuzz are the
      // built kernel's as the VMM moved it (and after it the same, checked inside the guest).
      const delta = BigInt(/^kernel moved by (0x[0-9a-f]+)$/m.exec(out)?.[1] ?? '-1');
      expect(delta, out).toBeGreaterThanOrEqual(0n);
      for (const s of movedReadOnlySegments(delta)) {
        const expected = fnv1a64(s.bytes).toString(16).padStart(16, '0');
        expect(out, `segment at 0x${s.address.toString(16)}`).toContain(`checksum 0x${s.address.toString(16)}: ${expected}`);
        expect(out, `segment at 0x${s.address.toString(16)}`).toContain(`after 0x${s.address.toString(16)}: ${expected}`);
      }
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }
});
