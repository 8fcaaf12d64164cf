// A real S3 server for tests: Ceph's RADOS Gateway (Debian's radosgw), one throwaway
// single-node cluster per startRgw() call, run by toolchain/rgw/rgw.sh. See docs/rgw.md.
//
//   const rgw = await startRgw();          // about 2-5 s
//   new S3Client({ endpoint: rgw.endpoint, credentials: { accessKeyId: rgw.accessKeyId,
//     secretAccessKey: rgw.secretAccessKey }, region: 'us-east-1', forcePathStyle: true, ... });
//   await rgw.stop();
//
// With RGW_ENDPOINT, RGW_ACCESS_KEY and RGW_SECRET_KEY in the environment (for instance
// from `eval "$(toolchain/rgw/rgw.sh start)"`), startRgw() reuses that server and stop()
// leaves it running. The module also works as a vitest globalSetup file: setup() starts
// one server for the whole run and exports it to the test workers through those variables.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RgwServer {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The cluster's directory (logs in DIR/log); undefined for a reused RGW_ENDPOINT. */
  dir: string | undefined;
  /** Kills the daemons and removes dir. Idempotent; a no-op for a reused server. */
  stop(): Promise<void>;
}

export interface StartRgwOptions {
  /** Cluster directory; default: a fresh one under $XDG_RUNTIME_DIR or the temp dir. */
  dir?: string;
  /** S3 port on 127.0.0.1; default: a free one. */
  port?: number;
  /** Reuse RGW_ENDPOINT from the environment when it is set (default true). */
  reuseEnv?: boolean;
}

/** Binaries rgw.sh start needs; all come with the Debian packages radosgw, ceph-mon, ceph-osd. */
const BINARIES = ['radosgw', 'radosgw-admin', 'ceph-mon', 'ceph-osd', 'ceph', 'ceph-authtool', 'monmaptool'];

export const INSTALL_HINT = 'run `toolchain/rgw/rgw.sh install` (as root; Debian packages radosgw, ceph-mon, ceph-osd)';

/** Path of rgw.sh, from the source tree or from the compiled dist/ tree. */
export function rgwScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'rgw.sh'), join(here, '..', '..', '..', 'toolchain', 'rgw', 'rgw.sh')];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`rgw.sh not found (looked at ${candidates.join(', ')})`);
  return found;
}

function onPath(name: string): boolean {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const d of ['/usr/bin', '/usr/sbin', '/bin', '/sbin']) if (!dirs.includes(d)) dirs.push(d);
  return dirs.some((d) => existsSync(join(d, name)));
}

/** True when the Debian Ceph packages that rgw.sh needs are installed. */
export function rgwInstalled(): boolean {
  return BINARIES.every(onPath);
}

/** True when startRgw() can work: RGW_ENDPOINT is set, or the Debian packages are installed. */
export function rgwAvailable(): boolean {
  return (process.env.RGW_ENDPOINT ?? '') !== '' || rgwInstalled();
}

function envServer(): { endpoint: string; accessKeyId: string; secretAccessKey: string } | undefined {
  const endpoint = process.env.RGW_ENDPOINT;
  if (endpoint === undefined || endpoint === '') return undefined;
  const accessKeyId = process.env.RGW_ACCESS_KEY;
  const secretAccessKey = process.env.RGW_SECRET_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('RGW_ENDPOINT is set but RGW_ACCESS_KEY or RGW_SECRET_KEY is not');
  }
  return { endpoint, accessKeyId, secretAccessKey };
}

function run(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [rgwScript(), ...args], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      const killed = err?.killed ? `\n(rgw.sh killed after ${timeoutMs} ms)` : '';
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + killed });
    });
  });
}

// Clusters started by this process and not stopped yet: stopped synchronously at exit.
// (rgw.sh's --owner-pid watchdog also stops them within a second if this process dies
// without running exit handlers.)
const running = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dir of running) spawnSync('bash', [rgwScript(), 'stop', '--dir', dir], { stdio: 'ignore', timeout: 15_000 });
  });
}

/** Starts a fresh single-node Ceph RGW (or reuses RGW_ENDPOINT). Rejects with rgw.sh's error. */
export async function startRgw(options: StartRgwOptions = {}): Promise<RgwServer> {
  if (options.reuseEnv ?? true) {
    const env = envServer();
    if (env !== undefined) return { ...env, dir: undefined, stop: async () => {} };
  }
  if (!rgwInstalled()) throw new Error(`Ceph RGW is not installed: ${INSTALL_HINT}`);

  let dir = options.dir;
  let madeDir = false;
  if (dir === undefined) {
    const xdg = process.env.XDG_RUNTIME_DIR;
    const base = xdg !== undefined && xdg !== '' && existsSync(xdg) ? xdg : tmpdir();
    dir = mkdtempSync(join(base, 'unikv-rgw-'));
    madeDir = true;
  }
  const args = ['start', '--dir', dir, '--owner-pid', String(process.pid)];
  if (options.port !== undefined) args.push('--port', String(options.port));
  installExitHook();
  running.add(dir);
  const r = await run(args, 150_000);
  const vars = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(RGW_[A-Z_]+)=(.*)$/.exec(line);
    if (m) vars.set(m[1], m[2]);
  }
  const endpoint = vars.get('RGW_ENDPOINT');
  const accessKeyId = vars.get('RGW_ACCESS_KEY');
  const secretAccessKey = vars.get('RGW_SECRET_KEY');
  if (r.code !== 0 || !endpoint || !accessKeyId || !secretAccessKey) {
    // The error carries rgw.sh's stderr, which ends with the tail of the failing log.
    await run(['stop', '--dir', dir], 30_000);
    if (madeDir) rmSync(dir, { recursive: true, force: true });
    running.delete(dir);
    const lines = r.stderr.trim().split('\n');
    const last = lines[lines.length - 1] ?? '';
    throw new Error(`rgw.sh start failed (exit ${r.code}): ${last}\n${r.stderr}`);
  }
  const clusterDir = dir;
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    dir: clusterDir,
    stop: () => {
      stopping ??= run(['stop', '--dir', clusterDir], 30_000).then((s) => {
        if (s.code !== 0) throw new Error(`rgw.sh stop failed (exit ${s.code}): ${s.stderr.trim()}`);
        running.delete(clusterDir);
      });
      return stopping;
    },
  };
}

// ---- vitest globalSetup: `globalSetup: ['toolchain/rgw/rgw.ts']` -----------------------

let shared: RgwServer | undefined;

/** globalSetup hook: one server for the whole run, handed to workers via RGW_* variables. */
export async function setup(): Promise<void> {
  if (envServer() !== undefined) return;
  shared = await startRgw({ reuseEnv: false });
  process.env.RGW_ENDPOINT = shared.endpoint;
  process.env.RGW_ACCESS_KEY = shared.accessKeyId;
  process.env.RGW_SECRET_KEY = shared.secretAccessKey;
}

/** globalSetup teardown. */
export async function teardown(): Promise<void> {
  if (shared === undefined) return;
  const s = shared;
  shared = undefined;
  delete process.env.RGW_ENDPOINT;
  delete process.env.RGW_ACCESS_KEY;
  delete process.env.RGW_SECRET_KEY;
  await s.stop();
}
