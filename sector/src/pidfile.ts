// The service's pid file: created exclusively, so two `start`s cannot both win, and
// trusted only while the process it names is alive and owns a registry.
import fs from 'node:fs';
import { isAlive } from './liveness.js';
import { pidFile, registryName } from './names.js';

export function readPid(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(pidFile(dir), 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the running service for this run directory, if there is one. */
export function runningService(dir: string): number | undefined {
  const pid = readPid(dir);
  if (pid === undefined || !isAlive(pid)) return undefined;
  return fs.existsSync(`/dev/shm${registryName(pid)}`) ? pid : undefined;
}

/** Writes our pid, or returns the pid of the live service that already holds the file. */
export function claimPidFile(dir: string, pid: number): number | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(pidFile(dir), `${pid}\n`, { flag: 'wx', mode: 0o644 });
      return undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readPid(dir);
      if (holder !== undefined && holder !== pid && isAlive(holder)) return holder;
      fs.rmSync(pidFile(dir), { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`cannot create ${pidFile(dir)}`);
}

export function removePidFile(dir: string, pid: number): void {
  if (readPid(dir) === pid) fs.rmSync(pidFile(dir), { force: true });
}
