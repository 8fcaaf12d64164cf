// The `syscall` instruction. Without a hook unicorn treats it as a no-op; with one,
// RIP still points at the instruction inside the hook and unicorn adds its length
// (2) to whatever RIP holds afterwards. The kernel runs in ring 0 with the program
// and saves RFLAGS itself (guest-src/kernel/sys/entry.asm), so the transition needs
// only RCX = return address and a jump to LSTAR: three engine calls per system call.
import type { Engine } from '../engine/unicorn.js';
import { REG } from '../engine/unicorn.js';

const MSR_LSTAR = 0xc0000082;
const SYSCALL_LENGTH = 2n;

export class SyscallGate {
  private lstar = 0n;

  constructor(private readonly engine: Engine) {}

  /** Emulates the jump into the kernel's entry point (from inside the syscall hook). */
  enter(): void {
    const rip = this.engine.read(REG.RIP);
    this.engine.write(REG.RCX, rip + SYSCALL_LENGTH);
    this.engine.write(REG.RIP, this.entryPoint() - SYSCALL_LENGTH);
  }

  /**
   * The same transition done after the engine has stopped just past the `syscall`
   * (the hook left RIP alone, so unicorn moved it over the instruction).
   */
  enterStopped(): void {
    this.engine.write(REG.RCX, this.engine.read(REG.RIP));
    this.engine.write(REG.RIP, this.entryPoint());
  }

  private entryPoint(): bigint {
    // LSTAR is written once by the kernel before the program starts; read it then.
    if (this.lstar === 0n) this.lstar = this.engine.readMsr(MSR_LSTAR);
    return this.lstar;
  }
}
