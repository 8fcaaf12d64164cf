// Go programs built as Go users build them (CGO_ENABLED=0 go build, toolchain/programs/go.ts)
// and the Go project's own standard-library tests (go test -c), run unmodified.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { GO_STD_TESTS, goBin, goTestBin } from '../../../toolchain/programs/paths.js';
import { checks, runVm } from '../../helpers/run-vm.js';
import { cases } from './cases.js';

function allOk(out: Buffer, count: number): void {
  const c = checks(out);
  expect(Object.keys(c).length, out.toString()).toBe(count);
  expect(
    Object.entries(c).filter(([, ok]) => !ok),
    out.toString(),
  ).toEqual([]);
}

describe('Go', () => {
  cases([
    {
      name: 'hello sees the vCPUs as runtime.NumCPU',
      run() {
        const r = runVm([goBin('hello'), '--cpus', '2', '--', 'a', 'b']);
        expect(r.stdout.toString()).toMatch(/^hello from Go go1\.\d+/);
        expect(r.stdout.toString()).toContain('NumCPU=2\nargs=[a b]\n');
        expect(r.status).toBe(0);
      },
    },
    {
      name: 'goroutines share channels, a WaitGroup and a Mutex on 2 vCPUs',
      run() {
        const r = runVm([goBin('goroutines'), '--cpus', '2']);
        allOk(r.stdout, 3);
        expect(r.stdout.toString()).toContain('GOMAXPROCS=2');
        expect(r.status).toBe(0);
      },
    },
    {
      name: 'timers, tickers, time.After and Sleep fire',
      run() {
        const r = runVm([goBin('timers')]);
        allOk(r.stdout, 5);
        expect(r.status).toBe(0);
      },
    },
    {
      name: 'files in /tmp: create, read, seek, readdir, rename, remove',
      run() {
        const r = runVm([goBin('files'), '--', '/tmp']);
        allOk(r.stdout, 9);
        expect(r.status).toBe(0);
      },
    },
    {
      name: 'files on the host share leave nothing behind',
      run() {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-go-'));
        try {
          const r = runVm([goBin('files'), '--share', dir, '--', '/host']);
          allOk(r.stdout, 9);
          expect(fs.readdirSync(dir)).toEqual([]);
          expect(r.status).toBe(0);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    },
    {
      name: 'encoding/json round trip and a recovered nil dereference',
      run() {
        const r = runVm([goBin('jsonpanic')]);
        allOk(r.stdout, 3);
        expect(r.status).toBe(0);
      },
    },
    ...GO_STD_TESTS.map((pkg) => ({
      name: `the standard library's ${pkg} tests pass (go test -c, -test.short)`,
      run() {
        const r = runVm([goTestBin(pkg), '--cpus', '2', '--', '-test.short']);
        expect(r.stdout.toString().trim().split('\n').pop(), r.stdout.toString() + r.stderr).toBe('PASS');
        expect(r.status).toBe(0);
      },
    })),
  ]);
});
