// Collecting responses on the client. There is no receiver thread: any thread that
// finds responses in the ring drains them (under the consumers' lock, so the reply log
// stays in arrival order) into the mailboxes of the threads that asked, and each
// thread sleeps on its own waiter entry until its mailbox says DONE.
//
// The service wakes the owner of each response directly (waiters.ts); a drainer that
// delivers a sibling's reply wakes the sibling only if the service has not already.
//
// The service is untrusted too: a response whose id matches no waiting thread is
// dropped, and an impossible response index (RingError) ends the run.
import { isLocked, lock, tryLock, unlock } from './ring/mutex.js';
import type { FrontRing } from './ring/ring.js';
import { type ClientShared, CTL_CONS_LOCK, DONE, MAIL_ID, MAIL_STATE, MAIL_STATUS, MAIL_WORDS, WAITING } from './client-shared.js';
import type { ReplyLog } from './output.js';
import { RSP_DATA, RSP_ID, RSP_STATUS, STATUS_OK, WAITER_MASK } from './protocol.js';
import type { Waiters } from './waiters.js';

const WAIT_SLICE_MS = 1000; // how often a waiting thread checks that the service is still there

export class Collector {
  constructor(
    private readonly ring: FrontRing,
    private readonly shared: ClientShared,
    private readonly waiters: Waiters,
    private readonly log: ReplyLog,
    private readonly self: number,
    private readonly serviceUp: () => boolean,
  ) {}

  /** Blocks until this thread's request `id` has been answered; returns the response's status. */
  await(id: number): number {
    const mail = this.shared.mail;
    const ctl = this.shared.ctl;
    const box = this.self * MAIL_WORDS;
    for (;;) {
      if (Atomics.load(mail, box + MAIL_STATE) === DONE) return mail[box + MAIL_STATUS];
      if (this.ring.pendingResponses() > 0 && tryLock(ctl, CTL_CONS_LOCK)) {
        this.drainLocked();
        continue;
      }
      // Sleep. If another thread is draining, it delivers our reply and wakes us (it
      // looks again after unlocking), or the service wakes us when our reply comes:
      // never block on the lock itself (that would cost a second sleep).
      const seen = this.waiters.prepare(this.self, id);
      if (Atomics.load(mail, box + MAIL_STATE) === DONE || (this.ring.pendingResponses() > 0 && !isLocked(ctl, CTL_CONS_LOCK))) {
        this.waiters.cancel(this.self);
        continue;
      }
      if (!this.waiters.sleep(this.self, seen, WAIT_SLICE_MS) || this.shared.aborted) {
        if (this.shared.aborted) throw new Error('run aborted');
        if (!this.serviceUp()) throw new Error('the service went away');
      }
    }
  }

  /** Consumes every response in the ring, delivering each to the thread that asked for it. */
  drain(): void {
    lock(this.shared.ctl, CTL_CONS_LOCK);
    this.drainLocked();
  }

  /**
   * drain() for a caller that already holds the consumers' lock; releases it. After
   * unlocking it looks once more: a thread may have gone to sleep because we held the
   * lock, just after our last look and just as its reply arrived (the service's wake
   * found it not yet asleep). Every drainer does this, so one of them delivers it.
   */
  private drainLocked(): void {
    const ctl = this.shared.ctl;
    do {
      try {
        for (let n = this.ring.pendingResponses(); n > 0; n = this.ring.pendingResponses()) {
          for (let k = 0; k < n; k++) this.deliver();
        }
      } finally {
        unlock(ctl, CTL_CONS_LOCK);
      }
    } while (this.ring.pendingResponses() > 0 && tryLock(ctl, CTL_CONS_LOCK));
  }

  private deliver(): void {
    const ring = this.ring;
    const mail = this.shared.mail;
    const off = ring.nextResponseOffset();
    const id = ring.dv.getUint32(off + RSP_ID, true);
    const status = ring.dv.getInt32(off + RSP_STATUS, true);
    const t = id & WAITER_MASK;
    const box = t * MAIL_WORDS;
    if (t < this.shared.threads && Atomics.load(mail, box + MAIL_STATE) === WAITING && mail[box + MAIL_ID] >>> 0 === id) {
      if (status === STATUS_OK) this.log.add(this.shared.mailSector[t], ring.u8, off + RSP_DATA);
      mail[box + MAIL_STATUS] = status;
      Atomics.store(mail, box + MAIL_STATE, DONE);
      if (t !== this.self) this.waiters.wake(t, id);
    }
    ring.consumeResponse();
  }
}
