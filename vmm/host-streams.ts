// The host side of the console: the VMM process's own stdin, stdout and stderr,
// written with blocking system calls so output order is exactly the guest's.
import fs from 'node:fs';
import { koffi } from '@unikv/host-libc/c';
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

const POLLIN = 1;
let pollStdin: ((fds: Buffer, nfds: number, timeout: number) => number) | undefined;
const pollfd = Buffer.alloc(8); // struct pollfd { int fd; short events, revents; } for fd 0

/**
 * Whether a read of this process's stdin would return at once: poll(2) with no wait.
 * Input, end of input (POLLHUP) and errors (POLLERR, POLLNVAL) all count as ready.
 * poll is bound on first use, so that VMs that never ask do not pay for it at start.
 */
function stdinReady(): boolean {
  pollStdin ??= koffi.load('libc.so.6').func('int poll(_Inout_ uint8_t *fds, unsigned long nfds, int timeout)');
  pollfd.writeInt32LE(0, 0);
  pollfd.writeInt16LE(POLLIN, 4);
  pollfd.writeInt16LE(0, 6);
  return pollStdin(pollfd, 1, 0) !== 0; // (-1, EINTR: say ready; the read will tell)
}

export const processStreams: HostStreams = {
  readReady: stdinReady,
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
