// The service process: its control plane. `service start` spawns this file detached,
// with standard output and error going to the log in the run directory and an IPC
// channel over which it reports "ready" or the reason it could not start.
//
// It owns the daemon's lifecycle: the pid file, the registry segment, the data-plane
// thread (backend-thread.ts), SIGTERM/SIGINT (what `service stop` sends), and the idle
// timeout. On the way out it stops the data plane, unlinks every shared-memory name
// that carries its pid, and removes the pid file.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Segment } from './ring/shm.js';
import type { BackendThreadData } from './backend-thread.js';
import { DEFAULT_IDLE_SECONDS, type DaemonMessage } from './daemon-ipc.js';
import { log } from './log.js';
import { isAlive } from './liveness.js';
import { leftoverShm, orphanedShm, runDir } from './names.js';
import { claimPidFile, removePidFile } from './pidfile.js';
import { Registry, STAT } from './registry.js';
import { SECTOR_SIZE } from './protocol.js';

/** Reads the disk may have in flight at once (Linux AIO queue depth). */
const MAX_IN_FLIGHT = 128;
/** Tells `service start` how it went (if it is still listening), then lets the channel go. */
function report(msg: DaemonMessage, then?: () => void): void {
  if (process.send === undefined || !process.connected) {
    then?.();
    return;
  }
  process.send(msg, () => {
    if (process.connected) process.disconnect();
    then?.();
  });
}

function main(): void {
  const { values } = parseArgs({
    options: { image: { type: 'string' }, 'idle-timeout': { type: 'string' } },
    strict: true,
  });
  const image = values.image ?? 'disk1.img';
  const idleMs = Number(values['idle-timeout'] ?? DEFAULT_IDLE_SECONDS) * 1000;
  const dir = runDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });

  const fail = (message: string): void => {
    log(`not started: ${message}`);
    report({ type: 'error', message }, () => process.exit(1));
  };

  const holder = claimPidFile(dir, process.pid);
  if (holder !== undefined) {
    fail(`service is already running (pid ${holder})`);
    return;
  }
  for (const name of orphanedShm(isAlive)) {
    Segment.unlink(name);
    log(`removed ${name}, left by a service that died`);
  }

  let registry: Registry;
  let sectors: number;
  try {
    const st = fs.statSync(image);
    sectors = Math.floor(st.size / SECTOR_SIZE);
    registry = Registry.create(process.pid, sectors);
  } catch (e) {
    removePidFile(dir, process.pid);
    fail((e as Error).message);
    return;
  }

  const control = new Int32Array(new SharedArrayBuffer(4));
  const data: BackendThreadData = {
    image,
    registry: { name: registry.seg.name, addr: registry.seg.addr, size: registry.seg.size },
    control: control.buffer as SharedArrayBuffer,
    maxInFlight: MAX_IN_FLIGHT,
  };
  const worker = new Worker(new URL('./backend-thread.js', import.meta.url), { workerData: data });
  const started = Date.now();
  let stopping = false;
  let failed = false;
  let idleTimer: NodeJS.Timeout | undefined;

  const cleanup = (): void => {
    for (const name of leftoverShm(process.pid)) Segment.unlink(name);
    removePidFile(dir, process.pid);
  };

  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(idleTimer);
    log(`stopping: ${reason}`);
    Atomics.store(control, 0, 1);
    registry.bell.ring();
    // The data plane answers within one doorbell sleep; do not hang on a wedged one.
    setTimeout(() => void worker.terminate(), 10_000).unref();
  };

  worker.on('message', (msg: { type: string; message?: string; sectors?: number; cacheBytes?: number }) => {
    if (msg.type === 'error') {
      failed = true;
      cleanup();
      fail(msg.message ?? 'data plane failed');
    } else if (msg.type === 'ready') {
      log(`serving ${image}: ${msg.sectors} sectors, cache limit ${msg.cacheBytes} bytes, idle timeout ${idleMs / 1000}s`);
      report({ type: 'ready', pid: process.pid, sectors: msg.sectors ?? sectors, cacheBytes: msg.cacheBytes ?? 0 });
      idleTimer = setInterval(
        () => {
          const last = Math.max(registry.stats[STAT.lastRequestMs] || 0, started);
          if (Date.now() - last >= idleMs) stop(`no requests for ${idleMs / 1000}s`);
        },
        Math.min(1000, Math.max(50, idleMs / 4)),
      );
    }
  });
  worker.on('error', (e) => {
    log(`data plane crashed: ${e.stack ?? e}`);
  });
  worker.on('exit', (code) => {
    if (failed) return; // fail() exits once its report is delivered
    const s = registry.stats;
    const total = s[STAT.hits] + s[STAT.misses];
    log(
      `stopped: ${s[STAT.requests]} requests, cache hits ${s[STAT.hits]} of ${total} reads, ` +
        `cache peak ${s[STAT.cachePeakBytes]} of ${s[STAT.cacheLimitBytes]} bytes`,
    );
    registry.close();
    cleanup();
    process.exit(stopping ? 0 : code || 1);
  });

  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => stop(sig));
}

main();
