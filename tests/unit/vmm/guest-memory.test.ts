import { describe, expect, it } from 'vitest';
import { GuestFault, GuestMemory } from '../../../vmm/guest-memory.js';

const SIZE = 4096;

function ram(size = SIZE): GuestMemory {
  return new GuestMemory(new SharedArrayBuffer(size));
}

function fault(fn: () => unknown): GuestFault {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GuestFault);
    return e as GuestFault;
  }
  throw new Error('expected a GuestFault');
}

describe('GuestMemory.contains: range edges', () => {
  const mem = ram();
  const cases: Array<[string, number | bigint, number | bigint, boolean]> = [
    ['first byte', 0, 1, true],
    ['whole RAM', 0, SIZE, true],
    ['whole RAM + 1', 0, SIZE + 1, false],
    ['last byte', SIZE - 1, 1, true],
    ['last byte, len 2', SIZE - 1, 2, false],
    ['empty range at the end', SIZE, 0, true],
    ['empty range past the end', SIZE + 1, 0, false],
    ['empty range at 0', 0, 0, true],
    ['last byte (bigint)', BigInt(SIZE - 1), 1n, true],
    ['last byte, len 2 (bigint)', BigInt(SIZE - 1), 2n, false],
    ['mixed number addr, bigint len', SIZE - 8, 8n, true],
    ['mixed bigint addr, number len', BigInt(SIZE - 8), 9, false],
    ['addr 2^64-1, len 1 (wraps to 0)', 2n ** 64n - 1n, 1n, false],
    ['addr 1, len 2^64-1 (wraps to 0)', 1n, 2n ** 64n - 1n, false],
    ['addr 2^64-1, len 2^64-1', 2n ** 64n - 1n, 2n ** 64n - 1n, false],
    ['huge bigint address', 2n ** 200n, 0n, false],
    ['huge bigint length', 0n, 2n ** 200n, false],
    ['negative number address', -1, 1, false],
    ['negative number length', 0, -1, false],
    ['negative bigint address', -1n, 1n, false],
    ['negative bigint length', 16n, -8n, false],
    ['NaN address', NaN, 1, false],
    ['NaN length', 0, NaN, false],
    ['Infinity length', 0, Infinity, false],
    ['-Infinity address', -Infinity, 0, false],
    ['fractional address', 1.5, 1, false],
    ['fractional length', 0, 0.5, false],
    ['unsafe number address (2^53)', 2 ** 53, 0, false],
    ['unsafe number address (2^53 + 2)', 2 ** 53 + 2, 1, false],
    ['max safe integer length', 0, Number.MAX_SAFE_INTEGER, false],
    ['negative addr whose sum with len is in range', -10, 20, false],
  ];
  for (const [name, addr, len, expected] of cases) {
    it(`${name}: [${String(addr)}, +${String(len)}) -> ${expected}`, () => {
      expect(mem.contains(addr, len)).toBe(expected);
    });
  }
});

describe('GuestMemory accessors fault exactly when contains() is false', () => {
  const mem = ram();

  it('view at the last byte works, len 2 faults', () => {
    mem.bytes[SIZE - 1] = 0xab;
    expect(Array.from(mem.view(SIZE - 1, 1))).toEqual([0xab]);
    const f = fault(() => mem.view(SIZE - 1, 2));
    expect(f.address).toBe(BigInt(SIZE - 1));
    expect(f.length).toBe(2n);
    expect(f.message).toMatch(/outside guest RAM/);
  });

  it('view of length 0 at the end is empty, one past the end faults', () => {
    expect(mem.view(SIZE, 0).length).toBe(0);
    expect(mem.view(BigInt(SIZE), 0n).length).toBe(0);
    fault(() => mem.view(SIZE + 1, 0));
  });

  it('an overflowing 64-bit range faults and reports the raw values', () => {
    const f = fault(() => mem.view(2n ** 64n - 1n, 1n));
    expect(f.address).toBe(2n ** 64n - 1n);
    expect(f.length).toBe(1n);
    expect(f.message).toContain('0xffffffffffffffff');
  });

  it('NaN and fractional inputs fault and are reported as -1n', () => {
    const f = fault(() => mem.readU8(NaN));
    expect(f.address).toBe(-1n);
    expect(f.message).toContain('NaN');
    expect(fault(() => mem.view(0, 1.5)).length).toBe(-1n);
  });

  it('negative inputs fault', () => {
    expect(fault(() => mem.readU32(-4)).address).toBe(-4n);
    fault(() => mem.readU64(-1n));
    fault(() => mem.copyOut(0, -1));
  });

  it('every scalar read/write faults one byte past its last valid address', () => {
    const widths: Array<[number, (a: number | bigint) => unknown, (a: number | bigint) => void]> = [
      [1, (a) => mem.readU8(a), (a) => mem.writeU8(a, 1)],
      [2, (a) => mem.readU16(a), (a) => mem.writeU16(a, 1)],
      [4, (a) => mem.readU32(a), (a) => mem.writeU32(a, 1)],
      [4, (a) => mem.readI32(a), (a) => mem.writeI32(a, 1)],
      [8, (a) => mem.readU64(a), (a) => mem.writeU64(a, 1n)],
      [8, (a) => mem.readI64(a), (a) => mem.writeI64(a, 1n)],
    ];
    for (const [width, read, write] of widths) {
      const last = SIZE - width;
      expect(() => read(last)).not.toThrow();
      expect(() => write(BigInt(last))).not.toThrow();
      fault(() => read(last + 1));
      fault(() => write(BigInt(last + 1)));
      fault(() => read(2n ** 64n - 1n));
    }
  });

  it('copyIn checks the whole destination range and writes nothing on a fault', () => {
    const m = ram();
    fault(() => m.copyIn(SIZE - 2, new Uint8Array([1, 2, 3])));
    expect(m.bytes.every((b) => b === 0)).toBe(true);
    m.copyIn(SIZE - 3, new Uint8Array([1, 2, 3]));
    expect(Array.from(m.bytes.subarray(SIZE - 3))).toEqual([1, 2, 3]);
    m.copyIn(SIZE, new Uint8Array(0));
  });
});

