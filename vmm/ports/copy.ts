// COPY: the guest kernel asks the VMM to move bytes within guest RAM. Under emulation
// every guest memory access goes through the engine and is slow; a host memmove
// over the same SharedArrayBuffer is not (native-memory.ts; figures in
// docs/history.md). Both ranges
// are checked first. The vCPU's OUT hook does the same in machine code
// (engine/copy-fast-path.ts) and leaves this device the traced runs, UNIKV_COPY_HOOK=js,
// and blocks that lie outside RAM; the two must answer alike
// (tests/vmm/copy-fast-path.test.ts, tests/files).
import { HcCopy } from '../generated/abi.js';
import type { PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';

const EFAULT = 14;

export function copyDevice(ctx: DeviceContext): PortDevice {
  const { mem } = ctx;
  return {
    name: 'copy',
    write(_offset, address) {
      if (!mem.contains(address, HcCopy.SIZE)) return;
      // Numbers, not bigints: this is the file system's hot path (every block read
      // or written). Values of 2^53 or more fail the range checks.
      const dst = mem.readU64Number(address + HcCopy.dst);
      const src = mem.readU64Number(address + HcCopy.src);
      const len = mem.readU64Number(address + HcCopy.len);
      if (!mem.contains(dst, len) || !mem.contains(src, len)) {
        mem.writeI64(address + HcCopy.ret, BigInt(-EFAULT));
        return;
      }
      mem.move(dst, src, len);
      mem.writeU64Number(address + HcCopy.ret, 0);
    },
  };
}
