// The JavaScript side of the `syscall` transition (the machine-code hook in
// engine/syscall-fast-path.ts hands over to it). Inside the hook RIP still points at
// the instruction and unicorn adds its length (2) afterwards; the kernel runs in ring 0
// and saves RFLAGS itself, so the transition is RCX = return address and a jump to
// LSTAR, or to CSTAR, the kernel's preemption stub, when the slice policy says so.
// It runs for the first call (learning LSTAR and CSTAR) and whenever the policy looks.
import type { Engine } from '../engine/unicorn.js';
import { REG } from '../engine/unicorn.js';
import type { SyscallFastPath } from '../engine/syscall-fast-path.js';
import { CHECK_EVERY } from './slice-policy.js';

const MSR_LSTAR = 0xc0000082;
const MSR_CSTAR = 0xc0000083;
const SYSCALL_LENGTH = 2n;

export class SyscallGate {
  private lstar = 0n;
  private cstar = 0n;

  constructor(
    private readonly engine: Engine,
    private readonly fast?: SyscallFastPath,
  ) {}

  /** Emulates the jump into the kernel: to its entry, or to its preemption stub. */
  enter(preempt: boolean): void {
    // The kernel writes both MSRs once before the program starts; read them then.
    if (this.lstar === 0n) {
      this.lstar = this.engine.readMsr(MSR_LSTAR);
      this.cstar = this.engine.readMsr(MSR_CSTAR);
      if (this.lstar !== 0n) this.fast?.setEntry(this.lstar);
    }
    this.fast?.setBudget(CHECK_EVERY);
    const rip = this.engine.read(REG.RIP);
    this.engine.write(REG.RCX, rip + SYSCALL_LENGTH);
    this.engine.write(REG.RIP, (preempt ? this.cstar : this.lstar) - SYSCALL_LENGTH);
  }

  /** Sends the next system call to the VMM (to end the slice there). */
  checkAtNextCall(): void {
    this.fast?.setBudget(1);
  }

  /** Where a preempted system call continues. */
  get entry(): bigint {
    return this.lstar;
  }
}
