// The waiter table: how a response wakes the one thread that waits for it.
//
// Every thread of a client sleeps on its own doorbell, and the low bits of a request
// id name that thread's entry (protocol.ts), so the service can wake exactly the
// thread whose reply it just published: one wake-up per reply, no intermediary.
//
//   entry t (one cache line):  +0 bell  futex word, bumped by every wake
//                              +4 want  the id thread t sleeps for; 0 while awake
//
// `want` is the event index of io/ring.h made per thread: a thread asks to be told
// about one specific response, and a producer notifies only when the response it
// has just published is that one. The sleeper announces `want` with a full barrier
// and then looks once more (its final check); the waker publishes first and then
// claims `want` by compare-and-swap, so exactly one waker rings, and a wake cannot
// fall between the sleeper's last look and its sleep.
import { futexWait, futexWake } from '@unikv/host-libc';
import type { Mapping } from './ring/shm.js';
import { WAITER_BYTES } from './protocol.js';

const STRIDE = WAITER_BYTES / 4;
const BELL = 0;
const WANT = 1;

export class Waiters {
  private readonly words: Int32Array;
  private readonly addr: number;

  constructor(mapping: Mapping, byteOffset: number, count: number) {
    this.words = new Int32Array(mapping.buffer, byteOffset, count * STRIDE);
    this.addr = mapping.addr + byteOffset;
  }

  /** Producer side: wake thread t if it sleeps for `id`. Call after publishing the response. */
  wake(t: number, id: number): boolean {
    const w = t * STRIDE;
    if (Atomics.compareExchange(this.words, w + WANT, id | 0, 0) !== (id | 0)) return false;
    Atomics.add(this.words, w + BELL, 1);
    futexWake(this.addr + t * WAITER_BYTES, 1);
    return true;
  }

  /** Rings thread t's bell whatever it waits for (the service is leaving; a sibling failed). */
  interrupt(t: number): void {
    Atomics.add(this.words, t * STRIDE + BELL, 1);
    futexWake(this.addr + t * WAITER_BYTES, 1);
  }

  /** Sleeper side, step 1: note the bell, announce `id` (full barrier). Then look once more. */
  prepare(t: number, id: number): number {
    const w = t * STRIDE;
    const seen = Atomics.load(this.words, w + BELL);
    Atomics.exchange(this.words, w + WANT, id | 0);
    return seen;
  }

  /** Step 2a: the last look found the reply; stop asking to be woken. */
  cancel(t: number): void {
    Atomics.exchange(this.words, t * STRIDE + WANT, 0);
  }

  /** Step 2b: sleep until rung (or timeout); false on timeout. */
  sleep(t: number, seen: number, timeoutMs: number): boolean {
    const woken = futexWait(this.addr + t * WAITER_BYTES, seen, timeoutMs);
    this.cancel(t);
    return woken;
  }
}
