// One virtual CPU: a unicorn engine and the hooks that route its exits: port I/O to
// the bus, `syscall` to the gate, CPU exceptions back into the guest through its IDT.
// Where a slice ends is the slice policy's decision (slice-policy.ts). Nothing the
// guest does makes this code throw; a guest that breaks its own IDT ends with a report.
import { Engine, REG, UnicornError, GPR_NAMES } from '../engine/unicorn.js';
import type { GuestMemory } from '../guest-memory.js';
import type { PortBus, AccessSize } from '../port-bus.js';
import type { ExitStats } from '../stats.js';
import { deliverInterrupt, TripleFault } from './interrupts.js';
import { SyscallGate } from './syscall.js';
import { VcpuSlice } from './slice-policy.js';
import type { CopyFastPath } from '../engine/copy-fast-path.js';
import type { SyscallFastPath } from '../engine/syscall-fast-path.js';
import { hostAddress } from '../native-memory.js';
import { clearRecord, exceptionRecordOf } from '../engine/exception-state.js';
import { HcCopy, MEM, PORT } from '../generated/abi.js';
import { describeHypercall } from '../strace/hypercalls.js';
import type { SyscallTracer } from '../strace/tracer.js';
import { type KernelLayout, taskId, threadId } from '../strace/kernel-layout.js';

const VEC_UD = 6;
const VEC_DF = 8;
const VEC_GP = 13;
const VEC_PF = 14;
const MEM_WRITE_UNMAPPED = 20;
const MEM_FETCH_UNMAPPED = 21;
const PF_WRITE = 2n;
const PF_FETCH = 16n;
const HLT = 0xf4;

interface PendingFault {
  vector: number;
  error: bigint;
  cr2?: bigint;
  /** Raised by the emulated CPU (the interrupt hook), at this RIP. */
  fromCpu?: boolean;
  rip?: bigint;
}

export interface VcpuOptions {
  mem: GuestMemory;
  bus: PortBus;
  stats?: ExitStats;
  /** --trace: one line per hypercall. */
  trace?: (line: string) => void;
  /** --strace: every system call (and hypercall) to the tracer; every call then goes through JavaScript. */
  strace?: { tracer: SyscallTracer; layout: KernelLayout };
  /** Names the places of a crash the VMM reports itself (crash-places.ts): the function at RIP and its callers. */
  places?: (ctx: { rip: bigint; rsp: bigint; rbp: bigint }) => string[];
  /** True once the user interrupted the run (interrupt-signal.ts stops the engine too): the run ends. */
  interrupted?: () => boolean;
}

/**
 * Why run() returned: a stop was requested (`stopped`: the guest exited, or the
 * slice ended at a system call), the engine returned by itself (`returned`: hlt),
 * or the guest is beyond saving (`crashed`).
 */
export type VcpuOutcome = { kind: 'stopped' } | { kind: 'returned' } | { kind: 'crashed'; report: string };

function isCanonical(address: bigint): boolean {
  const top = address >> 47n;
  return top === 0n || top === 0x1ffffn;
}

export class Vcpu {
  readonly engine = new Engine();
  private readonly gate: SyscallGate;
  /** The current slice, as the policy sees it. */
  private readonly slice: VcpuSlice;
  /** Where to resume after a port ended the slice. */
  private resumeAt: bigint | undefined;
  /** The machine-code syscall hook, which counts every system call natively. */
  private readonly fast: SyscallFastPath;
  /** System calls counted so far into --stats. */
  private syscallsCounted = 0;
  /** The machine-code COPY hook (absent when hypercalls are traced), and its COPYs counted so far. */
  private copyPath: CopyFastPath | undefined;
  private copiesCounted = 0;
  private pending: PendingFault | undefined;
  /** --stats without the machine-code counters: the JavaScript hook counts calls by number. */
  private readonly countCallsHere: boolean;
  /** Where the engine keeps its exception-in-flight record; null: not found. */
  private exceptionRecord: bigint | null | undefined;
  /** The RIP of the last silent stop run again (silentlyStopped). */
  private stillAt: bigint | undefined;
  /** The RIP of the last double fault run again (retryAsItself). */
  private retriedAt: bigint | undefined;
  private crash: string | undefined;
  private stopRequested = false;

