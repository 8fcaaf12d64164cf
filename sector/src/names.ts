// Where the service keeps its files and what its shared-memory objects are called.
//
// The run directory (pid file, log) defaults to a per-user directory under the system
// temporary directory; SECTOR_RUN_DIR moves it (tests give each service its own).
// Shared-memory names carry the user id and the service's pid, so services started
// from different run directories, or by different users, never collide.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const uid = process.getuid?.() ?? 0;

export function runDir(): string {
  return path.resolve(process.env.SECTOR_RUN_DIR ?? path.join(os.tmpdir(), `sector-service-${uid}`));
}

export const pidFile = (dir: string): string => path.join(dir, 'service.pid');
export const logFile = (dir: string): string => path.join(dir, 'service.log');

/** The prefix of every shared-memory name belonging to the service with this pid. */
export const shmPrefix = (servicePid: number): string => `sector-${uid}-${servicePid}`;
export const registryName = (servicePid: number): string => `/${shmPrefix(servicePid)}`;
export const ringName = (servicePid: number, clientPid: number): string => `/${shmPrefix(servicePid)}-ring-${clientPid}`;

function shmEntries(): string[] {
  try {
    return fs.readdirSync('/dev/shm'); // where Linux keeps POSIX shared memory
  } catch {
    return [];
  }
}

/** Shared-memory names that belong to the service with this pid. */
export function leftoverShm(servicePid: number): string[] {
  const prefix = shmPrefix(servicePid);
  return shmEntries()
    .filter((e) => e === prefix || e.startsWith(`${prefix}-`))
    .map((e) => `/${e}`);
}

/** Shared-memory names of this user's services whose process is gone (one killed with SIGKILL, say). */
export function orphanedShm(isAlive: (pid: number) => boolean): string[] {
  const pattern = new RegExp(`^sector-${uid}-(\\d+)(-ring-\\d+)?$`);
  return shmEntries()
    .filter((e) => {
      const m = pattern.exec(e);
      return m !== null && !isAlive(Number(m[1]));
    })
    .map((e) => `/${e}`);
}
