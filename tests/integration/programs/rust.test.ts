// A Rust std program built with Debian's rustc as a static executable, both as rustc
// makes it by default (static-pie) and as a non-PIE ET_EXEC (toolchain/programs/rust.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { rustBin } from '../../../toolchain/programs/paths.js';
import { checks, runVm } from '../../helpers/run-vm.js';
import { cases } from './cases.js';

function expectStd(r: ReturnType<typeof runVm>, cpus: number): void {
  const c = checks(r.stdout);
  expect(Object.keys(c).length, r.stdout.toString() + r.stderr).toBe(6);
  expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
  expect(r.stdout.toString()).toContain(`available_parallelism=${cpus}\n`);
  expect(r.status).toBe(0);
}

function withShare(body: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-rust-'));
  try {
    body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('Rust', () => {
  cases([
    {
      name: 'non-PIE: threads, Mutex, mpsc, sleep and files on the host share',
      run: () =>
        withShare((dir) => {
          expectStd(runVm([rustBin('static'), '--cpus', '2', '--share', dir, '--', '/host']), 2);
          expect(fs.readdirSync(dir)).toEqual([]);
        }),
    },
    {
      name: 'non-PIE: files in /tmp',
      run: () => expectStd(runVm([rustBin('static'), '--', '/tmp']), 1),
    },
    {
      name: "static-pie (rustc's default with +crt-static): the same program",
      run: () => withShare((dir) => expectStd(runVm([rustBin('pie'), '--cpus', '3', '--share', dir, '--', '/host']), 3)),
    },
  ]);
});
