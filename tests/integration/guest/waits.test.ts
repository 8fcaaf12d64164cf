// Signals against the waits of pipes, poll and epoll (fs/events.asm event_wait):
// EINTR, SA_RESTART, the masks ppoll and epoll_pwait wait with, and SIGPIPE.
import { describe, expect, it } from 'vitest';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';

describe('signals and event waits', () => {
  for (const cpus of [1, 2]) {
    it(`interrupt, restart and mask waits as Linux does, on ${cpus} vCPU${cpus > 1 ? 's' : ''}`, () => {
      const r = runVm([guestBin('tests', 'waits'), '--cpus', String(cpus)]);
      const c = checks(r.stdout);
      expect(Object.keys(c).length, r.stdout.toString() + r.stderr).toBe(11);
      expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
      expect(r.status).toBe(0);
    });
  }

  it('ends the program with SIGPIPE when it writes to a pipe nobody reads', () => {
    const r = runVm([guestBin('tests', 'waits'), '--', 'sigpipe']);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr).toContain('kernel: terminated by signal SIGPIPE (13)');
    expect(r.status).toBe(141);
  });
});
