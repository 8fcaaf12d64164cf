// Shared by the sector and ring tests: a built tree, a private run directory and image
// per test, and the programs run as a user runs them.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive as alive } from '../src/liveness.js';
import { launcher, PACKAGE_ROOT } from '../src/paths.js';

export { alive };

/** The sector package's folder (its dist/ holds the compiled programs). */
export const ROOT = PACKAGE_ROOT;
export const BIN = launcher;

const SOURCES = ['src', 'bench', '../host-libc/src'];
const OUTPUTS = ['dist/src/service.js', 'dist/src/client.js', 'dist/src/integrity.js', 'dist/bench/sector-ring-peer.js'];

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) t = Math.max(t, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/** Builds the package (npm run build: type errors fail it) if the programs are missing or older than their sources (once, under a lock). */
export function ensureBuilt(): void {
  const stale = (): boolean => {
    const outs = OUTPUTS.map((f) => path.join(ROOT, f));
    if (!outs.every((f) => fs.existsSync(f))) return true;
    const built = Math.min(...outs.map((f) => fs.statSync(f).mtimeMs));
    return SOURCES.some((d) => newest(path.join(ROOT, d)) > built);
  };
  if (!stale()) return;
  const lock = path.join(os.tmpdir(), 'sector-tests-build.lock');
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      if (Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 120_000) fs.rmSync(lock, { recursive: true, force: true });
    }
  }
  try {
    if (stale()) {
      const r = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`npm run build in ${ROOT} failed:\n${r.stdout}${r.stderr}`);
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface Sandbox {
  dir: string;
  env: NodeJS.ProcessEnv;
  image: string;
  /** Runs a program synchronously in the sandbox. */
  run(name: string, args: string[], extraEnv?: NodeJS.ProcessEnv): SpawnSyncReturns<string>;
  servicePid(): number | undefined;
  cleanup(): void;
}

/** A temporary directory with its own run directory and (unless mib is 0) a random image of `mib` MiB named disk1.img. */
export function sandbox(mib: number): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sector-test-'));
  const image = path.join(dir, 'disk1.img');
  if (mib > 0) {
    const fd = fs.openSync(image, 'w');
    const chunk = Buffer.alloc(1 << 20);
    for (let i = 0; i < mib; i++) fs.writeSync(fd, crypto.randomFillSync(chunk));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  }
  const env = { ...process.env, SECTOR_RUN_DIR: path.join(dir, 'run') };
  const box: Sandbox = {
    dir,
    env,
    image,
    run: (name, args, extraEnv) => spawnSync(BIN(name), args, { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 60_000 }),
    servicePid: () => {
      try {
        return Number(fs.readFileSync(path.join(dir, 'run', 'service.pid'), 'utf8').trim()) || undefined;
      } catch {
        return undefined;
      }
    },
    cleanup: () => {
      const pid = box.servicePid();
      if (pid !== undefined && alive(pid)) {
        box.run('service', ['stop']);
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return box;
}

/** POSIX shared-memory objects that belong to the service with this pid. */
export function shmOf(servicePid: number): string[] {
  const uid = process.getuid?.() ?? 0;
  return fs.readdirSync('/dev/shm').filter((n) => n.startsWith(`sector-${uid}-${servicePid}`));
}

/** Starts a client in the background; resolves with its exit status and output. */
export function spawnClient(
  box: Sandbox,
  args: string[],
  extraEnv?: NodeJS.ProcessEnv,
): { pid: number; done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(BIN('client'), args, { cwd: box.dir, env: { ...box.env, ...extraEnv } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr })),
  );
  return { pid: child.pid!, done };
}

/** Parses a client's `max|avg|min|stddev|rps` line. */
export function parseResult(line: string): { max: number; avg: number; min: number; stddev: number; rps: number } {
  const m = /^(\d+)\|(\d+)\|(\d+)\|(\d+)\|(\d+(?:\.\d+)?)$/.exec(line.trim());
  if (m === null) throw new Error(`not a client result line: ${JSON.stringify(line)}`);
  const [max, avg, min, stddev, rps] = m.slice(1).map(Number);
  return { max, avg, min, stddev, rps };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until check() is true or the time runs out; returns the last result. */
export async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}