describe('GuestMemory data access', () => {
  it('round-trips u64 values, including all-ones and the sign bit, at unaligned addresses', () => {
    const mem = ram();
    for (const v of [0n, 1n, 0x0123456789abcdefn, 2n ** 63n, 2n ** 64n - 1n]) {
      mem.writeU64(3n, v);
      expect(mem.readU64(3)).toBe(v);
    }
    mem.writeU64(SIZE - 8, 0x1122334455667788n);
    expect(Array.from(mem.bytes.subarray(SIZE - 8))).toEqual([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
  });

  it('is little-endian and truncates values to the width', () => {
    const mem = ram();
    mem.writeU32(1, 0xdeadbeef);
    expect(Array.from(mem.bytes.subarray(1, 5))).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(mem.readU16(1)).toBe(0xbeef);
    expect(mem.readU8(4)).toBe(0xde);
    mem.writeU8(0, 0x1ff);
    expect(mem.readU8(0)).toBe(0xff);
    mem.writeU16(0, 0x12345);
    expect(mem.readU16(0)).toBe(0x2345);
  });

  it('reads signed values', () => {
    const mem = ram();
    mem.writeI32(8, -2);
    expect(mem.readI32(8)).toBe(-2);
    expect(mem.readU32(8)).toBe(0xfffffffe);
    mem.writeI64(16, -5n);
    expect(mem.readI64(16)).toBe(-5n);
    expect(mem.readU64(16)).toBe(2n ** 64n - 5n);
    mem.writeU64(24, 2n ** 64n - 1n);
    expect(mem.readI64(24)).toBe(-1n);
  });

  it('view shares memory with RAM, copyOut does not', () => {
    const mem = ram();
    mem.copyIn(100n, new Uint8Array([1, 2, 3, 4]));
    const live = mem.view(100n, 4n);
    const copy = mem.copyOut(100, 4);
    mem.writeU8(101, 9);
    expect(live[1]).toBe(9);
    expect(copy[1]).toBe(2);
  });

  it('sees writes made through another view of the same SharedArrayBuffer', () => {
    const sab = new SharedArrayBuffer(64);
    const mem = new GuestMemory(sab);
    new Uint8Array(sab)[10] = 42;
    expect(mem.readU8(10)).toBe(42);
    expect(mem.size).toBe(64);
    expect(mem.bytes.buffer).toBe(sab);
  });
});

describe('GuestMemory.readCString', () => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();

  function withString(text: string, at: number, size = SIZE): GuestMemory {
    const mem = ram(size);
    mem.copyIn(at, enc.encode(text));
    return mem;
  }

  it('returns the bytes before the NUL, as a copy', () => {
    const mem = withString('hello\0', 10);
    const s = mem.readCString(10n, 100);
    expect(dec.decode(s)).toBe('hello');
    mem.writeU8(10, 0x48);
    expect(dec.decode(s)).toBe('hello');
  });

  it('accepts a string of exactly maxLen bytes and rejects one byte more', () => {
    const mem = withString('abcd\0', 0);
    expect(dec.decode(mem.readCString(0, 4))).toBe('abcd');
    const f = fault(() => mem.readCString(0, 3));
    expect(f.message).toMatch(/no NUL within 4 bytes/);
  });

  it('reads the empty string', () => {
    expect(ram().readCString(0, 0).length).toBe(0);
  });

  it('accepts a NUL in the very last byte of RAM', () => {
    const mem = withString('end\0', SIZE - 4);
    expect(dec.decode(mem.readCString(SIZE - 4, 1000))).toBe('end');
    expect(mem.readCString(SIZE - 1, 0).length).toBe(0);
  });

  it('faults when the string runs into the end of RAM without a NUL', () => {
    const mem = withString('tail', SIZE - 4);
    const f = fault(() => mem.readCString(SIZE - 4, 1000));
    expect(f.message).toMatch(/no NUL before the end of guest RAM/);
    expect(f.address).toBe(BigInt(SIZE - 4));
  });

  it('faults on an address at or past the end of RAM and on overflowing addresses', () => {
    const mem = ram();
    fault(() => mem.readCString(SIZE, 10));
    fault(() => mem.readCString(SIZE + 1, 10));
    fault(() => mem.readCString(2n ** 64n - 1n, 10));
    fault(() => mem.readCString(-1, 10));
  });

  it('does not scan past maxLen + 1 bytes (a NUL further on is not found)', () => {
    const mem = ram();
    mem.bytes.fill(0x41, 0, 100);
    expect(() => mem.readCString(0, 50)).toThrow(GuestFault);
    expect(mem.readCString(0, 100).length).toBe(100);
  });

  it('rejects a malformed maxLen from the VMM', () => {
    expect(() => ram().readCString(0, -1)).toThrow(RangeError);
    expect(() => ram().readCString(0, 1.5)).toThrow(RangeError);
  });
});

describe('GuestMemory.move and fill (memmove and memset of the host C library)', () => {
  const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

  for (const len of [100, 3000, 20000]) {
    // below and above the size that goes to memmove
    it(`moves ${len} bytes, overlapping forwards and backwards`, () => {
      const big = new GuestMemory(new SharedArrayBuffer(1 << 16));
      const data = pattern(len);
      big.copyIn(1000, data);
      big.move(1000 + 17, 1000, len); // forwards, overlapping
      expect(big.copyOut(1017, len)).toEqual(data);
      big.move(1000, 1017, len); // backwards, overlapping
      expect(big.copyOut(1000, len)).toEqual(data);
      big.move(40000, 1000, len); // apart
      expect(big.copyOut(40000, len)).toEqual(data);
    });
  }

  it('fills exactly the range, with the low byte of the value', () => {
    const big = new GuestMemory(new SharedArrayBuffer(1 << 16));
    big.bytes.fill(1);
    big.fill(4096, 5000, 0x1ab);
    expect(big.bytes[4095]).toBe(1);
    expect(big.bytes.subarray(4096, 9096).every((b) => b === 0xab)).toBe(true);
    expect(big.bytes[9096]).toBe(1);
  });

  it('refuses ranges outside RAM before touching anything', () => {
    const big = new GuestMemory(new SharedArrayBuffer(1 << 16));
    expect(() => big.move(0, (1 << 16) - 10, 11)).toThrow(GuestFault);
    expect(() => big.move((1 << 16) - 10, 0, 11)).toThrow(GuestFault);
    expect(() => big.fill(1n << 63n, 1, 0)).toThrow(GuestFault);
    expect(() => big.fill(0, (1 << 16) + 1, 0)).toThrow(GuestFault);
    expect(big.bytes.every((b) => b === 0)).toBe(true);
  });
});

describe('GuestMemory u64 values as numbers (hot hypercalls)', () => {
  it('reads exactly below 2^53 and at least 2^53 above, which no range accepts', () => {
    const mem = ram();
    mem.writeU64(8, 0x1f_ffff_ffff_ffffn); // 2^53 - 1
    expect(mem.readU64Number(8)).toBe(2 ** 53 - 1);
    mem.writeU64(8, 0xffff_ffff_ffff_ffffn);
    expect(mem.readU64Number(8)).toBeGreaterThanOrEqual(2 ** 53);
    expect(mem.contains(mem.readU64Number(8), 1)).toBe(false);
    expect(mem.contains(0, mem.readU64Number(8))).toBe(false);
    mem.writeU64(8, 0x1_0000_0001n);
    expect(mem.readU64Number(8)).toBe(2 ** 32 + 1);
  });

  it('writes safe integers, refuses anything else, and faults like the other accessors', () => {
    const mem = ram();
    mem.writeU64Number(16, 2 ** 40 + 7);
    expect(mem.readU64(16)).toBe(2n ** 40n + 7n);
    expect(() => mem.writeU64Number(16, -1)).toThrow(RangeError);
    expect(() => mem.writeU64Number(16, 2 ** 53)).toThrow(RangeError);
    expect(() => mem.writeU64Number(16, 1.5)).toThrow(RangeError);
    fault(() => mem.writeU64Number(SIZE - 4, 0));
    fault(() => mem.readU64Number(SIZE - 4));
  });
});
