// Shared by the key-value suites: the guest programs (kvcheck, kvbench), the names of
// the checks kvcheck prints, and throwaway directories so no test writes into the repo.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { checks, guestBin, runVmAsync, type VmResult } from '../../helpers/run-vm.js';

export const KVCHECK = guestBin('tests', 'kvcheck');
export const KVBENCH = guestBin('bench', 'kvbench');

/** Every check `kvcheck PREFIX T N SEED contract` prints, in order. */
export const CONTRACT_CHECKS = [
  'empty key',
  '1024-byte key',
  '1025-byte key refused, store unchanged',
  'key bytes 1..255 valid and distinct',
  'keys differing only in case are distinct',
  'NULL key',
  'value_len 4096',
  'value_len 4097 refused, store unchanged',
  'NULL value with length refused, store unchanged',
  'put with length 0 deletes',
  'deleting a missing key returns 0',
  'get of an absent key returns -1',
  'get with a small buffer returns -2 and the length',
  'get with *value_len 0 asks for the length',
  'NULL value_len',
  'get with NULL value and non-zero size',
  'wild pointers return -1, store unchanged',
  'binary values read back exactly',
  'overwrite',
  'put copies the value',
  '64 keys read back',
];
export const PRIVATE_CHECK = 'random private keys';
export const SHARED_CHECK = 'random shared keys: whole values, never older';

/** A fresh directory under the system temp dir; removed by the returned function. */
export function tempDir(tag: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `unikv-kv-${tag}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A key prefix no earlier run used (persistent stores keep keys between runs). */
export function uniquePrefix(tag: string): string {
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface KvcheckRun {
  /** VMM options before `--` (backend, cpus, ...). */
  vm: string[];
  prefix: string;
  threads?: number;
  ops?: number;
  seed?: number;
  phases: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export function runKvcheck(run: KvcheckRun): Promise<VmResult> {
  const args = [KVCHECK, ...run.vm, '--', run.prefix, String(run.threads ?? 8), String(run.ops ?? 500), String(run.seed ?? 1), run.phases];
  return runVmAsync(args, { cwd: run.cwd, env: run.env });
}

/** Expects exactly `names` among kvcheck's checks, all passed, and exit status 0;
 * on failure the message shows the guest's output. */
export function expectAllPassed(r: VmResult, names: string[]): void {
  const out = r.stdout.toString();
  const c = checks(r.stdout);
  const failed = Object.entries(c)
    .filter(([, ok]) => !ok)
    .map(([name]) => name);
  expect(failed, `failed checks\n${out}\n${r.stderr}`).toEqual([]);
  expect(Object.keys(c), `checks printed\n${out}\n${r.stderr}`).toEqual(names);
  expect(r.status, `exit status\n${out}\n${r.stderr}`).toBe(0);
}
