// Guest RAM: the one bounds- and overflow-checked accessor.
//
// RAM is a SharedArrayBuffer mapped at guest-physical 0, and the guest runs
// identity mapped, so a guest virtual address is an offset into the buffer.
// Every address and length the guest hands us (64-bit registers arrive as
// bigint, 32-bit port values as number) goes through `rangeStart` before any
// byte is touched. The check never adds two untrusted values, so it cannot
// overflow: it compares each value against the RAM size on its own, then
// compares `addr` against `size - len`.

import { fillBytes, moveBytes } from './native-memory.js';

/** A guest access outside RAM (or with a malformed address or length). */
export class GuestFault extends Error {
  /** The faulting address; -1n when the value was not an integer at all (NaN, 1.5). */
  readonly address: bigint;
  /** The faulting length; -1n when the value was not an integer at all. */
  readonly length: bigint;

  constructor(address: number | bigint, length: number | bigint, size: number, why = 'lies outside guest RAM') {
    super(`guest memory fault: [${describe(address)}, +${describe(length)}) ${why} (${size} bytes)`);
    this.name = 'GuestFault';
    this.address = toReportedBigInt(address);
    this.length = toReportedBigInt(length);
  }
}

/** Marks an invalid index in the private checks below (RAM offsets are never negative). */
const INVALID = -1;

export class GuestMemory {
  /** Guest-physical memory in bytes: every address below this is backed. */
  readonly size: number;
  /** The whole of RAM, for the VMM's own trusted setup code; never index it with guest values. */
  readonly bytes: Uint8Array;
  private readonly data: DataView;
  private readonly sizeBig: bigint;

  /**
   * The RAM the guest was given (--mem); `size` is the guest-physical address space
   * behind it, which also holds the kernel's reservation area (see
   * guest-src/kernel/mm/reserve.asm). Both start at guest-physical 0.
   */
  readonly ramSize: number;

  /**
   * Addresses below this are refused (devices see the VMM's boot area this way: the
   * kernel never hands it to one, so a block there is a hostile program's). 0 for the
   * VMM's own view.
   */
  readonly floor: number;

