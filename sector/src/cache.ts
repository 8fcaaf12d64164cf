// The service's sector cache: CLOCK (second chance), bounded to 1% of the image.
//
// Why CLOCK: a hit only sets a bit, with no list to relink as LRU needs, and eviction
// is a short sweep of a circular hand; it approximates LRU well. For the exercise's
// uniformly random reads no policy can beat a hit ratio of about capacity / image
// (1%), so the cheapest sound policy wins. New entries start with the bit clear: a
// sector earns its second chance only by being read again, so one-off reads are
// evicted first.
//
// Entries live in one preallocated buffer of capacity x 512 bytes: the bound is
// structural, and bytesUsed never exceeds limitBytes.
import { SECTOR_SIZE } from './protocol.js';

/** The cache may hold at most this fraction of the image. */
export const CACHE_FRACTION = 0.01;

export function cacheCapacity(imageBytes: number): number {
  return Math.floor((imageBytes * CACHE_FRACTION) / SECTOR_SIZE);
}

export class ClockCache {
  hits = 0;
  misses = 0;
  private readonly index = new Map<number, number>(); // sector -> entry
  private readonly keys: Float64Array; // entry -> sector
  private readonly referenced: Uint8Array;
  private readonly data: Uint8Array;
  private used = 0;
  private hand = 0;

  constructor(readonly capacity: number) {
    this.keys = new Float64Array(capacity);
    this.referenced = new Uint8Array(capacity);
    this.data = new Uint8Array(capacity * SECTOR_SIZE);
  }

  get limitBytes(): number {
    return this.capacity * SECTOR_SIZE;
  }

  get bytesUsed(): number {
    return this.used * SECTOR_SIZE;
  }

  get entries(): number {
    return this.used;
  }

  /** On a hit, copies the sector into dst at dstOffset and returns true. */
  lookup(sector: number, dst: Uint8Array, dstOffset: number): boolean {
    const entry = this.index.get(sector);
    if (entry === undefined) {
      this.misses++;
      return false;
    }
    this.hits++;
    this.referenced[entry] = 1;
    const at = entry * SECTOR_SIZE;
    dst.set(this.data.subarray(at, at + SECTOR_SIZE), dstOffset);
    return true;
  }

  /** Stores a sector read from disk, evicting by CLOCK when full. */
  insert(sector: number, src: Uint8Array, srcOffset: number): void {
    if (this.capacity === 0 || this.index.has(sector)) return;
    let entry: number;
    if (this.used < this.capacity) {
      entry = this.used++;
    } else {
      while (this.referenced[this.hand] === 1) {
        this.referenced[this.hand] = 0;
        this.hand = (this.hand + 1) % this.capacity;
      }
      entry = this.hand;
      this.hand = (this.hand + 1) % this.capacity;
      this.index.delete(this.keys[entry]);
    }
    this.keys[entry] = sector;
    this.referenced[entry] = 0;
    this.index.set(sector, entry);
    this.data.set(src.subarray(srcOffset, srcOffset + SECTOR_SIZE), entry * SECTOR_SIZE);
  }

  hitRatio(): number {
    const total = this.hits + this.misses;
    return total === 0 ? 0 : this.hits / total;
  }
}
