// ./bin/service start [--image PATH] [--idle-timeout SECONDS] | stop | status
//
// `start` checks its arguments, spawns the daemon (daemon.ts) detached and waits for it
// to say it is serving; `stop` signals it, waits for it to exit and prints the cache
// hit ratio it left in the registry; `status` prints what the registry says now.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Segment } from './ring/shm.js';
import { DEFAULT_IDLE_SECONDS, type DaemonMessage } from './daemon-ipc.js';
import { isAlive } from './liveness.js';
import { leftoverShm, logFile, pidFile, registryName, runDir } from './names.js';
import { runningService } from './pidfile.js';
import { MAX_CLIENTS, Registry, SLOT_CONNECTED, STAT } from './registry.js';
import { SECTOR_SIZE } from './protocol.js';

const USAGE = 'usage: service start [--image PATH] [--idle-timeout SECONDS] | stop | status';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 15_000;

function die(message: string, status = 1): never {
  console.error(message);
  process.exit(status);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function start(args: string[]): void {
  let values: { image?: string; 'idle-timeout'?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { image: { type: 'string' }, 'idle-timeout': { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    die(`service: ${(e as Error).message.split('\n')[0]} (${USAGE})`, 2);
  }
  const given = values.image ?? 'disk1.img';
  const image = path.resolve(given);
  const idle = values['idle-timeout'] ?? String(DEFAULT_IDLE_SECONDS);
  if (!/^\d+(\.\d+)?$/.test(idle) || Number(idle) <= 0) die(`service: --idle-timeout must be a positive number of seconds`, 2);
  let st: fs.Stats;
  try {
    st = fs.statSync(image);
  } catch {
    die(`service: image ${given}: no such file`);
  }
  if (!st.isFile()) die(`service: image ${given} is not a regular file`);
  if (st.size < SECTOR_SIZE) die(`service: image ${given} is smaller than one sector`);

  const dir = runDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const running = runningService(dir);
  if (running !== undefined) die(`service is already running (pid ${running})`);

  const logFd = fs.openSync(logFile(dir), 'a');
  const daemon = fileURLToPath(new URL('./daemon.js', import.meta.url));
  const child = spawn(process.execPath, [daemon, '--image', image, '--idle-timeout', idle], {
    detached: true,
    stdio: ['ignore', logFd, logFd, 'ipc'],
    cwd: dir,
  });
  fs.closeSync(logFd);
  const timer = setTimeout(() => {
    child.kill('SIGKILL');
    die(`service: the daemon did not start within ${START_TIMEOUT_MS / 1000}s (see ${logFile(dir)})`);
  }, START_TIMEOUT_MS);
  child.once('message', (msg: DaemonMessage) => {
    clearTimeout(timer);
    if (msg.type !== 'ready') die(`service: ${msg.message}`);
    console.log(`service started (pid ${msg.pid}): ${given}, ${msg.sectors} sectors, cache limit ${msg.cacheBytes} bytes`);
    child.disconnect();
    child.unref();
  });
  child.once('exit', (code) => {
    clearTimeout(timer);
    die(`service: the daemon exited during start-up (status ${code}; see ${logFile(dir)})`);
  });
}

function ratioLine(stats: Float64Array): string {
  const hits = stats[STAT.hits];
  const reads = hits + stats[STAT.misses];
  const pct = reads === 0 ? 0 : (100 * hits) / reads;
  return (
    `cache hit ratio: ${pct.toFixed(2)}% (${hits} hits of ${reads} reads; ` +
    `cache peak ${stats[STAT.cachePeakBytes]} bytes, limit ${stats[STAT.cacheLimitBytes]} bytes)`
  );
}

function stop(): void {
  const dir = runDir();
  const pid = runningService(dir);
  if (pid === undefined) {
    fs.rmSync(pidFile(dir), { force: true }); // stale, if anything
    die('service is not running');
  }
  // Map the registry before the daemon unlinks it: its final statistics stay readable.
  let reg: Registry | undefined;
  try {
    reg = Registry.open(pid, true);
  } catch {
    reg = undefined;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) sleep(20);
  if (isAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    console.error(`service: pid ${pid} did not stop in time; killed`);
  }
  for (const name of leftoverShm(pid)) Segment.unlink(name);
  if (fs.existsSync(pidFile(dir))) fs.rmSync(pidFile(dir), { force: true });
  console.log(`service stopped (pid ${pid})`);
  console.log(reg === undefined ? 'cache hit ratio: unknown' : ratioLine(reg.stats));
}

function status(): void {
  const pid = runningService(runDir());
  if (pid === undefined) die('service is not running');
  let reg: Registry;
  try {
    reg = Registry.open(pid, true);
  } catch (e) {
    die(
      `service: the registry of service ${pid} (/dev/shm${registryName(pid)}) is damaged: ${(e as Error).message}; ` +
        './bin/service stop, or remove that file, clears it',
    );
  }
  const s = reg.stats;
  console.log(
    `service running (pid ${pid}): ${reg.sectors} sectors, ${s[STAT.clients]} clients, ` +
      `${s[STAT.requests]} requests, ${s[STAT.badRequests]} rejected, ${s[STAT.haltedRings]} rings halted, ` +
      `average disk queue depth ${s[STAT.queueDepth].toFixed(1)}`,
  );
  console.log(ratioLine(s));
  const clients: number[] = [];
  for (let slot = 0; slot < MAX_CLIENTS; slot++) if (reg.state(slot) === SLOT_CONNECTED) clients.push(reg.pid(slot));
  console.log(`clients: ${clients.length === 0 ? 'none' : clients.join(' ')}`);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'start') start(rest);
else if (command === 'stop' && rest.length === 0) stop();
else if (command === 'status' && rest.length === 0) status();
else die(USAGE, 2);
