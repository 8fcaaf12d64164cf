// The direct backend's write thread: it makes the host write() calls of the guest's
// sends, so that the loopback TCP path (which runs in the writer's context and wakes
// the peer) costs the emulation thread nothing. It takes slots from the request ring
// (vmm/net/write-ring.ts), writes each once (non-blocking: a partial write or EAGAIN
// goes back as it is, and the emulation thread waits for EPOLLOUT itself), posts the
// result, and says so through the eventfd the emulation thread's epoll set watches
// when that thread sleeps waiting for one.
import { workerData } from 'node:worker_threads';
import { c, errno } from '@unikv/host-libc';
import { Doorbell } from '../../channel/doorbell.js';
import { W_STOP, W_WANT, WriteRing } from './write-ring.js';

const SYS_WRITE = 1;
/** How long the thread looks for more work before it sleeps (a futex wake costs the emulation thread more). */
const SPIN_MS = 0.05;

export interface WriteThreadData {
  shared: SharedArrayBuffer;
  eventFd: number;
}

const { shared, eventFd } = workerData as WriteThreadData;
const ring = new WriteRing(shared);
const bell = new Doorbell(ring.words, 0);
const one = new Uint8Array(8);
one[0] = 1;

for (;;) {
  let done = 0;
  for (let slot = ring.takeRequest(); slot >= 0; slot = ring.takeRequest()) {
    const n = Number(c.sys_io(SYS_WRITE, ring.fd(slot), ring.data(slot, ring.length(slot)), ring.length(slot), 0, null, null));
    ring.setResult(slot, n < 0 ? -errno() : n);
    ring.pushResult(slot);
    done++;
  }
  if (done > 0 && Atomics.compareExchange(ring.words, W_WANT, 1, 0) === 1) c.sys_io(SYS_WRITE, eventFd, one, 8, 0, null, null);
  if (Atomics.load(ring.words, W_STOP) !== 0) break;
  const spinUntil = performance.now() + SPIN_MS;
  while (!ring.hasRequest() && performance.now() < spinUntil) {}
  bell.waitSync(() => ring.hasRequest() || Atomics.load(ring.words, W_STOP) !== 0, 1000);
}
