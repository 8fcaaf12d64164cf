// A doorbell: how one side of the channel sleeps until the other has news.
//
// Event-index style, to keep the hot path cheap: the sleeper announces itself
// by setting WAITING, re-checks for work, and only then sleeps on SEQ. The
// other side publishes its work first and then rings only if WAITING is set,
// clearing it; ringing bumps SEQ (so a sleeper that has not yet gone to sleep
// does not) and notifies. Because all of these are sequentially consistent Atomics,
// either the sleeper's re-check sees the work or the publisher sees WAITING:
// a wake-up is never lost, and a busy peer costs one atomic load per message.

import { BELL_SEQ, BELL_WAITING } from './layout.js';

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
// Atomics.waitAsync is in Node 16+, but in the ES2024 lib, not this project's ES2022 one.
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number, timeout?: number): WaitAsyncResult }).waitAsync;

export class Doorbell {
  private readonly words: Int32Array;
  private readonly seq: number; // word indices
  private readonly waiting: number;

  /** `words` views the whole buffer; `offset` is the bell's byte offset from layout.ts. */
  constructor(words: Int32Array, offset: number) {
    this.words = words;
    this.seq = (offset + BELL_SEQ) >> 2;
    this.waiting = (offset + BELL_WAITING) >> 2;
  }

  // --- the ringing side ---

  /**
   * Rings if the other side said it is waiting; returns whether it rang. Ringing
   * takes the WAITING flag down with it: until the sleeper raises it again it is
   * awake (or waking) and will see everything published so far, so the messages
   * sent meanwhile need no ring of their own. A ring is a futex wake, which costs
   * the ringer far more than an atomic load; without the flag, the emulation thread
   * would ring once per key-value request while the proxy thread is still waking
   * from the last one (figures in docs/history.md).
   */
  ringIfWaiting(): boolean {
    if (Atomics.compareExchange(this.words, this.waiting, 1, 0) !== 1) return false;
    this.ring();
    return true;
  }

  /** Rings unconditionally (stop requests, rare slow paths). */
  ring(): void {
    Atomics.add(this.words, this.seq, 1);
    Atomics.notify(this.words, this.seq);
  }

  // --- the sleeping side (one thread per bell) ---

  /**
   * Blocks the calling thread (the emulation thread) until `ready()` is true or the
   * timeout passes; returns the last `ready()` result. `beforeSleep` runs
   * after WAITING is set and before the final re-check: use it to raise other
   * flags that the ringing side reads (such as a ring's space-wanted flag).
   */
  waitSync(ready: () => boolean, timeoutMs: number, beforeSleep?: () => void): boolean {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.words, this.seq);
      if (ready()) return true;
      Atomics.store(this.words, this.waiting, 1);
      beforeSleep?.();
      // Keep this answer: asking again could differ (another producer may take the free slot).
      const isReady = ready();
      const remaining = deadline - performance.now();
      if (isReady || remaining <= 0) {
        Atomics.store(this.words, this.waiting, 0);
        return isReady;
      }
      Atomics.wait(this.words, this.seq, seen, remaining);
      Atomics.store(this.words, this.waiting, 0);
    }
  }

  /**
   * The same for the proxy's thread, whose event loop must not block: resolves once
   * `ready()` is true. Sleeps with Atomics.waitAsync, so an idle waiter costs
   * no CPU.
   */
  async waitAsync(ready: () => boolean, beforeSleep?: () => void): Promise<void> {
    for (;;) {
      const seen = Atomics.load(this.words, this.seq);
      if (ready()) return;
      Atomics.store(this.words, this.waiting, 1);
      beforeSleep?.();
      if (ready()) {
        Atomics.store(this.words, this.waiting, 0);
        return;
      }
      const result = waitAsync(this.words, this.seq, seen);
      if (result.async) await result.value;
      Atomics.store(this.words, this.waiting, 0);
    }
  }
}
