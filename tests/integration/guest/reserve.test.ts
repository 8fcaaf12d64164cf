// Address-space reservations beyond RAM (mm/reserve.asm): what Go's runtime does at
// start, with the pieces made usable, cleared and given back.
import { describe, expect, it } from 'vitest';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';

describe('address-space reservations', () => {
  it('reserves four times RAM, uses pieces of it, clears and returns them', () => {
    const r = runVm([guestBin('tests', 'reserve'), '--mem', '64M', '--', '64']);
    const c = checks(r.stdout);
    expect(Object.keys(c).length, r.stdout.toString() + r.stderr).toBe(21);
    expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
    expect(r.status).toBe(0);
  });
});
