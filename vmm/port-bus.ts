// The port I/O bus: routes the guest's IN/OUT instructions to devices.
//
// Each device claims a contiguous range of the 16-bit port space and sees
// only the offset into its own range, so it does not care where it is placed.
// Lookup is one index into a 65536-entry table. An unclaimed port behaves like
// an empty ISA bus: reads return all-ones, writes are dropped, and the VMM is
// told (through onUnclaimed) so it can warn and count; a missed access is
// never fatal, because the guest decides which ports it touches.

export type AccessSize = 1 | 2 | 4;

export interface PortDevice {
  readonly name: string;
  /** `offset` is port - base of the device's range; `value` is already masked to `size` bytes. */
  write?(offset: number, value: number, size: AccessSize): void;
  /** The result is masked to `size` bytes by the bus. */
  read?(offset: number, size: AccessSize): number;
}

export type PortBusErrorKind = 'invalid' | 'empty' | 'overflow' | 'overlap';

/** A rejected registration; `kind` says which rule it broke. */
export class PortBusError extends Error {
  readonly kind: PortBusErrorKind;
  constructor(kind: PortBusErrorKind, message: string) {
    super(message);
    this.name = 'PortBusError';
    this.kind = kind;
  }
}

export const PORT_SPACE_SIZE = 0x10000;
const NO_DEVICE = -1;
const WIDTH_MASK: Record<AccessSize, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };

interface Claim {
  base: number;
  length: number;
  device: PortDevice;
}

export class PortBus {
  /** Called once per unclaimed access (also for ports outside 0..0xFFFF). */
  onUnclaimed?: (port: number, kind: 'read' | 'write') => void;

  private readonly claims: Claim[] = [];
  /** claimOf[port] = index into `claims`, or NO_DEVICE. */
  private readonly claimOf = new Int32Array(PORT_SPACE_SIZE).fill(NO_DEVICE);

  /** Claims ports [base, base + length) for `device`. */
  register(base: number, length: number, device: PortDevice): void {
    const what = `ports for ${device.name}`;
    if (!Number.isInteger(base) || !Number.isInteger(length) || base < 0 || length < 0) {
      throw new PortBusError('invalid', `${what}: base ${base} and length ${length} must be non-negative integers`);
    }
    if (length === 0) throw new PortBusError('empty', `${what}: empty range at ${hex(base)}`);
    if (base + length > PORT_SPACE_SIZE) {
      throw new PortBusError('overflow', `${what}: range ${span(base, length)} runs past the end of the port space (0xffff)`);
    }
    for (let port = base; port < base + length; port++) {
      const holder = this.claimOf[port];
      if (holder !== NO_DEVICE) {
        const other = this.claims[holder];
        throw new PortBusError('overlap', `${what}: range ${span(base, length)} overlaps ${span(other.base, other.length)} of ${other.device.name}`);
      }
    }
    this.claims.push({ base, length, device });
    this.claimOf.fill(this.claims.length - 1, base, base + length);
  }

  /** Routes an OUT; returns false when no device claims the port. */
  write(port: number, value: number, size: AccessSize): boolean {
    const claim = this.claimAt(port);
    if (claim === undefined) {
      this.onUnclaimed?.(port, 'write');
      return false;
    }
    claim.device.write?.(port - claim.base, (value & widthMask(size)) >>> 0, size);
    return true;
  }

  /** Routes an IN; an unclaimed port (or a device without read) reads as all-ones of the width. */
  read(port: number, size: AccessSize): number {
    const mask = widthMask(size);
    const claim = this.claimAt(port);
    if (claim === undefined) {
      this.onUnclaimed?.(port, 'read');
      return mask;
    }
    const read = claim.device.read;
    if (read === undefined) return mask;
    return (read.call(claim.device, port - claim.base, size) & mask) >>> 0;
  }

  deviceAt(port: number): PortDevice | undefined {
    return this.claimAt(port)?.device;
  }

  private claimAt(port: number): Claim | undefined {
    // Ports arrive from the vCPU loop; anything that is not a valid port number is simply unclaimed.
    if (!Number.isInteger(port) || port < 0 || port >= PORT_SPACE_SIZE) return undefined;
    const index = this.claimOf[port];
    return index === NO_DEVICE ? undefined : this.claims[index];
  }
}

/** All-ones of the access width; a malformed size is treated as 4 rather than trusted. */
function widthMask(size: AccessSize): number {
  return WIDTH_MASK[size] ?? 0xffffffff;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A range as [first-last] in hex, e.g. [0x60-0x64]. */
function span(base: number, length: number): string {
  return `[${hex(base)}-${hex(base + length - 1)}]`;
}
