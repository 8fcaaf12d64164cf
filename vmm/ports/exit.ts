// Ending the VM: uhyve's EXIT (0x540), whose value is the status itself, and PANIC,
// which the kernel uses after printing an exception report.
import type { PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';

export function exitDevice(ctx: DeviceContext): PortDevice {
  return { name: 'exit', write: (_offset, status) => ctx.exit(status & 0xff, 'exit') };
}

export function panicDevice(ctx: DeviceContext): PortDevice {
  return { name: 'panic', write: (_offset, status) => ctx.exit(status & 0xff || 1, 'panic') };
}
