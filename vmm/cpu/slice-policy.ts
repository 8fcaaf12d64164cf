// The time-slice and preemption policy: how long a vCPU runs, whether its slice ends
// by instruction count, when a system call or a kernel port ends it, and when the
// preemption tick is delivered. The VM loop plans each slice here; the vCPU asks here
// at each system call the VMM looks at and at each slice-ending port.
//
// Unicorn re-runs instructions after an asynchronous stop, so slices end only at exact
// boundaries (docs/architecture.md, "Where a slice can end"): an instruction count
// (exact but slow, so used only while something else may need the thread), a system
// call that finds the slice over (sent to the kernel's preemption stub, PORT.PREEMPT),
// the kernel's PORT.SWITCH announcement, hlt, a fault, or the guest's exit.
import { BootInfo, MEM, MISC, PORT } from '../generated/abi.js';
import type { GuestMemory } from '../guest-memory.js';

// The BootInfo fields the policy uses, all of them:
/** Guest-written: threads ready to run and waiting for a CPU. */
const READY_TASKS = MEM.BOOT_INFO_ADDR + BootInfo.ready_tasks;
/** Guest-written: the address right after the idle loop's hlt. */
const IDLE_RESUME = MEM.BOOT_INFO_ADDR + BootInfo.idle_resume;
/** VMM-written before each slice: not 0 while the kernel should announce switches on PORT.SWITCH. */
const SWITCH_EXIT = MEM.BOOT_INFO_ADDR + BootInfo.switch_exit;

/** System calls the machine-code hook handles between two looks from the VMM (history: docs/history.md). */
export const CHECK_EVERY = 64;
/** Slice length when several vCPUs are runnable. */
const SLICE_NS = 2_000_000n;
/** Shortest slice worth starting (a deadline closer than this is simply late). */
const MIN_SLICE_NS = 20_000n;
/** Run time between two preemption ticks. */
const TICK_NS = BigInt(MISC.TICK_NS);
/** Instructions in a counted slice: a few milliseconds at the engine's counting speed. */
const COUNTED_SLICE = 500_000;
/** How long a vCPU keeps counting after the last slice that needed it. */
const COUNTED_HOLD_NS = 100_000_000n;

/** One vCPU's side of its current slice: what the vCPU asks at its exits. */
export class VcpuSlice {
  /** When the slice ends (hrtime ns), checked at the system calls the VMM looks at. */
  private end = 0n;
  /** Whether the slice ends by instruction count. */
  counted = false;

  constructor(private readonly mem: GuestMemory) {}

  /** Starts a slice. Only an uncounted one asks the kernel to announce switches (one vCPU runs at a time). */
  begin(end: bigint, counted: boolean): void {
    this.end = end;
    this.counted = counted;
    this.mem.writeU64(SWITCH_EXIT, counted ? 0n : 1n);
  }

  /** Makes the next system call the VMM looks at end the slice. */
  endAtNextSyscall(): void {
    this.end = 0n;
  }

  /**
   * Whether this system call goes to the preemption stub: past the slice's end, or in
   * an uncounted slice while a thread waits for a CPU (the next slice, counted, can
   * then preempt what this call switches to).
   */
  preemptAtSyscall(): boolean {
    return process.hrtime.bigint() >= this.end || (!this.counted && this.mem.readU64(READY_TASKS) > 0n);
  }

  /** Where the vCPU resumes when an `out` to `port` ends the slice (PREEMPT: `lstar`; SWITCH: the value), else undefined. */
  resumeAfterPort(port: number, value: number, lstar: bigint): bigint | undefined {
    if (port === PORT.PREEMPT) return lstar;
    if (port === PORT.SWITCH) return BigInt(value);
    return undefined;
  }

  /** After a counted run returned by itself: true when it ran out of instructions (it is not at the idle loop's hlt). */
  ranOutAt(rip: bigint): boolean {
    return rip !== this.mem.readU64(IDLE_RESUME);
  }
}

/** What the loop keeps per vCPU for the policy. */
export interface SliceState {
  state: string;
  /** One-shot timer deadline (hrtime ns), 0 when disarmed. */
  deadline: bigint;
  /** The vCPU has halted at least once (its kernel set-up is done). */
  booted: boolean;
  /** Nanoseconds this vCPU has run, and when its next preemption tick falls due. */
  ranNs: bigint;
  nextTickNs: bigint;
  /** An interrupt was delivered since the last slice. */
  interrupted: boolean;
  /** Slices end by instruction count until this time (hrtime ns). */
  countedUntil: bigint;
}

/** The policy's part of a new slot. */
export function freshSliceState(): Pick<SliceState, 'ranNs' | 'nextTickNs' | 'interrupted' | 'countedUntil'> {
  return { ranNs: 0n, nextTickNs: TICK_NS, interrupted: false, countedUntil: 0n };
}

/** The loop's side: plans each slice and charges its time afterwards. */
export class SlicePolicy {
  /** The last plan: when the slice ends (hrtime ns) and its instruction count (0: uncounted). */
  end = 0n;
  instructions = 0;
  /** Whether nothing but this vCPU could need the thread during the last planned slice. */
  private quiet = false;

  constructor(
    private readonly mem: GuestMemory,
    private readonly io?: { busy(): boolean },
  ) {}

  /** Plans `slot`'s slice starting at `t` among `slots`. */
  plan(slot: SliceState, slots: readonly SliceState[], t: bigint): void {
    const untilTick = slot.nextTickNs - slot.ranNs;
    let runnable = 0;
    let competing = false;
    let timers = false;
    let length = untilTick;
    for (const s of slots) {
      if (s.state === 'running') {
        runnable++;
        // A processor still booting only runs kernel set-up and halts: no competitor.
        if (s !== slot && s.booted) competing = true;
      }
      if (s.deadline !== 0n) {
        timers = true;
        // Every armed deadline needs this thread back in time to deliver it.
        if (s.deadline - t < length) length = s.deadline - t;
      }
    }
    if (runnable > 1 && SLICE_NS < length) length = SLICE_NS;
    if (length < MIN_SLICE_NS) length = MIN_SLICE_NS;
    // Uncounted only when nothing could need the thread first. An interrupt just
    // delivered counts when there are other vCPUs: its handler may have woken a thread
    // onto a halted one, which runs only when this slice ends. On a lone vCPU the
    // handler either leaves no thread waiting or switches, and a switch that leaves
    // threads waiting ends an uncounted slice itself (PORT.SWITCH).
    const interrupted = slot.interrupted && slots.length > 1;
    this.quiet = !competing && this.mem.readU64(READY_TASKS) === 0n && !interrupted && !timers && !(this.io?.busy() ?? false);
    // Staying counted a while spares bursts of contention the retranslation.
    if (!this.quiet) slot.countedUntil = t + COUNTED_HOLD_NS;
    slot.interrupted = false;
    this.end = t + length;
    this.instructions = t < slot.countedUntil ? COUNTED_SLICE : 0;
  }

  /** Charges `ranNs` to `slot`; true when the preemption tick is due (only while something else may need the CPU). */
  charge(slot: SliceState, ranNs: bigint): boolean {
    slot.ranNs += ranNs;
    if (slot.ranNs < slot.nextTickNs) return false;
    slot.nextTickNs = slot.ranNs + TICK_NS;
    return !this.quiet;
  }
}
