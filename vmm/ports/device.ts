// What a device on the port bus may touch: guest memory (through the checked
// accessor), the host streams it was given, and a way to end the VM. Devices know
// nothing of vCPUs or of the emulation loop.
import type { GuestMemory } from '../guest-memory.js';

export interface HostStreams {
  /** Writes all of `bytes` to the host stream for guest fd 1 or 2. */
  write(fd: 1 | 2, bytes: Uint8Array): void;
  /** Reads up to `into.length` bytes of the host's stdin; 0 at end of input. */
  read(into: Uint8Array): number;
  /**
   * Whether read() would return at once (input waiting, end of input, an error),
   * without waiting. Streams without it count as always ready.
   */
  readReady?(): boolean;
}

export interface DeviceContext {
  mem: GuestMemory;
  streams: HostStreams;
  /** Ends the VM with `status` once the current instruction completes. */
  exit(status: number, reason: 'exit' | 'panic'): void;
}
