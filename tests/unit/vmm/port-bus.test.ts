import { describe, expect, it } from 'vitest';
import { PortBus, PortBusError, type AccessSize, type PortDevice } from '../../../vmm/port-bus.js';

interface Access {
  kind: 'read' | 'write';
  offset: number;
  value?: number;
  size: AccessSize;
}

/** A device that records every access and reads back `readValue`. */
function recorder(name: string, readValue = 0): PortDevice & { log: Access[] } {
  const log: Access[] = [];
  return {
    name,
    log,
    write(offset, value, size) {
      log.push({ kind: 'write', offset, value, size });
    },
    read(offset, size) {
      log.push({ kind: 'read', offset, size });
      return readValue;
    },
  };
}

function registerError(bus: PortBus, base: number, length: number, name = 'uart'): PortBusError {
  try {
    bus.register(base, length, { name });
  } catch (e) {
    expect(e).toBeInstanceOf(PortBusError);
    return e as PortBusError;
  }
  throw new Error('expected a PortBusError');
}

describe('PortBus.register', () => {
  it('refuses an empty range', () => {
    const e = registerError(new PortBus(), 0x3f8, 0);
    expect(e.kind).toBe('empty');
    expect(e.message).toBe('ports for uart: empty range at 0x3f8');
  });

  it('refuses negative and non-integer bases and lengths', () => {
    for (const [base, length] of [
      [-1, 1],
      [0, -1],
      [1.5, 1],
      [0, 2.5],
      [NaN, 1],
      [0, Infinity],
    ]) {
      expect(registerError(new PortBus(), base, length).kind).toBe('invalid');
    }
  });

  it('refuses a range that runs past 0xFFFF, and accepts one that ends exactly there', () => {
    const bus = new PortBus();
    const e = registerError(bus, 0xffff, 2);
    expect(e.kind).toBe('overflow');
    expect(e.message).toBe('ports for uart: range [0xffff-0x10000] runs past the end of the port space (0xffff)');
    expect(registerError(bus, 0x10000, 1).kind).toBe('overflow');
    expect(registerError(bus, 0, 0x10001).kind).toBe('overflow');
    bus.register(0xffff, 1, { name: 'last' });
    expect(bus.deviceAt(0xffff)?.name).toBe('last');
  });

  it('refuses overlap, naming both devices', () => {
    const bus = new PortBus();
    bus.register(0x60, 4, { name: 'kbd' });
    const e = registerError(bus, 0x62, 8, 'pit');
    expect(e.kind).toBe('overlap');
    expect(e.message).toBe('ports for pit: range [0x62-0x69] overlaps [0x60-0x63] of kbd');
    expect(registerError(bus, 0x50, 0x11, 'pit').kind).toBe('overlap'); // ends on the first port of kbd
    expect(registerError(bus, 0x63, 1, 'pit').kind).toBe('overlap'); // starts on the last port of kbd
    expect(registerError(bus, 0x00, 0x1000, 'pit').kind).toBe('overlap'); // covers kbd entirely
  });

  it('leaves the bus unchanged after a refused registration', () => {
    const bus = new PortBus();
    bus.register(0x60, 4, { name: 'kbd' });
    registerError(bus, 0x5e, 4, 'pit');
    expect(bus.deviceAt(0x5e)).toBeUndefined();
    expect(bus.deviceAt(0x5f)).toBeUndefined();
  });

  it('allows adjacent ranges', () => {
    const bus = new PortBus();
    bus.register(0x60, 4, { name: 'a' });
    bus.register(0x64, 4, { name: 'b' });
    bus.register(0x5c, 4, { name: 'c' });
    expect([0x5b, 0x5c, 0x5f, 0x60, 0x63, 0x64, 0x67, 0x68].map((p) => bus.deviceAt(p)?.name)).toEqual([undefined, 'c', 'c', 'a', 'a', 'b', 'b', undefined]);
  });

  it('can fill the whole port space', () => {
    const bus = new PortBus();
    bus.register(0, 0x10000, { name: 'everything' });
    expect(bus.deviceAt(0)?.name).toBe('everything');
    expect(bus.deviceAt(0xffff)?.name).toBe('everything');
  });
});