  constructor(
    readonly id: number,
    private readonly opts: VcpuOptions,
  ) {
    const { mem, bus, stats, trace, strace } = opts;
    this.slice = new VcpuSlice(mem);
    // All of guest-physical memory; the page tables decide what the guest may reach.
    this.engine.mapShared(0n, mem.bytes);

    const onOut = (port: number, size: number, value: number): void => {
      const resume = this.slice.resumeAfterPort(port, value, this.gate.entry);
      if (resume !== undefined) {
        this.resumeAt = resume;
        this.requestStop();
        return;
      }
      stats?.count('hypercall');
      stats?.countPort(port);
      write(port, size, value);
    };
    const plainWrite = (port: number, size: number, value: number) => this.guarded(() => bus.write(port, value, size as AccessSize));
    // --stats times the device, --trace and --strace describe the block after it ran
    // (so the struct shows its answer too); without them the write is all there is.
    const watchedWrite = (port: number, size: number, value: number) => {
      const since = stats?.clock();
      plainWrite(port, size, value);
      if (since !== undefined) stats?.timeHypercall(port, since);
      if (trace) trace(`hypercall ${describeHypercall(mem, port, value)}`);
      if (strace) strace.tracer.hypercall(id, this.threadId(strace.layout), describeHypercall(mem, port, value));
    };
    const write = stats || trace || strace ? watchedWrite : plainWrite;
    // COPY is handled in machine code, unless every hypercall is to be traced.
    if (trace || strace) this.engine.onOut(onOut);
    else {
      this.copyPath = this.engine.onOutWithFastCopy(onOut, {
        port: PORT.COPY,
        block: HcCopy,
        ramBase: BigInt(hostAddress(mem.bytes)),
        ramSize: mem.size,
        floor: MEM.BOOT_AREA_END, // as the devices' view of memory (machine.ts)
      });
    }
    this.engine.onIn((port, size) => this.guarded(() => bus.read(port, size as AccessSize)) ?? 0xffffffff);
    // System calls: machine code jumps into the kernel; JavaScript sees the first
    // call and the ones the policy looks at (syscall.ts).
    const enter = () => {
      stats?.count('syscall-slow');
      const preempt = this.slice.preemptAtSyscall();
      this.guarded(() => this.gate.enter(preempt));
    };
    // Only --stats and --strace look at the calls JavaScript sees; without them the
    // hook runs `enter` alone: nothing is added to this path while they are off.
    const watched = () => {
      const since = stats?.clock();
      if (this.countCallsHere) stats?.countSyscall(Number(this.engine.read(REG.RAX)));
      if (strace) this.guarded(() => this.traceEntry(strace.tracer, strace.layout));
      enter();
      if (since !== undefined) stats?.time('syscall-slow', since);
    };
    this.fast = this.engine.onSyscallFast(stats || strace ? watched : enter, true, { everyCall: strace !== undefined, byNumber: stats !== undefined });
    // --stats counts calls by number in machine code; without a register file to read
    // the number from, every call comes here and is counted in JavaScript.
    this.countCallsHere = stats !== undefined && this.fast.byNumber === undefined;
    if (this.countCallsHere) this.fast.sendEveryCall();
    this.gate = new SyscallGate(this.engine, this.fast);
    if (strace) {
      // Every result passes the kernel's syscall_entry.done with RAX holding it.
      this.engine.onCodeAt(strace.layout.exitAt, () => this.guarded(() => strace.tracer.exit(id, this.threadId(strace.layout), this.engine.read(REG.RAX))));
      const signals = strace.layout.signals;
      if (signals) {
        // signal_build_frame: RDI = the SigDelivery, R14 = the Task; signal_terminate: EDI = the signal.
        this.engine.onCodeAt(signals.deliverAt, () =>
          this.guarded(() => {
            const delivery = this.engine.read(REG.RDI);
            if (!mem.contains(delivery + signals.addr, 8)) return;
            const tid = taskId(mem, strace.layout, this.engine.read(REG.R14));
            const signo = Number(mem.readU64(delivery + signals.signo));
            strace.tracer.signal(id, tid, signo, Number(mem.readI64(delivery + signals.code)), mem.readU64(delivery + signals.addr));
          }),
        );
        this.engine.onCodeAt(signals.terminateAt, () => strace.tracer.killedBy(Number(this.engine.read(REG.RDI) & 0xffn)));
      }
    }
    this.engine.onInterrupt((vector) => {
      // Delivered after the engine stops: register writes from this hook do not
      // reliably survive the engine's exception unwinding, and the engine may touch
      // CR2 again on its way out, so CR2 is kept from here.
      const rip = this.engine.read(REG.RIP);
      if (vector === VEC_DF) this.pending = { vector, error: 0n, fromCpu: true, rip };
      else if (vector === VEC_PF) {
        const cr2 = this.engine.read(REG.CR2);
        this.pending = { vector, error: cr2 === rip ? PF_FETCH : 0n, cr2, fromCpu: true, rip };
      } else this.pending = { vector, error: 0n, fromCpu: true, rip };
      this.engine.stop();
    });
    this.engine.onInvalidInstruction(() => {
      // Delivering from inside this hook does not resume the guest; stop and let the loop deliver.
      this.pending = { vector: VEC_UD, error: 0n };
      return false;
    });
    this.engine.onUnmapped((type, address) => {
      // Let the engine stop; the run loop delivers the fault with CR2 set.
      if (!isCanonical(address)) this.pending = { vector: VEC_GP, error: 0n };
      else {
        const error = type === MEM_WRITE_UNMAPPED ? PF_WRITE : type === MEM_FETCH_UNMAPPED ? PF_FETCH : 0n;
        this.pending = { vector: VEC_PF, error, cr2: address };
      }
      return false;
    });
  }

