// The receive rings: each socket's NetState names a ring of guest memory (rx_ring,
// rx_size, both the kernel's) into which the network device moves the received
// bytes of a connected host stream as they arrive, so the kernel answers a plain
// recv without a VM exit (guest-src/kernel/net/socket.asm, net_ring_recv). The device writes
// rx_prod, the kernel rx_cons; both count bytes modulo 2^32.
//
// The host hears that bytes are read (its flow control) only when the guest has
// taken them from the ring: a ring is part of the socket's receive buffer. A call the
// kernel sends on to the device (MSG_PEEK, an empty ring, a close) first has the
// ring's bytes put back in front of the socket's queue (takeBack), so every byte is
// read once and in order. Streams inside the guest (AF_UNIX, a guest connected to
// itself) have no ring: their writer's room must grow with every read, which a read
// the device does not see could not give. The ring's place and size are read once, when the socket
// is adopted, and checked against guest memory; a guest that later moves rx_cons
// past what the ring holds loses its ring (its bytes stay in the queue, and every
// recv asks the device).
import { NetState } from '../generated/abi.js';
import type { GuestMemory } from '../guest-memory.js';

/** The socket table's side of the rings (NetStack in net.ts). */
export interface RingSource {
  ringable(h: number): boolean;
  pending(h: number): number;
  takeForRing(h: number, n: number): Uint8Array;
  ringConsumed(h: number, n: number): void;
  unread(h: number, bytes: Uint8Array): void;
}

interface Ring {
  /** The socket's NetState block. */
  state: number;
  at: number;
  size: number;
  /** Bytes put in (what the device last wrote to rx_prod). */
  prod: number;
  /** Bytes taken, as last seen in rx_cons. */
  cons: number;
}

const RING_MIN = 256;
const RING_MAX = 1 << 20;

export class ReceiveRings {
  private readonly rings = new Map<number, Ring>();
  /** Set while a fill runs: a change it causes elsewhere does not start another. */
  private filling = false;

  constructor(
    private readonly mem: GuestMemory,
    private readonly source: RingSource,
  ) {}

  /** Takes the ring the socket's NetState block names, if it is a sound one. */
  adopt(h: number, state: number): void {
    const at = this.mem.readU64Number(state + NetState.rx_ring);
    const size = this.mem.readU32(state + NetState.rx_size);
    const sound = at !== 0 && size >= RING_MIN && size <= RING_MAX && (size & (size - 1)) === 0 && this.mem.contains(at, size);
    if (!sound) return;
    this.mem.writeU32(state + NetState.rx_prod, 0);
    this.mem.writeU32(state + NetState.rx_cons, 0);
    this.rings.set(h, { state, at, size, prod: 0, cons: 0 });
  }

  forget(h: number): void {
    this.rings.delete(h);
  }

  /** Bytes in the socket's ring that the guest has not taken. */
  held(h: number): number {
    const ring = this.rings.get(h);
    if (!ring || !this.sync(h, ring)) return 0;
    return (ring.prod - ring.cons) >>> 0;
  }

  /** Moves what the socket has received into its ring, as far as there is room; true if any moved. */
  fill(h: number): boolean {
    const ring = this.rings.get(h);
    if (!ring || this.filling || !this.sync(h, ring)) return false;
    if (!this.source.ringable(h)) return false;
    const room = ring.size - ((ring.prod - ring.cons) >>> 0);
    const n = Math.min(room, this.source.pending(h));
    if (n <= 0) return false;
    this.filling = true;
    let bytes: Uint8Array;
    try {
      bytes = this.source.takeForRing(h, n);
    } finally {
      this.filling = false;
    }
    const offset = ring.prod & (ring.size - 1);
    const first = Math.min(n, ring.size - offset);
    this.mem.copyIn(ring.at + offset, bytes.subarray(0, first));
    if (first < n) this.mem.copyIn(ring.at, bytes.subarray(first, n));
    ring.prod = (ring.prod + n) >>> 0;
    this.mem.writeU32(ring.state + NetState.rx_prod, ring.prod);
    return true;
  }

  /** Puts the bytes the guest has not taken back in front of the socket's queue, and empties the ring. */
  takeBack(h: number): void {
    const ring = this.rings.get(h);
    if (!ring || !this.sync(h, ring)) return;
    const n = (ring.prod - ring.cons) >>> 0;
    if (n === 0) return;
    const offset = ring.cons & (ring.size - 1);
    const first = Math.min(n, ring.size - offset);
    const bytes = new Uint8Array(n);
    bytes.set(this.mem.view(ring.at + offset, first));
    if (first < n) bytes.set(this.mem.view(ring.at, n - first), first);
    ring.cons = ring.prod;
    this.mem.writeU32(ring.state + NetState.rx_cons, ring.cons);
    this.source.unread(h, bytes);
  }

  /** Catches up with what the guest took (telling the socket table); false if the ring was dropped. */
  private sync(h: number, ring: Ring): boolean {
    const cons = this.mem.readU32(ring.state + NetState.rx_cons);
    const taken = (cons - ring.cons) >>> 0;
    if (taken === 0) return true;
    if (taken > (ring.prod - ring.cons) >>> 0) {
      this.rings.delete(h); // the guest moved rx_cons past the bytes put in
      return false;
    }
    ring.cons = cons;
    this.source.ringConsumed(h, taken);
    return true;
  }
}
