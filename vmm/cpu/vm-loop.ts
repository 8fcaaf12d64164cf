// The emulation loop: every vCPU takes turns on this one thread, because unicorn
// does not make lock-prefixed instructions atomic across engines running at the same
// time (docs/architecture.md, SMP). The loop starts application processors as uhyve
// does, runs round-robin slices planned by the slice policy (slice-policy.ts), turns
// timer deadlines, the preemption tick and IPIs into interrupts, and sleeps without
// spinning when every vCPU is halted.
import { BootInfo, MEM, MISC } from '../generated/abi.js';
import type { GuestMemory } from '../guest-memory.js';
import type { ExitStats } from '../stats.js';
import { enterLongMode } from '../boot/long-mode.js';
import { REG } from '../engine/unicorn.js';
import type { InterruptController } from '../ports/interrupt-controller.js';
import { deliverInterrupt, TripleFault } from './interrupts.js';
import type { Vcpu } from './vcpu.js';
import { freshSliceState, SlicePolicy, type SliceState } from './slice-policy.js';

const RFLAGS_IF = 0x200n;
/** How long an idle loop with key-value requests out polls for answers before it sleeps. */
const IO_SPIN_NS = 30_000n;
/** Longest sleep between looks at `finished` (a Ctrl-C, interrupt-signal.ts, is seen within it). */
const IDLE_LOOK_MS = 250;
const IRQ_TIMER = 1,
  IRQ_IPI = 2,
  IRQ_IO = 4;

type SlotState = 'waiting' | 'running' | 'halted' | 'dead';

interface Slot extends SliceState {
  vcpu: Vcpu;
  state: SlotState;
  /** IRQ_* bits waiting for delivery; one interrupt delivers them all (the kernel looks at everything). */
  pending: number;
}

/** How a debugger has the loop go on after its turn (vmm/debug/stub.ts). */
export interface DebugPlan {
  /** Instructions per slice (0: the slice policy decides alone); counted slices bring the loop back to the debugger. */
  instructions: number;
  /** Run only this vCPU, one instruction, without delivering interrupts; then `stepped`. */
  step?: number;
}

/** A debugger's hold on the loop: it is asked at every turn, and serves while the guest is stopped. */
export interface LoopDebugger {
  /** Called before every turn with the vCPU that ran last. */
  between(lastCpu: number): DebugPlan;
  /** The vCPU a plan asked to step has run its instruction. */
  stepped(cpu: number): void;
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
   * outstanding, `wait` sleeps until something arrives or `ms` pass. `open` says whether
   * the host may still wake the guest without a request out (sockets): an idle loop
   * then sleeps in `wait` instead of reporting the guest stuck.
   */
  io?: { poll(): boolean; busy(): boolean; wait(ms: number | undefined): void; open?(): boolean };
  /** A debugger (--gdb): asked before every turn, before the first instruction too. */
  debug?: LoopDebugger;
}

const now = () => process.hrtime.bigint();

export class VmLoop implements InterruptController {
  private readonly slots: Slot[];
  private current = 0;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));
  private readonly policy: SlicePolicy;

  constructor(private readonly opts: VmLoopOptions) {
    this.slots = opts.vcpus.map((vcpu) => ({ vcpu, state: 'waiting', pending: 0, deadline: 0n, booted: false, ...freshSliceState() }));
    this.policy = new SlicePolicy(opts.mem, opts.io);
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
        const plan = this.opts.debug?.between(this.current);
        if (plan && this.opts.finished()) return { kind: 'finished' };
        if (plan?.step !== undefined) {
          const result = this.stepOne(plan.step);
          if (result) return result;
          continue;
        }
        this.debugInstructions = plan?.instructions ?? 0;
        this.opts.io?.poll();
        this.startWaitingProcessors();
        const t = now();
        this.fireTimers(t);
        const index = this.pickRunnable(next);
        if (index < 0) {
          const since = this.opts.stats?.clock();
          if (!this.idle(t)) return { kind: 'stuck' };
          if (since !== undefined) this.opts.stats?.time('idle', since);
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
    const since = this.opts.stats?.clock();
    try {
      deliverInterrupt(engine, this.opts.mem, vector);
    } catch (e) {
      if (!(e instanceof TripleFault)) throw e;
      this.tripleFault = slot.vcpu.report(`triple fault: ${e.message}`);
    }
    if (since !== undefined) this.opts.stats?.time('interrupt', since);
    return true;
  }

  private tripleFault: string | undefined;

  private runSlice(index: number, t: bigint): LoopResult | undefined {
    if (this.tripleFault) return { kind: 'crashed', report: this.tripleFault };
    const slot = this.slots[index];
    this.policy.plan(slot, this.slots, t);
    this.current = index;
    const counted = this.policy.instructions;
    const forced = this.debugInstructions;
    const instructions = forced > 0 && (counted === 0 || forced < counted) ? forced : counted;
    const outcome = slot.vcpu.run(this.policy.end, instructions);
    if (this.policy.charge(slot, now() - t)) slot.pending |= IRQ_TIMER;
    if (outcome.kind === 'crashed') return { kind: 'crashed', report: outcome.report };
    if (outcome.kind === 'returned') {
      slot.state = 'halted';
      slot.booted = true;
      this.opts.stats?.count('halt');
    }
    return undefined;
  }

  /** Instructions per slice a debugger asks for (0: none). */
  private debugInstructions = 0;

  /** Runs one instruction on vCPU `cpu` for the debugger (a vCPU not started yet stays as it is). */
  private stepOne(cpu: number): LoopResult | undefined {
    const slot = this.slots[cpu];
    if (slot && (slot.state === 'running' || slot.state === 'halted')) {
      this.current = cpu;
      const outcome = slot.vcpu.run(undefined, 1);
      if (outcome.kind === 'crashed') return { kind: 'crashed', report: outcome.report };
      slot.state = outcome.kind === 'returned' ? 'halted' : 'running';
    }
    this.opts.debug?.stepped(cpu);
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
      // proxy's loop does the same in channel/server.ts; docs/history.md has the figures).
      const until = now() + IO_SPIN_NS;
      do {
        if (this.opts.io.poll()) return true;
      } while (now() < until);
      this.opts.io.wait(Math.min(ms ?? IDLE_LOOK_MS, IDLE_LOOK_MS));
    } else if (this.opts.io?.open?.()) this.opts.io.wait(Math.min(ms ?? IDLE_LOOK_MS, IDLE_LOOK_MS));
    else if (ms === undefined) return false;
    else Atomics.wait(this.sleeper, 0, 0, Math.min(ms, IDLE_LOOK_MS));
    return true;
  }
}
