// Spinning before sleeping: look for work a while, giving the CPU away between looks,
// before paying for a futex sleep and the wake-up that ends it.
//
// A futex round trip costs each side a FUTEX_WAIT, the peer's FUTEX_WAKE and a context
// switch; when the peer is on another CPU that was halted, also an inter-processor
// interrupt to wake it, which inside a VM is an exit. When the answer comes back within
// microseconds, looking again is cheaper than all of that. Between looks the spinner
// calls sched_yield, so a peer on the same CPU gets to run at once (that is how the
// answer can come back at all when there is one CPU), and on a busy machine the spin
// gives its time to whoever is runnable. Past the budget the caller sleeps as before:
// a quiet ring costs no CPU.
import { SYS, syscall } from '@unikv/host-libc';

/** Looks for `ready()` until it holds or `budgetUs` have passed; true if it holds. */
export function spinUntil(ready: () => boolean, budgetUs: number): boolean {
  if (ready()) return true;
  const deadline = performance.now() + budgetUs / 1000;
  do {
    syscall(SYS.sched_yield);
    if (ready()) return true;
  } while (performance.now() < deadline);
  return false;
}
