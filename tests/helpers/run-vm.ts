// Runs the VMM the way a user does (the node command line `npm run vm` runs: the
// start-up snapshot and dist/vmm/cli/main.js) and returns the guest's status and output.
// `npm test` builds dist/ and the snapshot first.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VMM_NODE_ARGS } from '../../vmm/paths.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const guestBin = (group: string, name: string) => path.join(ROOT, 'build', 'guest', group, `${name}.elf`);

export interface VmResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * A VM still running after this long is killed (status null): a guest that hangs
 * then fails its test instead of outliving it and loading the machine for the
 * rest of the run (vitest's own limit is 120 s).
 */
const VM_TIMEOUT_MS = 110_000;

export function runVm(args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): VmResult {
  const r = spawnSync(process.execPath, [...VMM_NODE_ARGS, ...args], {
    input: opts.input,
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? ROOT,
    maxBuffer: 64 << 20,
    timeout: VM_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** The same, without blocking the test's event loop (for tests that run several at once). */
export function runVmAsync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<VmResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...VMM_NODE_ARGS, ...args], { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), VM_TIMEOUT_MS);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out), stderr: err });
    });
  });
}

/** The OK/FAILED lines a test guest printed, as { name: ok }. */
export function checks(stdout: Buffer): Record<string, boolean> {
  const result: Record<string, boolean> = {};
  for (const line of stdout.toString().split('\n')) {
    const m = /^(.*): (OK|FAILED)$/.exec(line);
    if (m) result[m[1]] = m[2] === 'OK';
  }
  return result;
}
