// FILL: the guest kernel asks the VMM to set a range of guest RAM to one byte value
// (clearing pages and file holes). A host memset is far cheaper than emulated stores
// (native-memory.ts).
import { HcFill } from '../generated/abi.js';
import type { PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';

const EFAULT = 14;

export function fillDevice(ctx: DeviceContext): PortDevice {
  const { mem } = ctx;
  return {
    name: 'fill',
    write(_offset, address) {
      if (!mem.contains(address, HcFill.SIZE)) return;
      const dst = mem.readU64Number(address + HcFill.dst); // numbers: see copy.ts
      const len = mem.readU64Number(address + HcFill.len);
      if (!mem.contains(dst, len)) {
        mem.writeI64(address + HcFill.ret, BigInt(-EFAULT));
        return;
      }
      mem.fill(dst, len, mem.readU32(address + HcFill.value) & 0xff);
      mem.writeU64Number(address + HcFill.ret, 0);
    },
  };
}
