// The kernel's clocks: monotonic in every thread on 1 and 2 vCPUs, close to the
// host's, read through the vDSO (no system call) and mostly without leaving the
// engine (guest-src/app/tests/clock.c).
import { describe, expect, it } from 'vitest';
import { checks, guestBin, runVmAsync } from '../../helpers/run-vm.js';

const clock = guestBin('tests', 'clock');

describe('clocks', () => {
  for (const cpus of [1, 2]) {
    it(`are monotonic, agree with the host and time sleeps right on ${cpus} vCPU(s)`, async () => {
      const r = await runVmAsync([clock, '--cpus', String(cpus), '--stats']);
      const out = r.stdout.toString();
      expect(checks(r.stdout)).toEqual({
        'a vDSO in the auxiliary vector': true,
        'the vDSO refuses a clock it does not have': true,
        'monotonic in every thread': true,
        "agrees with the host's monotonic clock": true,
        'realtime moves with monotonic': true,
        'a 30 ms sleep lasts at least 30 ms': true,
        'and not much longer': true,
      });
      expect(r.status).toBe(0);
      // Most reads never reach the VMM: the CLOCK port sees a small fraction of them,
      // and none is a system call (the vDSO is a plain call into the kernel).
      const reads = Number(/reads=(\d+)/.exec(out)?.[1]);
      const hostReads = Number(/0x980 CLOCK\s+(\d+)/.exec(r.stderr)?.[1] ?? 0);
      const syscalls = Number(/^ {2}syscall\s+(\d+)/m.exec(r.stderr)?.[1] ?? 0);
      expect(reads).toBe(800000);
      expect(hostReads).toBeLessThan(reads / 100);
      expect(syscalls).toBeLessThan(reads / 100);
    });
  }
});