describe('PortBus routing', () => {
  it('passes the offset into the device range, the value and the size', () => {
    const bus = new PortBus();
    const uart = recorder('uart', 0x41);
    bus.register(0x3f8, 8, uart);
    expect(bus.write(0x3f8, 0x68, 1)).toBe(true);
    expect(bus.write(0x3fd, 0x1234, 2)).toBe(true);
    expect(bus.read(0x3ff, 1)).toBe(0x41);
    expect(uart.log).toEqual([
      { kind: 'write', offset: 0, value: 0x68, size: 1 },
      { kind: 'write', offset: 5, value: 0x1234, size: 2 },
      { kind: 'read', offset: 7, size: 1 },
    ]);
  });

  it('masks written values to the access width and delivers 32-bit values unsigned', () => {
    const bus = new PortBus();
    const dev = recorder('dev');
    bus.register(0x500, 4, dev);
    bus.write(0x500, 0x1ff, 1);
    bus.write(0x500, 0x12345, 2);
    bus.write(0x500, -1, 4);
    bus.write(0x500, 0x1_0000_0001, 4);
    expect(dev.log.map((a) => a.value)).toEqual([0xff, 0x2345, 0xffffffff, 1]);
  });

  it('masks read results to the access width', () => {
    const bus = new PortBus();
    bus.register(0x500, 4, recorder('dev', -1));
    expect(bus.read(0x500, 1)).toBe(0xff);
    expect(bus.read(0x500, 2)).toBe(0xffff);
    expect(bus.read(0x500, 4)).toBe(0xffffffff);
  });

  it('reads all-ones of the width from an unclaimed port and drops writes', () => {
    const bus = new PortBus();
    expect(bus.read(0x80, 1)).toBe(0xff);
    expect(bus.read(0x80, 2)).toBe(0xffff);
    expect(bus.read(0x80, 4)).toBe(0xffffffff);
    expect(bus.write(0x80, 1, 1)).toBe(false);
  });

  it('reports each unclaimed access with its kind', () => {
    const bus = new PortBus();
    const seen: Array<[number, string]> = [];
    bus.onUnclaimed = (port, kind) => seen.push([port, kind]);
    bus.register(0x3f8, 8, recorder('uart'));
    bus.read(0x3f7, 1);
    bus.write(0x400, 0, 4);
    bus.write(0x3f8, 0, 1); // claimed: not reported
    expect(seen).toEqual([
      [0x3f7, 'read'],
      [0x400, 'write'],
    ]);
  });

  it('treats malformed port numbers as unclaimed instead of failing', () => {
    const bus = new PortBus();
    const seen: number[] = [];
    bus.onUnclaimed = (port) => seen.push(port);
    bus.register(0, 0x10000, recorder('everything', 7));
    for (const port of [-1, 0x10000, 2 ** 32, 1.5, NaN]) {
      expect(bus.read(port, 1)).toBe(0xff);
      expect(bus.write(port, 0, 1)).toBe(false);
      expect(bus.deviceAt(port)).toBeUndefined();
    }
    expect(seen).toHaveLength(10);
  });

  it('handles devices that implement only one direction', () => {
    const bus = new PortBus();
    const written: number[] = [];
    bus.register(0x10, 1, { name: 'write-only', write: (_o, v) => written.push(v) });
    bus.register(0x11, 1, { name: 'read-only', read: () => 0x5a });
    const unclaimed: number[] = [];
    bus.onUnclaimed = (port) => unclaimed.push(port);
    expect(bus.read(0x10, 1)).toBe(0xff);
    expect(bus.write(0x10, 3, 1)).toBe(true);
    expect(bus.read(0x11, 1)).toBe(0x5a);
    expect(bus.write(0x11, 3, 1)).toBe(true);
    expect(written).toEqual([3]);
    expect(unclaimed).toEqual([]);
  });

  it('calls device methods with the device as `this`', () => {
    const bus = new PortBus();
    class Latch implements PortDevice {
      readonly name = 'latch';
      private value = 0;
      write(_offset: number, value: number): void {
        this.value = value;
      }
      read(): number {
        return this.value;
      }
    }
    bus.register(0x70, 2, new Latch());
    bus.write(0x71, 0x33, 1);
    expect(bus.read(0x70, 1)).toBe(0x33);
  });
});
