// The `syscall` instruction. Without a hook unicorn treats it as a no-op; with one,
// RIP still points at the instruction inside the hook and unicorn adds its length
// (2) to whatever RIP holds afterwards. The kernel runs in ring 0 with the program
// and saves RFLAGS itself (guest-src/kernel/sys/entry.asm), so the transition needs
// only RCX = return address and a jump to LSTAR. A hook in machine code makes it
// (engine/syscall-fast-path.ts, storing the two registers in the engine's register
// file where it can); this gate is the JavaScript side it hands over to: for the
// first call (it learns LSTAR and CSTAR and tells the fast path), then once every
// CHECK_EVERY calls, or at the next call when the VMM asks for it (three engine
// calls: reading RIP, writing RCX and RIP).
//
// When the vCPU's time slice is over, the jump goes to CSTAR instead: the kernel's
// preemption stub, whose `out` ends the slice at an exact boundary (cpu/vm-loop.ts
// says why that matters); the vCPU then resumes at LSTAR.
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

  constructor(private readonly engine: Engine, private readonly fast?: SyscallFastPath) {}

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
