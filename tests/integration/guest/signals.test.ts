// Signals as programs use them: handlers for the kill family, siginfo, masks,
// sigsuspend, sigtimedwait, alternate stacks, signals between threads on one and two
// vCPUs, waits a signal interrupts (EINTR, SA_RESTART), the ucontext a handler
// changes, CPU faults caught by a handler, the interval timer (SIGALRM), and default
// actions that end the VM.
import { describe, expect, it } from 'vitest';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';

const bin = guestBin('tests', 'signals');

describe('signals', () => {
  for (const cpus of [1, 2]) {
    it(`deliver, wait and interrupt on ${cpus} vCPU${cpus > 1 ? 's' : ''}`, () => {
      const r = runVm([bin, '--cpus', String(cpus)]);
      const c = checks(r.stdout);
      expect(
        Object.entries(c).filter(([, ok]) => !ok),
        r.stdout.toString() + r.stderr,
      ).toEqual([]);
      expect(Object.keys(c).length, r.stdout.toString()).toBe(62);
      expect(r.stdout.toString()).toContain('signals: all checks passed');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }

  // One CPU fault per run: the engine reports a second one as a double fault.
  it.each(['segv', 'fpe', 'ill', 'trap'])('a %s fault reaches the handler (siglongjmp out, or on after int3)', (what) => {
    const r = runVm([bin, '--', what]);
    const c = checks(r.stdout);
    expect(
      Object.entries(c).filter(([, ok]) => !ok),
      r.stdout.toString() + r.stderr,
    ).toEqual([]);
    expect(Object.keys(c).length).toBeGreaterThanOrEqual(1);
    expect(r.stdout.toString()).toContain('recovered');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('SIGTERM by default ends the VM with 143 and names the signal', () => {
    const r = runVm([bin, '--', 'term']);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr).toBe('kernel: terminated by signal SIGTERM (15)\n');
    expect(r.status).toBe(143);
  });

  it('abort() ends the VM with 134 (SIGABRT, no core dump)', () => {
    const r = runVm([bin, '--', 'abort']);
    expect(r.stderr).toBe('kernel: terminated by signal SIGABRT (6) (core dump not written)\n');
    expect(r.status).toBe(134);
  });

  it('SIGALRM from setitimer by default ends the VM with 142', () => {
    const r = runVm([bin, '--', 'alarm']);
    expect(r.stderr).toBe('kernel: terminated by signal SIGALRM (14)\n');
    expect(r.status).toBe(142);
  });

  it('SIGKILL ends the VM with 137', () => {
    const r = runVm([bin, '--', 'kill']);
    expect(r.stderr).toBe('kernel: terminated by signal SIGKILL (9)\n');
    expect(r.status).toBe(137);
  });
});