  /** The running thread's id, from the kernel's per-CPU block (GS base). */
  private threadId(layout: KernelLayout): number {
    return threadId(this.opts.mem, layout, this.engine.read(REG.GS_BASE));
  }

  /** --strace: the call the program makes at this `syscall` (number in RAX, arguments in RDI, RSI, RDX, R10, R8, R9). */
  private traceEntry(tracer: SyscallTracer, layout: KernelLayout): void {
    const e = this.engine;
    const args = [e.read(REG.RDI), e.read(REG.RSI), e.read(REG.RDX), e.read(REG.R10), e.read(REG.R8), e.read(REG.R9)];
    tracer.entry(this.id, this.threadId(layout), e.read(REG.RAX), args);
  }

  /** Lets the slice end at the next system call, whatever its planned length. */
  endSliceAtNextSyscall(): void {
    this.slice.endAtNextSyscall();
    this.gate.checkAtNextCall();
  }

  /** Ends the current run: only where the guest will not be resumed, or from the syscall hook. */
  requestStop(): void {
    this.stopRequested = true;
    this.engine.stop();
  }

  /**
   * Runs from the current RIP until stopped, halted or crashed; `sliceEnd` in hrtime
   * ns. With `instructions` > 0 the run also ends, exactly, after that many
   * instructions (`stopped`). The loop's slice policy chooses both.
   */
  run(sliceEnd = 0xffff_ffff_ffff_ffffn, instructions = 0): VcpuOutcome {
    this.slice.begin(sliceEnd, instructions > 0);
    for (;;) {
      let failure: UnicornError | undefined;
      const startedAt = this.engine.read(REG.RIP);
      try {
        this.stopRequested = false;
        this.engine.start(startedAt, 0, instructions);
      } catch (e) {
        if (!(e instanceof UnicornError)) throw e;
        failure = e;
      }
      this.countNativeExits();
      if (this.crash !== undefined) return { kind: 'crashed', report: this.crash };
      if (this.resumeAt !== undefined) {
        this.engine.write(REG.RIP, this.resumeAt);
        this.resumeAt = undefined;
      }
      if (this.stopRequested || this.opts.interrupted?.()) return { kind: 'stopped' };
      const fault = this.pending;
      this.pending = undefined;
      if (fault?.vector === VEC_DF && fault.fromCpu && this.retryAsItself(fault.rip)) continue;
      this.retriedAt = undefined;
      if (fault) {
        this.opts.stats?.count('exception');
        if (fault.cr2 !== undefined) {
          // The hook cannot tell a fetch from a read; a fault at RIP itself was the fetch.
          if (fault.cr2 === this.engine.read(REG.RIP)) fault.error |= PF_FETCH;
          this.engine.write(REG.CR2, fault.cr2);
        }
        const since = this.opts.stats?.clock();
        this.guarded(() => this.deliver(fault.vector, fault.error));
        if (since !== undefined) this.opts.stats?.time('exception', since);
        // The CPU clears its exception-in-flight record when it finishes a delivery;
        // the engine never delivers, so the VMM does (engine/exception-state.ts).
        if (fault.fromCpu) this.clearExceptionRecord();
        if (this.crash !== undefined) return { kind: 'crashed', report: this.crash };
        continue;
      }
      if (failure) return { kind: 'crashed', report: this.report(`the engine stopped: ${failure.message}`) };
      if (this.silentlyStopped(startedAt, instructions > 0)) continue;
      if (instructions > 0 && this.slice.ranOutAt(this.engine.read(REG.RIP))) return { kind: 'stopped' };
      return { kind: 'returned' };
    }
  }

