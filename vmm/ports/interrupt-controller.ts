// The interrupt-controller ports of the paravirtual machine: each vCPU's one-shot
// timer (TIMER) and inter-processor interrupts (IPI).
// The devices only record requests; the vCPU loop turns them into interrupts.
import { HcTimer } from '../generated/abi.js';
import type { PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';

export interface InterruptController {
  /** The vCPU whose instruction is being handled. */
  currentCpu(): number;
  /** Arms (deadline > 0) or disarms a vCPU's one-shot timer; CLOCK_MONOTONIC ns. */
  setTimer(cpu: number, deadlineNs: bigint): void;
  /** Raises the IPI vector on `cpu` (ignored for a CPU that does not exist). */
  sendIpi(cpu: number): void;
}

export function timerDevice(ctx: DeviceContext, irq: InterruptController): PortDevice {
  return {
    name: 'timer',
    write(_offset, address) {
      if (!ctx.mem.contains(address, HcTimer.SIZE)) return;
      irq.setTimer(irq.currentCpu(), ctx.mem.readU64(address + HcTimer.deadline_ns));
    },
  };
}

export function ipiDevice(irq: InterruptController): PortDevice {
  return { name: 'ipi', write: (_offset, cpu) => irq.sendIpi(cpu) };
}
