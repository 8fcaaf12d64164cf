// What --strace needs to know about the kernel, read from its own symbol table (so
// nothing here repeats the kernel's layout): where a system call's result passes
// (`syscall_entry.done`, sys/entry.asm) and where the running thread's id lies (GS
// base -> Percpu.current -> Task.tid), all moved as the kernel was.
import type { SymbolTable } from '../elf-symbols.js';
import type { GuestMemory } from '../guest-memory.js';

export interface KernelLayout {
  /** The instruction after a handler returns; RAX holds the result there. */
  exitAt: bigint;
  percpuCurrent: bigint;
  taskTid: bigint;
  /** Signal delivery (sys/signal.asm), when the kernel has these symbols: --strace's `--- SIG... ---` lines. */
  signals?: {
    /** signal_build_frame: RDI = the SigDelivery, R14 = the Task it goes to. */
    deliverAt: bigint;
    /** signal_terminate: EDI = the signal whose default action ends the program. */
    terminateAt: bigint;
    signo: bigint;
    code: bigint;
    addr: bigint;
  };
}

/** The layout, or a sentence saying which symbol is missing. */
export function kernelLayout(symbols: SymbolTable): KernelLayout | string {
  const exitAt = symbols.address('syscall_entry.done');
  const percpuCurrent = symbols.constant('Percpu.current');
  const taskTid = symbols.constant('Task.tid');
  if (exitAt === undefined || percpuCurrent === undefined || taskTid === undefined)
    return 'the kernel has no syscall_entry.done, Percpu.current or Task.tid symbol (was it stripped?)';
  const deliverAt = symbols.address('signal_build_frame');
  const terminateAt = symbols.address('signal_terminate');
  const [signo, code, addr] = ['signo', 'code', 'addr'].map((f) => symbols.constant(`SigDelivery.${f}`));
  const signals =
    deliverAt !== undefined && terminateAt !== undefined && signo !== undefined && code !== undefined && addr !== undefined
      ? { deliverAt, terminateAt, signo, code, addr }
      : undefined;
  return { exitAt, percpuCurrent, taskTid, signals };
}

/** The id of the thread whose Task block is at `task` (-1 when unreadable). */
export function taskId(mem: GuestMemory, layout: KernelLayout, task: bigint): number {
  return mem.contains(task + layout.taskTid, 8) ? Number(mem.readU64(task + layout.taskTid)) : -1;
}

/** The id of the thread running on the CPU whose Percpu block is at `gsBase` (-1 when unreadable). */
export function threadId(mem: GuestMemory, layout: KernelLayout, gsBase: bigint): number {
  const slot = gsBase + layout.percpuCurrent;
  if (!mem.contains(slot, 8)) return -1;
  const task = mem.readU64(slot);
  if (!mem.contains(task + layout.taskTid, 8)) return -1;
  return Number(mem.readU64(task + layout.taskTid));
}
