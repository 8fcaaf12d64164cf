// The console: uhyve's WRITE (0x400) and READ (0x500) hypercalls, limited to the
// guest's stdin, stdout and stderr, and STDIN_READY, which tells the kernel whether a
// read of stdin would wait (poll and select on fd 0; a read waits in the guest). The guest never names a host descriptor: fds 1
// and 2 go to the VMM's stdout and stderr, fd 0 comes from its stdin.
import { HcRead, HcStdinReady, HcWrite } from '../generated/abi.js';
import { GuestFault } from '../guest-memory.js';
import type { PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';

const EFAULT = 14;
const EBADF = 9;
/** Largest single read from stdin; a guest asking for more gets a short read. */
const MAX_READ = 1 << 20;

export function consoleWrite(ctx: DeviceContext): PortDevice {
  return {
    name: 'console write',
    write(_offset, address) {
      if (!ctx.mem.contains(address, HcWrite.SIZE)) return; // nowhere to put a result
      const fd = ctx.mem.readI32(address + HcWrite.fd);
      const buf = ctx.mem.readU64(address + HcWrite.buf);
      const len = ctx.mem.readI64(address + HcWrite.len);
      let result: bigint;
      if (fd !== 1 && fd !== 2) result = BigInt(-EBADF);
      else if (len < 0n || !ctx.mem.contains(buf, len)) result = BigInt(-EFAULT);
      else {
        ctx.streams.write(fd, ctx.mem.view(buf, len));
        result = len;
      }
      ctx.mem.writeI64(address + HcWrite.len, result);
    },
  };
}

export function consoleRead(ctx: DeviceContext): PortDevice {
  return {
    name: 'console read',
    write(_offset, address) {
      if (!ctx.mem.contains(address, HcRead.SIZE)) return;
      const fd = ctx.mem.readI32(address + HcRead.fd);
      const buf = ctx.mem.readU64(address + HcRead.buf);
      const len = ctx.mem.readU64(address + HcRead.len);
      let result: bigint;
      if (fd !== 0) result = BigInt(-EBADF);
      else {
        const n = len > BigInt(MAX_READ) ? BigInt(MAX_READ) : len;
        try {
          result = BigInt(ctx.streams.read(ctx.mem.view(buf, n)));
        } catch (e) {
          if (!(e instanceof GuestFault)) throw e;
          result = BigInt(-EFAULT);
        }
      }
      ctx.mem.writeI64(address + HcRead.ret, result);
    },
  };
}

export function consoleStdinReady(ctx: DeviceContext): PortDevice {
  return {
    name: 'console stdin ready',
    write(_offset, address) {
      if (!ctx.mem.contains(address, HcStdinReady.SIZE)) return;
      const ready = ctx.streams.readReady?.() ?? true;
      ctx.mem.writeU32(address + HcStdinReady.ready, ready ? 1 : 0);
    },
  };
}
