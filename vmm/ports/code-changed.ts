// CODE_CHANGED: the guest kernel says that code in a range may have been rewritten
// (mprotect adding PROT_EXEC, what a JIT does before running what it wrote). The
// engine does not watch stores into translated code here (vmm/engine/libunicorn-fixes.ts),
// so every vCPU must drop its translations of the range.
import { HcCodeRange } from '../generated/abi.js';
import type { PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';

export interface TranslationCache {
  /** Drops every vCPU's translations of guest code in [start, end). */
  invalidate(start: bigint, end: bigint): void;
}

export function codeChangedDevice(ctx: DeviceContext, cache: TranslationCache): PortDevice {
  const { mem } = ctx;
  return {
    name: 'code-changed',
    write(_offset, address) {
      if (!mem.contains(address, HcCodeRange.SIZE)) return;
      const named = mem.readU64(address + HcCodeRange.start);
      const len = mem.readU64(address + HcCodeRange.len);
      const ram = BigInt(mem.size);
      // No code lives below the devices' floor (page 0 and the boot area) or above RAM:
      // the range is cut to what lies between.
      const floor = BigInt(mem.floor);
      const end = named + len > ram ? ram : named + len;
      const start = named < floor ? floor : named;
      if (len === 0n || start >= end) return;
      cache.invalidate(start, end);
    },
  };
}
