// Sockets inside the guest: TCP to its own listener on 127.0.0.1 and ::1 (readiness,
// errors, SIGPIPE, flow control), UDP between guest sockets, AF_UNIX pairs, paths and
// abstract names, descriptor exhaustion; and --net none refusing what would leave.
import { describe, expect, it } from 'vitest';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';

describe('sockets inside the guest', () => {
  it('behave as Linux sockets do', () => {
    const r = runVm([guestBin('tests', 'net-inside'), '--cpus', '2']);
    const c = checks(r.stdout);
    expect(Object.keys(c).length, r.stdout.toString()).toBe(88);
    expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('--net none refuses connections beyond the guest', () => {
    const r = runVm([guestBin('tests', 'net-inside'), '--net', 'none', '--', 'none']);
    expect(checks(r.stdout)).toEqual({ '--net none: ENETUNREACH': true });
    expect(r.status).toBe(0);
  });
});
