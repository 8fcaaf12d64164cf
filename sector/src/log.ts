// One-line, timestamped log records for the service. In the daemon, standard error
// is the log file in the run directory; writes are synchronous so that a record
// written just before exit is never lost.
import fs from 'node:fs';

export function log(message: string): void {
  try {
    fs.writeSync(2, `${new Date().toISOString()} [${process.pid}] ${message}\n`);
  } catch {
    // Nowhere left to report to.
  }
}
