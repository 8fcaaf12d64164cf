// An event channel: a content-free, cross-process notification on one 32-bit word of
// shared memory, the analogue of a Xen event channel (the docs call ringing one a
// doorbell). Not the VMM's channel Doorbell (vmm/channel/doorbell.ts): that one joins
// two threads of one process and rings only when the sleeper has raised a WAITING
// flag; this one joins processes, futexes a word in a MAP_SHARED mapping, and its
// waiter decides whether to sleep from the word's count.
//
// Ringing bumps the word and FUTEX_WAKEs its waiters; waiting sleeps in FUTEX_WAIT while
// the word still holds the value the waiter last saw. Because the waiter reads the word
// *before* its final look for work, a ring that lands between that look and the sleep
// changes the word and the kernel refuses to sleep: no wake-up is lost. Repeated rings
// collapse into one wake, like event channels.
//
// The word must sit in a MAP_SHARED mapping (futexes on it are keyed by the object, so
// every process that maps it shares the waiters) and in a cache line of its own.
import { futexWait, futexWake } from '@unikv/host-libc';
import type { Mapping } from './shm.js';

export class EventChannel {
  private readonly word: Int32Array;
  private readonly addr: number;
  /** How many times this side rang (tests and benchmarks count notifications). */
  rung = 0;

  constructor(mapping: Mapping, byteOffset: number) {
    if (byteOffset % 4 !== 0 || byteOffset + 4 > mapping.size) throw new RangeError('doorbell offset');
    this.word = new Int32Array(mapping.buffer, byteOffset, 1);
    this.addr = mapping.addr + byteOffset;
  }

  /** The current value: read it before the final check, pass it to wait(). */
  read(): number {
    return Atomics.load(this.word, 0);
  }

  ring(): void {
    Atomics.add(this.word, 0, 1);
    futexWake(this.addr);
    this.rung++;
  }

  /** Sleeps until rung (or timeout) unless it was rung since `seen`; false on timeout. */
  wait(seen: number, timeoutMs: number): boolean {
    if (Atomics.load(this.word, 0) !== seen) return true;
    return futexWait(this.addr, seen, timeoutMs);
  }
}
