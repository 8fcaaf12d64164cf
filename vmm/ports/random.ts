// getrandom's source: the host's cryptographic generator, written straight into
// guest memory.
import { randomFillSync } from 'node:crypto';
import { HcRandom } from '../generated/abi.js';
import type { PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';

const EFAULT = 14;
/** Linux caps one getrandom call at 32 MiB - 1; callers loop for more. */
const MAX_RANDOM = (1 << 25) - 1;

export function randomDevice(ctx: DeviceContext): PortDevice {
  return {
    name: 'random',
    write(_offset, address) {
      if (!ctx.mem.contains(address, HcRandom.SIZE)) return;
      const buf = ctx.mem.readU64(address + HcRandom.buf);
      let len = ctx.mem.readU64(address + HcRandom.len);
      if (len > BigInt(MAX_RANDOM)) len = BigInt(MAX_RANDOM);
      let result = len;
      if (!ctx.mem.contains(buf, len)) result = BigInt(-EFAULT);
      else randomFillSync(ctx.mem.view(buf, len));
      ctx.mem.writeI64(address + HcRandom.ret, result);
    },
  };
}