  /** The machine-code hook's counters of calls by number (--stats), or undefined. */
  get syscallsByNumber(): BigInt64Array | undefined {
    return this.fast.byNumber;
  }

  /** Adds what the machine-code hooks counted since the last time to --stats. */
  private countNativeExits(): void {
    const total = this.fast.count;
    this.opts.stats?.count('syscall', total - this.syscallsCounted);
    this.syscallsCounted = total;
    if (this.copyPath === undefined) return;
    const copies = this.copyPath.count;
    this.opts.stats?.count('hypercall', copies - this.copiesCounted);
    this.opts.stats?.countPort(PORT.COPY, copies - this.copiesCounted);
    this.copiesCounted = copies;
  }

  /**
   * A triple fault in the engine (its exception record at #DF when the guest faults:
   * engine/exception-state.ts) ends the run without a word, at the faulting
   * instruction. A run that returned by itself anywhere but after a `hlt`, or a
   * counted run that made no progress, is taken for one: the record is cleared and
   * the instruction runs again, once per place.
   */
  private silentlyStopped(startedAt: bigint, counted: boolean): boolean {
    const rip = this.engine.read(REG.RIP);
    const afterHlt = this.opts.mem.contains(rip - 1n, 1) && this.opts.mem.readU8(rip - 1n) === HLT;
    if (afterHlt || (counted && rip !== startedAt) || rip === this.stillAt) {
      this.stillAt = undefined;
      return false;
    }
    if (!this.clearExceptionRecord()) return false;
    this.stillAt = rip;
    return true;
  }

  /** Clears the engine's exception-in-flight record (found on first use); false when it cannot. */
  private clearExceptionRecord(): boolean {
    this.exceptionRecord ??= exceptionRecordOf(this.engine) ?? null;
    if (this.exceptionRecord === null) return false;
    clearRecord(this.exceptionRecord);
    return true;
  }

  /**
   * The VMM delivers every exception itself, so the engine never faults while
   * delivering one: a double fault from the engine is its stale exception-in-flight
   * record (engine/exception-state.ts: a fault it raised and dropped on its own way
   * out of a run sets it too). Faults are exact, so the faulting instruction has not
   * run: clear the record and run it again, and it faults as itself. Once per
   * instruction; false when the record cannot be cleared or it is the second try.
   */
  private retryAsItself(rip: bigint | undefined): boolean {
    if (rip === undefined || rip === this.retriedAt) {
      this.retriedAt = undefined;
      return false;
    }
    if (!this.clearExceptionRecord()) return false;
    this.retriedAt = rip;
    this.engine.write(REG.RIP, rip);
    return true;
  }

  private deliver(vector: number, error: bigint): void {
    deliverInterrupt(this.engine, this.opts.mem, vector, error);
  }

  /**
   * Runs a hook body. A guest that breaks its own interrupt machinery gets a
   * triple-fault report; any other exception is a VMM bug, reported the same way
   * rather than thrown through the engine's C frames.
   */
  private guarded<T>(body: () => T): T | undefined {
    try {
      return body();
    } catch (e) {
      const why = e instanceof TripleFault ? `triple fault: ${e.message}` : `internal error in the VMM: ${(e as Error).stack ?? e}`;
      this.crash = this.report(why);
      this.engine.stop();
      return undefined;
    }
  }

  /** A register dump for crashes the guest kernel could not report itself. */
  report(why: string): string {
    const hex = (v: bigint) => `0x${v.toString(16).padStart(16, '0')}`;
    const regs = GPR_NAMES.map((n) => `${n.padEnd(3)} ${hex(this.engine.read(REG[n]))}`);
    const rows = [];
    for (let i = 0; i < regs.length; i += 4) rows.push(`  ${regs.slice(i, i + 4).join('  ')}`);
    const places = this.opts.places?.({ rip: this.engine.read(REG.RIP), rsp: this.engine.read(REG.RSP), rbp: this.engine.read(REG.RBP) }) ?? [];
    return `${[`unikv: guest crashed on vCPU ${this.id}: ${why}`, `  RIP ${hex(this.engine.read(REG.RIP))}  RFLAGS ${hex(this.engine.read(REG.RFLAGS))}  CR2 ${hex(this.engine.read(REG.CR2))}`, ...rows, ...places].join('\n')}\n`;
  }

  close(): void {
    this.engine.close();
  }
}
