// A small futex-style mutex on one word of a SharedArrayBuffer, for threads of one
// process that share a ring end (for example several producers of requests).
//
// States: 0 unlocked, 1 locked, 2 locked with sleepers (the classic three-state futex
// mutex). The uncontended path is one compare-and-swap each way; only a contended
// unlock pays for a wake-up.
const SPINS = 64;

export function lock(words: Int32Array, index: number): void {
  let c = Atomics.compareExchange(words, index, 0, 1);
  if (c === 0) return;
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(words, index) === 0 && Atomics.compareExchange(words, index, 0, 1) === 0) return;
  }
  if (c !== 2) c = Atomics.exchange(words, index, 2);
  while (c !== 0) {
    Atomics.wait(words, index, 2);
    c = Atomics.exchange(words, index, 2);
  }
}

/** Takes the lock only if it is free right now. */
export function tryLock(words: Int32Array, index: number): boolean {
  return Atomics.compareExchange(words, index, 0, 1) === 0;
}

export function isLocked(words: Int32Array, index: number): boolean {
  return Atomics.load(words, index) !== 0;
}

export function unlock(words: Int32Array, index: number): void {
  if (Atomics.sub(words, index, 1) !== 1) {
    Atomics.store(words, index, 0);
    Atomics.notify(words, index, 1);
  }
}
