// Ending the VM: uhyve's EXIT (0x540), whose value is the status itself, and PANIC,
// which the kernel uses after printing an exception report.
import type { PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';

export function exitDevice(ctx: DeviceContext): PortDevice {
  return { name: 'exit', write: (_offset, status) => ctx.exit(status & 0xff, 'exit') };
}

/** The kernel's status when the boot info is not one it understands (macros.inc). */
const STATUS_CANNOT_START = 125;
const CANNOT_START =
  'unikv: the kernel refused to start: the boot info has the wrong magic or ABI version (kernel and VMM from different builds: run npm run build)\n';

export function panicDevice(ctx: DeviceContext): PortDevice {
  return {
    name: 'panic',
    write: (_offset, status) => {
      // That early the kernel has no console: the line is the VMM's.
      if ((status & 0xff) === STATUS_CANNOT_START) ctx.streams.write(2, new TextEncoder().encode(CANNOT_START));
      ctx.exit(status & 0xff || 1, 'panic');
    },
  };
}
