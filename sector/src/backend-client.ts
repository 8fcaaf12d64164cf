// A client of the service as the back end sees it: its ring segment, mapped and checked,
// its ring, its threads' waiters and its process (a pidfd, to notice when it dies).
import { errno, ESRCH, SYS, syscall } from '@unikv/host-libc';
import { BackRing } from './ring/ring.js';
import { Segment } from './ring/shm.js';
import { ringName } from './names.js';
import {
  MAX_THREADS,
  RING_SHAPE,
  SEG_BYTES,
  SEG_CTL_MAGIC,
  SEG_CTL_SLOT_SIZE,
  SEG_CTL_SLOTS,
  SEG_CTL_VERSION,
  SEG_MAGIC,
  SEG_RING,
  SEG_VERSION,
  SEG_WAITERS,
} from './protocol.js';
import { Waiters } from './waiters.js';

export interface Client {
  readonly slot: number;
  readonly pid: number;
  readonly pidfd: number; // -1 when pidfd_open is unavailable
  readonly seg: Segment;
  readonly ring: BackRing;
  readonly waiters: Waiters;
  readonly woken: Uint32Array; // ids of the responses committed but not yet pushed
  wokenCount: number;
  halted: boolean; // broke the ring protocol: no more service
  gone: boolean; // detached and unmapped: never touch its memory again
}

/** Maps and checks the ring that client `pid` offered in `slot`; throws with the reason when it cannot be served. */
export function attachClient(servicePid: number, slot: number, pid: number): Client {
  const seg = Segment.open(ringName(servicePid, pid), SEG_BYTES);
  try {
    const ctl = new DataView(seg.buffer);
    const wellFormed =
      ctl.getUint32(SEG_CTL_MAGIC, true) === SEG_MAGIC &&
      ctl.getUint32(SEG_CTL_VERSION, true) === SEG_VERSION &&
      ctl.getUint32(SEG_CTL_SLOTS, true) === RING_SHAPE.slots &&
      ctl.getUint32(SEG_CTL_SLOT_SIZE, true) === RING_SHAPE.slotSize;
    if (!wellFormed) throw new Error('ring segment has the wrong format');
    const ring = new BackRing(seg.buffer, SEG_RING, RING_SHAPE);
    ring.attach();
    const pidfd = syscall(SYS.pidfd_open, pid, 0);
    if (pidfd < 0 && errno() === ESRCH) throw new Error('client exited');
    return {
      slot,
      pid,
      pidfd: pidfd >= 0 ? pidfd : -1,
      seg,
      ring,
      waiters: new Waiters(seg, SEG_WAITERS, MAX_THREADS),
      woken: new Uint32Array(RING_SHAPE.slots),
      wokenCount: 0,
      halted: false,
      gone: false,
    };
  } catch (e) {
    seg.unmap();
    throw e;
  }
}
