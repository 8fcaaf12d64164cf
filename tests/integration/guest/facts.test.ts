// The process facts Go, Rust and glibc programs ask for at start: the CPUs (so
// NumCPU and nproc see --cpus), resource limits, groups, children, getcpu, time(2);
// then what the process used (CPU-time clocks that stand still during a sleep and
// grow while it computes, times, getrusage, sysinfo), prctl names per thread and
// flags, membarrier, priorities.
import { describe, expect, it } from 'vitest';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';

describe('process facts', () => {
  for (const cpus of [1, 3]) {
    it(`answers on ${cpus} vCPU${cpus > 1 ? 's' : ''}`, () => {
      const r = runVm([guestBin('tests', 'facts'), '--cpus', String(cpus), '--', String(cpus)]);
      const c = checks(r.stdout);
      expect(Object.keys(c).length, r.stdout.toString()).toBe(52);
      expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // time(2) is the host's wall clock: a guest stuck in 1970 would be off by decades.
      const t = Number(/^time=(\d+)$/m.exec(r.stdout.toString())?.[1]);
      expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
    });
  }
});
