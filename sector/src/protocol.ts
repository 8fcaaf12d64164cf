// The sector service's wire format: the contents of a ring slot and the layout of the
// segment each client shares with the service. Changing anything here changes the
// protocol: bump SEG_VERSION.
import { RING_HEADER_BYTES, type RingShape } from './ring/ring.js';

export const SECTOR_SIZE = 512;

/** Every client ring: 64 slots, each large enough for a response carrying one sector. */
export const RING_SHAPE: RingShape = { slots: 64, slotSize: 576 };

/** A client thread has one request outstanding, so a ring serves at most this many threads. */
export const MAX_THREADS = RING_SHAPE.slots;

// Operations.
export const OP_READ = 1; // data = the sector's 512 bytes
export const OP_GEOMETRY = 2; // data = first sector, last sector, sector size

// Response status.
export const STATUS_OK = 0;
export const STATUS_BAD_OP = -1;
export const STATUS_BAD_SECTOR = -2;
export const STATUS_IO_ERROR = -3;

// A request in a slot (little-endian).
export const REQ_ID = 0; //        u32  echoed in the response
export const REQ_OP = 4; //        u32  OP_*
export const REQ_SECTOR_LO = 8; // u32  sector number, low half
export const REQ_SECTOR_HI = 12; // u32 sector number, high half

// A response in a slot.
export const RSP_ID = 0; //        u32  the request's id
export const RSP_STATUS = 4; //    i32  STATUS_*
export const RSP_DATA = 8; //      512 bytes

// The data of a geometry response.
export const GEO_FIRST = 0; //     u64  first sector
export const GEO_LAST = 8; //      u64  last sector
export const GEO_SECTOR_SIZE = 16; // u32

if (RSP_DATA + SECTOR_SIZE > RING_SHAPE.slotSize) throw new Error('slot too small for a sector');

// The segment a client creates and the service maps:
//
//   byte 0     control line: magic, version, slots, slot size (written by the client)
//   byte 64    waiter table: MAX_THREADS entries of one cache line (waiters.ts), the
//              per-thread doorbells through which responses wake their threads
//   byte 4160  the ring (header + slots)
export const SEG_MAGIC = 0x53524e47; // 'SRNG'
export const SEG_VERSION = 2;
export const SEG_CTL_MAGIC = 0;
export const SEG_CTL_VERSION = 4;
export const SEG_CTL_SLOTS = 8;
export const SEG_CTL_SLOT_SIZE = 12;
export const SEG_WAITERS = 64;
export const WAITER_BYTES = 64;
export const SEG_RING = SEG_WAITERS + MAX_THREADS * WAITER_BYTES;
export const SEG_BYTES = SEG_RING + RING_HEADER_BYTES + RING_SHAPE.slots * RING_SHAPE.slotSize;

/** The low bits of a request id name the thread waiting for it (its waiter entry). */
export const WAITER_BITS = Math.log2(MAX_THREADS);
export const WAITER_MASK = MAX_THREADS - 1;

const TWO_32 = 2 ** 32;

export function writeRequest(dv: DataView, off: number, id: number, op: number, sector: number): void {
  dv.setUint32(off + REQ_ID, id, true);
  dv.setUint32(off + REQ_OP, op, true);
  dv.setUint32(off + REQ_SECTOR_LO, sector % TWO_32, true);
  dv.setUint32(off + REQ_SECTOR_HI, Math.floor(sector / TWO_32), true);
}

/** Reads a u64 stored as two u32 halves; exact below 2^53, which bounds every sector number here. */
export function readU64(dv: DataView, off: number): number {
  return dv.getUint32(off + 4, true) * TWO_32 + dv.getUint32(off, true);
}

export function writeU64(dv: DataView, off: number, value: number): void {
  dv.setUint32(off, value % TWO_32, true);
  dv.setUint32(off + 4, Math.floor(value / TWO_32), true);
}
