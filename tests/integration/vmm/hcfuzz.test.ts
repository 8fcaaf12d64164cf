// Random hypercalls from a hostile program (guest-src/app/tests/hcfuzz.c): every port
// of the VMM and random ones, blocks of wild pointers and lengths. The VMM answers or
// ignores each, never crashes or hangs, and its own output stays a few lines. Fixed
// seeds, so a failure replays: `npm run vm -- build/guest/tests/hcfuzz.elf --mem 64M
// --backend memory --share DIR -- SEED COUNT [PORT]`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { guestBin, runVm } from '../../helpers/run-vm.js';

const share = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-hcfuzz-'));
afterAll(() => fs.rmSync(share, { recursive: true, force: true }));

describe('random hypercalls', () => {
  for (const seed of [1, 2, 3]) {
    it(`leave the VMM standing (seed ${seed}, 3,000 hypercalls)`, () => {
      const r = runVm([guestBin('tests', 'hcfuzz'), '--mem', '64M', '--backend', 'memory', '--share', share, '--', String(seed), '3000'], { input: '' });
      const out = r.stdout.toString();
      expect(out, r.stderr).toMatch(/hypercalls=\d+\n$/);
      expect(r.stderr).not.toContain('internal error');
      expect(r.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(9);
      expect(r.status).toBe(0);
    });
  }

  it('to CODE_CHANGED alone, ranges in page 0, the boot area and beyond RAM included, leave the guest running (seed 1)', () => {
    const r = runVm([guestBin('tests', 'hcfuzz'), '--mem', '64M', '--backend', 'memory', '--', '1', '3000', String(0xe00)], { input: '' });
    expect(r.stdout.toString(), r.stderr).toMatch(/hypercalls=3000\n$/);
    expect(r.status).toBe(0);
  });
});
