// The emulation loop: every vCPU takes turns on this one thread (unicorn does not
// make lock-prefixed instructions atomic across engines that run at the same time,
// so real parallelism would break the guest's locks; QEMU's classic TCG did the
// same). The loop starts application processors as uhyve does, runs round-robin
// time slices, turns timer deadlines, the preemption tick and IPIs into interrupts,
// and sleeps without spinning when every vCPU is halted.
//
// Where a slice may end. Unicorn 2.0.1 checks for a stop request after every guest
// memory access and then resumes at the start of the translation block, so an
// asynchronous uc_emu_stop (or uc_emu_start's timeout) re-executes instructions
// that already ran: measured here, a counter incremented in a loop overshot by one
// per stop. A slice therefore ends only at exact instruction boundaries: after an
// instruction count (exact but slow, so used only while something else may need
// this thread, see runSlice); when a `syscall` finds the slice over (the VMM looks
// at one call in 64, or at the next one when asked, and sends it through the
// kernel's preemption stub, whose one-byte `out` stops the engine cleanly,
// cpu/syscall.ts); at `hlt`; at a fault; and when the guest exits
// (docs/architecture.md has the measurements).
import { BootInfo, MEM, MISC } from '../generated/abi.js';
import type { GuestMemory } from '../guest-memory.js';
import type { ExitStats } from '../stats.js';
import { enterLongMode } from '../boot/long-mode.js';
import { REG } from '../engine/unicorn.js';
import type { InterruptController } from '../ports/interrupt-controller.js';
import { deliverInterrupt, TripleFault } from './interrupts.js';
import type { Vcpu } from './vcpu.js';

/** Slice length when several vCPUs are runnable: fair turns, small enough for latency. */
const SLICE_NS = 2_000_000n;
/** Shortest slice worth starting (a deadline closer than this is simply late). */
const MIN_SLICE_NS = 20_000n;
const TICK_NS = BigInt(MISC.TICK_NS);
/** Instructions in a counted slice: a few milliseconds at the engine's counting speed (~100-200 M/s). */
const COUNTED_SLICE = 500_000;
/** How long a vCPU keeps counting after the last slice that needed it. */
const COUNTED_HOLD_NS = 100_000_000n;
const RFLAGS_IF = 0x200n;
/** How long an idle loop with key-value requests out polls for answers before it sleeps. */
const IO_SPIN_NS = 30_000n;
const IRQ_TIMER = 1, IRQ_IPI = 2, IRQ_IO = 4;

type SlotState = 'waiting' | 'running' | 'halted' | 'dead';

interface Slot {
  vcpu: Vcpu;
  state: SlotState;
  /** IRQ_* bits waiting for delivery; one interrupt delivers them all (the kernel looks at everything). */
  pending: number;
  /** One-shot timer deadline (hrtime ns), 0 when disarmed. */
  deadline: bigint;
  /** Nanoseconds this vCPU has run, and when its next preemption tick falls due. */
  ranNs: bigint;
  nextTickNs: bigint;
  /** An interrupt was delivered since the last slice. */
  interrupted: boolean;
  /** Slices end by instruction count until this time (hrtime ns). */
  countedUntil: bigint;
  /** The vCPU has halted at least once (its kernel set-up is done). */
  booted: boolean;
}

export type LoopResult = { kind: 'finished' } | { kind: 'crashed'; report: string } | { kind: 'stuck' };

export interface VmLoopOptions {
  vcpus: Vcpu[];
  mem: GuestMemory;
  kernelEntry: bigint;
  stats?: ExitStats;
  /** True once the guest has asked to end (exit or panic). */
  finished: () => boolean;
  /**
   * I/O finishing on other threads (key-value requests): `poll` delivers what has
   * arrived (raising VEC_IO through raiseIo), `busy` says whether anything is still
   * outstanding, `wait` sleeps until something arrives or `ms` pass.
   */
  io?: { poll(): boolean; busy(): boolean; wait(ms: number | undefined): void };
}

const now = () => process.hrtime.bigint();

