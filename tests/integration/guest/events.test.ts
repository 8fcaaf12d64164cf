// Pipes, eventfds, poll, select and epoll inside one program (guest-src/app/tests/
// events.c): blocking only the calling thread, timeouts, level- and edge-triggered
// epoll, EPOLLONESHOT, hang-ups, -EPERM for regular files (RAM and /host), many
// waiters woken at once, and the sequence Go's runtime runs at its first timer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

describe('events and pipes', () => {
  for (const cpus of [1, 2]) {
    it(`work on ${cpus} vCPU${cpus > 1 ? 's' : ''}`, () => {
      const share = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-events-'));
      scratch.push(share);
      const r = runVm([guestBin('tests', 'events'), '--cpus', String(cpus), '--share', share, '--', '/host']);
      const c = checks(r.stdout);
      expect(Object.keys(c).length, r.stdout.toString()).toBe(92);
      expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // The /host file the guest made for its epoll check is gone again.
      expect(fs.readdirSync(share)).toEqual([]);
    });
  }
});
