// Host clocks for the guest: CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds.
import { HcClock } from '../generated/abi.js';
import type { PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';

/** Wall-clock nanoseconds with sub-millisecond resolution (Date.now() has only ms). */
export function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

export function clockDevice(ctx: DeviceContext): PortDevice {
  return {
    name: 'clock',
    write(_offset, address) {
      if (!ctx.mem.contains(address, HcClock.SIZE)) return;
      ctx.mem.writeU64(address + HcClock.monotonic_ns, process.hrtime.bigint());
      ctx.mem.writeU64(address + HcClock.realtime_ns, realtimeNs());
    },
  };
}
