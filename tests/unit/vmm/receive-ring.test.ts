// The receive rings' bookkeeping (vmm/ports/receive-ring.ts) over guest memory, with
// a socket that holds a queue of bytes: what moves into a ring, in order across its
// wrap; what a takeBack returns; and what a guest that lies in its NetState gets.
import { describe, expect, it } from 'vitest';
import { NetState } from '../../../vmm/generated/abi.js';
import { GuestMemory } from '../../../vmm/guest-memory.js';
import { ReceiveRings, type RingSource } from '../../../vmm/ports/receive-ring.js';

const STATE = 0x1000;
const RING = 0x2000;
const SIZE = 256;

/** One socket's received bytes, as the socket table keeps them. */
class Queue implements RingSource {
  bytes: number[] = [];
  acked = 0;
  host = true;
  ringable(): boolean {
    return this.host;
  }
  pending(): number {
    return this.bytes.length;
  }
  takeForRing(_h: number, n: number): Uint8Array {
    return Uint8Array.from(this.bytes.splice(0, n));
  }
  ringConsumed(_h: number, n: number): void {
    this.acked += n;
  }
  unread(_h: number, bytes: Uint8Array): void {
    this.bytes.unshift(...bytes);
  }
}

function setUp(ring = RING, size = SIZE) {
  const mem = new GuestMemory(new SharedArrayBuffer(0x10000));
  mem.writeU64(STATE + NetState.rx_ring, BigInt(ring));
  mem.writeU32(STATE + NetState.rx_size, size);
  const queue = new Queue();
  const rings = new ReceiveRings(mem, queue);
  rings.adopt(1, STATE);
  return { mem, queue, rings };
}

/** What the kernel's net_ring_recv does: takes up to n bytes from the ring. */
function guestTakes(mem: GuestMemory, n: number): number[] {
  const prod = mem.readU32(STATE + NetState.rx_prod);
  let cons = mem.readU32(STATE + NetState.rx_cons);
  const out: number[] = [];
  while (out.length < n && cons !== prod) {
    out.push(mem.readU8(RING + (cons & (SIZE - 1))));
    cons = (cons + 1) >>> 0;
  }
  mem.writeU32(STATE + NetState.rx_cons, cons);
  return out;
}

const run = (from: number, n: number) => Array.from({ length: n }, (_, i) => (from + i) % 251);

describe('the receive rings', () => {
  it('move received bytes in as far as there is room, and keep their order across the wrap', () => {
    const { mem, queue, rings } = setUp();
    queue.bytes = run(0, 1000);
    expect(rings.fill(1)).toBe(true);
    expect(rings.held(1)).toBe(SIZE);
    expect(queue.bytes.length).toBe(1000 - SIZE);
    const seen: number[] = [];
    for (const step of [100, 37, 200, 5, 256, 256, 256]) {
      seen.push(...guestTakes(mem, step));
      rings.fill(1);
    }
    seen.push(...guestTakes(mem, 1000));
    expect(seen).toEqual(run(0, 1000));
    expect(queue.acked).toBe(1000 - rings.held(1));
  });

  it('give the bytes the guest has not taken back in front of the queue, once', () => {
    const { mem, queue, rings } = setUp();
    queue.bytes = run(0, 300);
    rings.fill(1);
    expect(guestTakes(mem, 10)).toEqual(run(0, 10));
    rings.takeBack(1);
    expect(rings.held(1)).toBe(0);
    expect(queue.bytes).toEqual(run(10, 290));
    expect(queue.acked).toBe(10); // only what the guest read
    rings.takeBack(1);
    expect(queue.bytes.length).toBe(290);
  });

  it('leave streams that are not host connections alone', () => {
    const { queue, rings } = setUp();
    queue.host = false;
    queue.bytes = run(0, 10);
    expect(rings.fill(1)).toBe(false);
    expect(queue.bytes.length).toBe(10);
  });

  it('refuse a ring outside guest memory, or of a size that is not a power of two', () => {
    for (const [at, size] of [
      [0xfff0, SIZE],
      [RING, 300],
      [RING, 0],
      [0, SIZE],
    ]) {
      const { queue, rings } = setUp(at, size);
      queue.bytes = run(0, 10);
      expect(rings.fill(1)).toBe(false);
    }
  });

  it('drop the ring of a guest that moves rx_cons past what the ring holds, and go on without it', () => {
    const { mem, queue, rings } = setUp();
    queue.bytes = run(0, 100);
    rings.fill(1);
    mem.writeU32(STATE + NetState.rx_cons, 5000);
    queue.bytes.push(...run(100, 10));
    expect(rings.fill(1)).toBe(false);
    expect(rings.held(1)).toBe(0);
    expect(queue.acked).toBe(0);
    rings.takeBack(1);
    expect(queue.bytes.length).toBe(10);
  });
});
