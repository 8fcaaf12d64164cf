// SQLite (the upstream amalgamation, toolchain/programs/sqlite.ts) with a small driver
// of ours (guest-src/app/programs/sqlite/driver.c): WAL on the RAM file system and on
// the host share, and durability: what the guest committed is in the host's file
// before the VM exits, as the host's own SQLite reads it.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { SQLITE_GUEST, SQLITE_HOST } from '../../../toolchain/programs/paths.js';
import { VMM_NODE_ARGS } from '../../../vmm/paths.js';
import { checks, ROOT, runVm } from '../../helpers/run-vm.js';
import { cases } from './cases.js';

const CHECKS = ['wal', 'insert', 'query', 'update', 'reopen', 'integrity'];

function expectChecks(r: ReturnType<typeof runVm>): void {
  expect(checks(r.stdout), r.stdout.toString() + r.stderr).toEqual(Object.fromEntries(CHECKS.map((n) => [n, true])));
  expect(r.status).toBe(0);
}

function withShare(body: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-sqlite-'));
  try {
    body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The host's build of the driver reads a database file: "rows=N sum=S integrity=ok". */
function hostRead(file: string): string {
  const r = spawnSync(SQLITE_HOST, ['read', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/**
 * Runs `driver durable /host/NAME N MODE` in a VM and, once the guest prints that it
 * committed (its standard input still open, so it waits before closing the database),
 * reads the file on the host; then ends the guest's input and waits for it to exit.
 */
function durable(dir: string, mode: 'wal' | 'delete', rows: number): Promise<{ seen: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...VMM_NODE_ARGS, SQLITE_GUEST, '--share', dir, '--', 'durable', `/host/${mode}.db`, String(rows), mode], {
      cwd: ROOT,
    });
    let out = '';
    let err = '';
    let seen = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.stdout.on('data', (d) => {
      out += d;
      if (!seen && out.includes(`committed ${rows}\n`)) {
        try {
          seen = hostRead(path.join(dir, `${mode}.db`));
        } catch (e) {
          reject(e);
        }
        child.stdin.end();
      }
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      if (!seen) reject(new Error(`the guest never committed: ${out}${err}`));
      else resolve({ seen, status });
    });
  });
}

describe('SQLite', () => {
  cases([
    {
      name: 'WAL on the RAM file system: inserts, a query, reopen, integrity_check',
      run: () => expectChecks(runVm([SQLITE_GUEST, '--', 'check', '/t.db', '2000', 'exclusive'])),
    },
    {
      name: 'WAL on the host share, and the host reads the result',
      run: () =>
        withShare((dir) => {
          expectChecks(runVm([SQLITE_GUEST, '--share', dir, '--', 'check', '/host/t.db', '500', 'exclusive']));
          // 100 rows are left, the even ones doubled: 5050 + (2 + 4 + ... + 100).
          expect(hostRead(path.join(dir, 't.db'))).toBe('rows=100 sum=7600 integrity=ok\n');
        }),
    },
    {
      name: 'WAL with a shared-memory index (the default locking mode)',
      run: () => expectChecks(runVm([SQLITE_GUEST, '--', 'check', '/t.db', '500', 'normal'])),
    },
    ...(['delete', 'wal'] as const).map((mode) => ({
      name: `durability (${mode} journal): committed rows are in the host's file before the VM exits`,
      run: async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-sqlite-'));
        try {
          const r = await durable(dir, mode, 50);
          expect(r.seen).toBe('rows=50 sum=1275 integrity=ok\n');
          expect(r.status).toBe(0);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    })),
  ]);
});