export class VmLoop implements InterruptController {
  private readonly slots: Slot[];
  private current = 0;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly opts: VmLoopOptions) {
    this.slots = opts.vcpus.map((vcpu) => ({ vcpu, state: 'waiting', pending: 0, deadline: 0n, ranNs: 0n, nextTickNs: TICK_NS, interrupted: false, countedUntil: 0n, booted: false }));
  }

  // --- InterruptController (called by devices during a slice) ---------------------

  currentCpu(): number {
    return this.current;
  }

  setTimer(cpu: number, deadlineNs: bigint): void {
    const slot = this.slots[cpu];
    if (slot) slot.deadline = deadlineNs;
  }

  sendIpi(cpu: number): void {
    const target = this.slots[cpu];
    if (!target || target.state === 'dead') return;
    target.pending |= IRQ_IPI;
    // A halted target runs when this slice ends: at this vCPU's next system call
    // (with the slice cut short now) or hlt.
    if (cpu !== this.current && target.state !== 'running') this.slots[this.current].vcpu.endSliceAtNextSyscall();
  }

  /** Ends the VM's run: called when the guest exits (the vCPU stops at once). */
  stopCurrent(): void {
    this.slots[this.current].vcpu.requestStop();
  }

  /** Raised from the main thread's side through the doorbell: an I/O request finished. */
  raiseIo(cpu: number): void {
    const slot = this.slots[cpu];
    if (slot) slot.pending |= IRQ_IO;
  }

  // --- the loop ----------------------------------------------------------------------

  run(): LoopResult {
    {
      this.start(0);
      let next = 0;
      for (;;) {
        if (this.opts.finished()) return { kind: 'finished' };
        this.opts.io?.poll();
        this.startWaitingProcessors();
        const t = now();
        this.fireTimers(t);
        const index = this.pickRunnable(next);
        if (index < 0) {
          if (!this.idle(t)) return { kind: 'stuck' };
          continue;
        }
        next = (index + 1) % this.slots.length;
        const slot = this.slots[index];
        if (slot.pending && !this.deliver(slot)) continue;
        const result = this.runSlice(index, t);
        if (result) return result;
      }
    }
  }

  private start(index: number): void {
    const slot = this.slots[index];
    enterLongMode(slot.vcpu.engine, this.opts.kernelEntry, BigInt(MEM.BOOT_INFO_ADDR), BigInt(index));
    slot.state = 'running';
    slot.booted = index === 0; // vCPU 0 runs the program; the others first set up and halt
  }

  /** Application processor k starts once the guest's online count reaches k. */
  private startWaitingProcessors(): void {
    const online = this.opts.mem.readU32(MEM.BOOT_INFO_ADDR + BootInfo.cpu_online);
    for (let k = 1; k < this.slots.length; k++) {
      if (this.slots[k].state === 'waiting' && online >= k) this.start(k);
    }
  }

  private fireTimers(t: bigint): void {
    for (const slot of this.slots) {
      if (slot.deadline !== 0n && t >= slot.deadline) {
        slot.deadline = 0n;
        slot.pending |= IRQ_TIMER;
      }
    }
  }

  /** The next vCPU, round-robin from `from`, that is running or has an interrupt to wake it. */
  private pickRunnable(from: number): number {
    for (let i = 0; i < this.slots.length; i++) {
      const index = (from + i) % this.slots.length;
      const slot = this.slots[index];
      if (slot.state === 'running' || (slot.state === 'halted' && slot.pending)) return index;
    }
    return -1;
  }

  /** Delivers the pending interrupt if the vCPU accepts interrupts; false if it cannot run now. */
  private deliver(slot: Slot): boolean {
    const engine = slot.vcpu.engine;
    if ((engine.read(REG.RFLAGS) & RFLAGS_IF) === 0n) {
      if (slot.state === 'halted') {
        slot.state = 'dead'; // hlt with interrupts off: nothing can ever wake it
        return false;
      }
      return true; // running with interrupts off: run on, deliver later
    }
    const vector = slot.pending & IRQ_TIMER ? MISC.VEC_TIMER : slot.pending & IRQ_IPI ? MISC.VEC_IPI : MISC.VEC_IO;
    slot.pending = 0;
    slot.state = 'running';
    slot.interrupted = true;
    this.opts.stats?.count('interrupt');
    try {
      deliverInterrupt(engine, this.opts.mem, vector);
    } catch (e) {
      if (!(e instanceof TripleFault)) throw e;
      this.tripleFault = slot.vcpu.report(`triple fault: ${e.message}`);
    }
    return true;
  }

  private tripleFault: string | undefined;

  private runSlice(index: number, t: bigint): LoopResult | undefined {
    if (this.tripleFault) return { kind: 'crashed', report: this.tripleFault };
    const slot = this.slots[index];
    const runnable = this.slots.filter((s) => s.state === 'running').length;
    let length = runnable > 1 ? SLICE_NS : slot.nextTickNs - slot.ranNs;
    if (length > slot.nextTickNs - slot.ranNs) length = slot.nextTickNs - slot.ranNs;
    // Every armed deadline needs this thread back in time to deliver it.
    for (const s of this.slots) if (s.deadline !== 0n && s.deadline - t < length) length = s.deadline - t;
    if (length < MIN_SLICE_NS) length = MIN_SLICE_NS;

    // While anything else may need this thread, end the slice by instruction count:
    // exact, so a thread that never makes a system call is still preempted (see the
    // top of this file). Counting slows the engine (about 20x on plain compute), so an
    // uncounted slice, which may never end, is used when nothing could need the thread
    // before it does: no other runnable vCPU, no thread waiting for a CPU, no timer
    // armed, no I/O out, and no interrupt just delivered (its handler may have made
    // threads ready).
    const waiting = this.opts.mem.readU64(MEM.BOOT_INFO_ADDR + BootInfo.ready_tasks);
    // (A processor still booting is no competitor: it only runs kernel set-up code and
    // halts; it gets its turn at this vCPU's next system call.)
    const competing = this.slots.some((s) => s !== slot && s.state === 'running' && s.booted);
    const quiet = !competing && waiting === 0n && !slot.interrupted &&
      this.slots.every((s) => s.deadline === 0n) && !(this.opts.io?.busy() ?? false);
    // Switching the engine between counted and uncounted runs discards its translated
    // code (measured: ~100 ms per futex round trip when alternating), so a vCPU stays
    // counted until it has been quiet for a while.
    if (!quiet) slot.countedUntil = t + COUNTED_HOLD_NS;
    const instructions = t < slot.countedUntil ? COUNTED_SLICE : 0;
    slot.interrupted = false;
    this.current = index;
    const outcome = slot.vcpu.run(t + length, instructions);
    slot.ranNs += now() - t;
    if (slot.ranNs >= slot.nextTickNs) {
      // The preemption tick matters only when something waits; a lone thread runs on.
      if (!quiet) slot.pending |= IRQ_TIMER;
      slot.nextTickNs = slot.ranNs + TICK_NS;
    }
    if (outcome.kind === 'crashed') return { kind: 'crashed', report: outcome.report };
    if (outcome.kind === 'returned') {
      slot.state = 'halted';
      slot.booted = true;
      this.opts.stats?.count('halt');
    }
    return undefined;
  }

  /** Every vCPU is halted: sleep until a deadline or an I/O answer. False when nothing can ever wake the guest. */
  private idle(t: bigint): boolean {
    let wake: bigint | undefined;
    for (const s of this.slots) if (s.deadline !== 0n && (wake === undefined || s.deadline < wake)) wake = s.deadline;
    const ms = wake === undefined ? undefined : Math.max(0, Number(wake - t) / 1e6);
    if (this.opts.io?.busy()) {
      // Answers usually come within microseconds: look for a while before sleeping,
      // which would cost the proxy a futex wake and this thread a wake-up (the
      // proxy's loop does the same, vmm/channel/server.ts says what it measured).
      const until = now() + IO_SPIN_NS;
      do {
        if (this.opts.io.poll()) return true;
      } while (now() < until);
      this.opts.io.wait(ms);
    } else if (ms === undefined) return false;
    else Atomics.wait(this.sleeper, 0, 0, ms);
    return true;
  }
}
