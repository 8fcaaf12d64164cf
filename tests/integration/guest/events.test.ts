// Pipes, eventfds, poll, select and epoll inside one program (guest-src/app/tests/
// events.c): blocking only the calling thread, timeouts, level- and edge-triggered
// epoll, EPOLLONESHOT, hang-ups, -EPERM for regular files (RAM and /host), many
// waiters woken at once, the sequence Go's runtime runs at its first timer, and the
// console's stdin: not ready until the host has input, a read that waits for it
// blocking only its thread.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VMM_NODE_ARGS } from '../../../vmm/paths.js';
import { checks, guestBin, ROOT, runVm } from '../../helpers/run-vm.js';

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
      expect(Object.keys(c).length, r.stdout.toString()).toBe(94);
      expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      // The /host file the guest made for its epoll check is gone again.
      expect(fs.readdirSync(share)).toEqual([]);
    });
  }
});

/** Runs `events stdin`, writing "hello\n" to its stdin once it says it waits, then closing it. */
function runWithLateInput(cpus: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...VMM_NODE_ARGS, guestBin('tests', 'events'), '--cpus', String(cpus), '--', 'stdin'], {
      cwd: ROOT,
    });
    let stdout = '';
    let stderr = '';
    let fed = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      if (!fed && stdout.includes('waiting for input\n')) {
        fed = true;
        setTimeout(() => child.stdin.end('hello\n'), 300);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe("the console's stdin", () => {
  for (const cpus of [1, 2]) {
    it(`is polled and read without stopping other threads on ${cpus} vCPU${cpus > 1 ? 's' : ''}`, async () => {
      const r = await runWithLateInput(cpus);
      const c = checks(Buffer.from(r.stdout));
      expect(Object.keys(c).length, r.stdout).toBe(6);
      expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }
});
