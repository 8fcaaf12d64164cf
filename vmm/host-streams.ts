// The host side of the console: the VMM process's own stdin, stdout and stderr,
// written with blocking system calls so output order is exactly the guest's.
import fs from 'node:fs';
import type { HostStreams } from './ports/device.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** A short sleep for when a non-blocking pipe is full (EAGAIN). */
function backOff(): void {
  Atomics.wait(pause, 0, 0, 1);
}

export function writeFully(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += fs.writeSync(fd, bytes, done, bytes.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') backOff();
      else if (code === 'EPIPE')
        return; // the reader went away: drop, as a closed terminal would
      else throw e;
    }
  }
}

export const processStreams: HostStreams = {
  write: (fd, bytes) => writeFully(fd, bytes),
  read(into) {
    for (;;) {
      try {
        return fs.readSync(0, into, 0, into.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') backOff();
        else if (code === 'EOF') return 0;
        else throw e;
      }
    }
  },
};