  /** Over all of `memory` (a SharedArrayBuffer, or a view into one); `ramSize` defaults to all of it. */
  constructor(memory: SharedArrayBuffer | Uint8Array, ramSize?: number, floor = 0) {
    this.floor = floor;
    this.bytes = memory instanceof Uint8Array ? memory : new Uint8Array(memory);
    this.size = this.bytes.byteLength;
    this.sizeBig = BigInt(this.size);
    this.ramSize = ramSize ?? this.size;
    this.data = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.size);
  }

  /** True when [addr, addr+len) lies inside RAM; false on negative, non-integer, unsafe or overflowing input. */
  contains(addr: number | bigint, len: number | bigint): boolean {
    return this.rangeStart(addr, len) !== INVALID;
  }

  /** The same memory, refusing every address below `floor` (what devices get). */
  above(floor: number): GuestMemory {
    return new GuestMemory(this.bytes, this.ramSize, floor);
  }

  /** A live view of guest bytes (no copy): the guest may change them while you look. */
  view(addr: number | bigint, len: number | bigint): Uint8Array {
    const start = this.checked(addr, len);
    return this.bytes.subarray(start, start + Number(len));
  }

  /** Copies `len` bytes from `src` to `dst` within RAM (memmove: the ranges may overlap). */
  move(dst: number | bigint, src: number | bigint, len: number | bigint): void {
    const to = this.checked(dst, len);
    const from = this.checked(src, len);
    moveBytes(this.bytes, to, from, Number(len));
  }

  /** Sets `len` bytes at `dst` to `value` (its low byte). */
  fill(dst: number | bigint, len: number | bigint, value: number): void {
    fillBytes(this.bytes, this.checked(dst, len), Number(len), value);
  }

  /** A private copy of guest bytes: use it for anything that must not change after validation. */
  copyOut(addr: number | bigint, len: number | bigint): Uint8Array {
    const start = this.checked(addr, len);
    return this.bytes.slice(start, start + Number(len));
  }

  copyIn(addr: number | bigint, data: Uint8Array): void {
    const start = this.checked(addr, data.length);
    this.bytes.set(data, start);
  }

  // Scalar accessors: little-endian (x86), unaligned allowed.

  readU8(addr: number | bigint): number {
    return this.data.getUint8(this.checked(addr, 1));
  }
  readU16(addr: number | bigint): number {
    return this.data.getUint16(this.checked(addr, 2), true);
  }
  readU32(addr: number | bigint): number {
    return this.data.getUint32(this.checked(addr, 4), true);
  }
  readI32(addr: number | bigint): number {
    return this.data.getInt32(this.checked(addr, 4), true);
  }
  readU64(addr: number | bigint): bigint {
    return this.data.getBigUint64(this.checked(addr, 8), true);
  }
  readI64(addr: number | bigint): bigint {
    return this.data.getBigInt64(this.checked(addr, 8), true);
  }
  /**
   * A u64 as a number, without making a bigint (for hot hypercalls). Exact below
   * 2^53; anything larger comes out at least 2^53, which no range check accepts.
   */
  readU64Number(addr: number | bigint): number {
    const at = this.checked(addr, 8);
    return this.data.getUint32(at + 4, true) * 0x1_0000_0000 + this.data.getUint32(at, true);
  }

  // Writes truncate the value to the width, as the hardware would.

  writeU8(addr: number | bigint, value: number): void {
    this.data.setUint8(this.checked(addr, 1), value);
  }
  writeU16(addr: number | bigint, value: number): void {
    this.data.setUint16(this.checked(addr, 2), value, true);
  }
  writeU32(addr: number | bigint, value: number): void {
    this.data.setUint32(this.checked(addr, 4), value, true);
  }
  writeI32(addr: number | bigint, value: number): void {
    this.data.setInt32(this.checked(addr, 4), value, true);
  }
  writeU64(addr: number | bigint, value: bigint): void {
    this.data.setBigUint64(this.checked(addr, 8), value, true);
  }
  writeI64(addr: number | bigint, value: bigint): void {
    this.data.setBigInt64(this.checked(addr, 8), value, true);
  }
  /** Writes a u64 given as a safe non-negative integer number (no bigint on the way). */
  writeU64Number(addr: number | bigint, value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`writeU64Number: ${value} is not a safe unsigned integer`);
    const at = this.checked(addr, 8);
    this.data.setUint32(at, value % 0x1_0000_0000, true);
    this.data.setUint32(at + 4, Math.floor(value / 0x1_0000_0000), true);
  }

  /**
   * A copy of the bytes of a NUL-terminated guest string, without the NUL.
   * The NUL must appear within maxLen + 1 bytes (a string of exactly maxLen
   * bytes is accepted) and inside RAM; otherwise GuestFault.
   */
  readCString(addr: number | bigint, maxLen: number): Uint8Array {
    if (!Number.isSafeInteger(maxLen) || maxLen < 0) {
      throw new RangeError(`readCString: maxLen must be a non-negative safe integer, got ${maxLen}`);
    }
    const start = this.checked(addr, 0);
    if (start === this.size) throw new GuestFault(addr, 1, this.size);
    // Scan no further than the string limit or the end of RAM, whichever comes
    // first, so a guest cannot make us search all of RAM.
    const scanEnd = Math.min(this.size, start + maxLen + 1);
    const found = this.bytes.subarray(start, scanEnd).indexOf(0);
    if (found === -1) {
      const why = scanEnd - start <= maxLen ? 'has no NUL before the end of guest RAM' : `has no NUL within ${maxLen + 1} bytes`;
      throw new GuestFault(addr, scanEnd - start, this.size, why);
    }
    const nul = start + found;
    return this.bytes.slice(start, nul);
  }

  /** The RAM offset of a checked range, or throws GuestFault. */
  private checked(addr: number | bigint, len: number | bigint): number {
    const start = this.rangeStart(addr, len);
    if (start === INVALID) throw new GuestFault(addr, len, this.size);
    return start;
  }

  /** The RAM offset where [addr, addr+len) starts, or INVALID. */
  private rangeStart(addr: number | bigint, len: number | bigint): number {
    const start = this.index(addr);
    const length = this.index(len);
    if (start === INVALID || length === INVALID || start < this.floor) return INVALID;
    // Both are now integers in [0, size]; subtracting cannot overflow.
    return start <= this.size - length ? start : INVALID;
  }

  /** An untrusted value as an integer in [0, size], or INVALID. */
  private index(value: number | bigint): number {
    if (typeof value === 'bigint') {
      return value >= 0n && value <= this.sizeBig ? Number(value) : INVALID;
    }
    return Number.isSafeInteger(value) && value >= 0 && value <= this.size ? value : INVALID;
  }
}

function describe(value: number | bigint): string {
  if (typeof value === 'bigint') return value >= 0n ? `0x${value.toString(16)}` : value.toString();
  return Number.isSafeInteger(value) && value >= 0 ? `0x${value.toString(16)}` : String(value);
}

function toReportedBigInt(value: number | bigint): bigint {
  if (typeof value === 'bigint') return value;
  return Number.isInteger(value) ? BigInt(value) : -1n;
}
