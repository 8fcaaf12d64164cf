// The slice and preemption policy (vmm/cpu/slice-policy.ts) on its own: slice plans,
// the preemption tick, and what the vCPU asks at its exits, against guest memory only.
import { describe, expect, it } from 'vitest';
import { SlicePolicy, VcpuSlice, freshSliceState, CHECK_EVERY, type SliceState } from '../../../vmm/cpu/slice-policy.js';
import { GuestMemory } from '../../../vmm/guest-memory.js';
import { BootInfo, MEM, MISC, PORT } from '../../../vmm/generated/abi.js';

const READY = MEM.BOOT_INFO_ADDR + BootInfo.ready_tasks;
const TICK = BigInt(MISC.TICK_NS);

const memory = () => new GuestMemory(new SharedArrayBuffer(0x10000));
const slot = (over: Partial<SliceState> = {}): SliceState => ({ state: 'running', deadline: 0n, booted: true, ...freshSliceState(), ...over });

describe('the slice policy (loop side)', () => {
  it('runs a lone thread uncounted until its tick, and does not deliver that tick', () => {
    const policy = new SlicePolicy(memory());
    const s = slot();
    policy.plan(s, [s], 1000n);
    expect(policy.instructions).toBe(0);
    expect(policy.end).toBe(1000n + TICK);
    expect(policy.charge(s, TICK)).toBe(false);
    expect(s.nextTickNs).toBe(2n * TICK);
  });

  it('counts, in 2 ms slices, while another booted vCPU runs, and delivers the tick', () => {
    const policy = new SlicePolicy(memory());
    const a = slot(),
      b = slot();
    policy.plan(a, [a, b], 0n);
    expect(policy.instructions).toBeGreaterThan(0);
    expect(policy.end).toBe(2_000_000n);
    expect(policy.charge(a, TICK)).toBe(true);
  });

  it('does not count for a processor that is still booting', () => {
    const policy = new SlicePolicy(memory());
    const a = slot(),
      b = slot({ booted: false });
    policy.plan(a, [a, b], 0n);
    expect(policy.instructions).toBe(0);
  });

  it('counts while a thread waits, a timer is armed, I/O is out or an interrupt was just delivered beside other vCPUs; stays counted for a while', () => {
    const mem = memory();
    mem.writeU64(READY, 1n);
    const policy = new SlicePolicy(mem);
    const s = slot();
    policy.plan(s, [s], 0n);
    expect(policy.instructions).toBeGreaterThan(0);
    mem.writeU64(READY, 0n);
    policy.plan(s, [s], 1_000_000n); // quiet now, but within the hold
    expect(policy.instructions).toBeGreaterThan(0);
    policy.plan(s, [s], 200_000_000n); // the hold is over
    expect(policy.instructions).toBe(0);

    const timed = slot({ deadline: 500_000n });
    policy.plan(timed, [timed], 0n);
    expect(policy.end).toBe(500_000n); // back in time for the deadline
    expect(policy.instructions).toBeGreaterThan(0);

    const busy = new SlicePolicy(memory(), { busy: () => true });
    const io = slot();
    busy.plan(io, [io], 0n);
    expect(busy.instructions).toBeGreaterThan(0);

    // An interrupt counts where its handler may have woken a thread onto another, halted vCPU.
    const interrupted = slot({ interrupted: true });
    const other = slot({ state: 'halted' });
    policy.plan(interrupted, [interrupted, other], 0n);
    expect(policy.instructions).toBeGreaterThan(0);
    expect(interrupted.interrupted).toBe(false);
  });

  it('does not count after an interrupt on a lone vCPU (a switch that leaves threads waiting ends the slice itself)', () => {
    const policy = new SlicePolicy(memory());
    const lone = slot({ interrupted: true });
    policy.plan(lone, [lone], 0n);
    expect(policy.instructions).toBe(0);
    expect(lone.interrupted).toBe(false);
  });

  it('never plans a slice shorter than the minimum', () => {
    const policy = new SlicePolicy(memory());
    const s = slot({ deadline: 10n });
    policy.plan(s, [s], 5n);
    expect(policy.end).toBe(5n + 20_000n);
  });
});

describe('the slice policy (vCPU side)', () => {
  it('asks for switch announcements only in an uncounted slice', () => {
    const mem = memory();
    const slice = new VcpuSlice(mem);
    slice.begin(0n, false);
    expect(mem.readU64(MEM.BOOT_INFO_ADDR + BootInfo.switch_exit)).toBe(1n);
    slice.begin(0n, true);
    expect(mem.readU64(MEM.BOOT_INFO_ADDR + BootInfo.switch_exit)).toBe(0n);
  });

  it("preempts at a system call past the slice's end, or in an uncounted slice while a thread waits", () => {
    const mem = memory();
    const slice = new VcpuSlice(mem);
    const far = process.hrtime.bigint() + 10_000_000_000n;
    slice.begin(far, false);
    expect(slice.preemptAtSyscall()).toBe(false);
    mem.writeU64(READY, 2n);
    expect(slice.preemptAtSyscall()).toBe(true);
    slice.begin(far, true);
    expect(slice.preemptAtSyscall()).toBe(false); // a counted slice ends by itself
    slice.endAtNextSyscall();
    expect(slice.preemptAtSyscall()).toBe(true);
  });

  it('ends the slice at PREEMPT (resume at the entry) and SWITCH (resume where the kernel says), at no other port', () => {
    const slice = new VcpuSlice(memory());
    expect(slice.resumeAfterPort(PORT.PREEMPT, 0, 0x1234n)).toBe(0x1234n);
    expect(slice.resumeAfterPort(PORT.SWITCH, 0x5678, 0x1234n)).toBe(0x5678n);
    expect(slice.resumeAfterPort(PORT.COPY, 0x5678, 0x1234n)).toBeUndefined();
  });

  it('tells a counted run that ran out of instructions from one that halted in the idle loop', () => {
    const mem = memory();
    mem.writeU64(MEM.BOOT_INFO_ADDR + BootInfo.idle_resume, 0x18_1000n);
    const slice = new VcpuSlice(mem);
    expect(slice.ranOutAt(0x18_1000n)).toBe(false);
    expect(slice.ranOutAt(0x40_1000n)).toBe(true);
    expect(CHECK_EVERY).toBe(64);
  });
});
