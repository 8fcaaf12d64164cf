// MT19937 with its 1999 seeding, and a model of PostMark's bookkeeping.
//
// An independent TypeScript implementation used by tests/postmark-native.test.ts
// to predict, without touching any file system, the counts that
// guest-src/app/postmark/postmark.c must report for given parameters.

const N = 624;
const M = 397;

/** Mersenne Twister, 1999 variant: seeded from a 69069 congruential sequence. */
export class MT19937 {
  private readonly state = new Uint32Array(N);
  private pos = N + 1;

  constructor(seed?: number) {
    if (seed !== undefined) this.seed(seed);
  }

  seed(seed: number): void {
    let s = seed >>> 0;
    const step = (x: number): number => (Math.imul(69069, x) + 1) >>> 0;
    for (let i = 0; i < N; i++) {
      const high = (s & 0xffff0000) >>> 0;
      s = step(s);
      this.state[i] = (high | (s >>> 16)) >>> 0;
      s = step(s);
    }
    this.pos = N;
  }

  /** Next tempered 32-bit output as a non-negative number. */
  next(): number {
    const mt = this.state;
    if (this.pos >= N) {
      if (this.pos === N + 1) this.seed(4357);
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.pos = 0;
    }
    let y = mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** PostMark's RND(x): a draw modulo x, or 0 without a draw when x <= 0. */
  rnd(x: number): number {
    return x > 0 ? this.next() % x : 0;
  }
}

export interface PostmarkParams {
  sizeLow: number;
  sizeHigh: number;
  number: number;
  transactions: number;
  seed: number;
  biasRead: number; // -1..10
  biasCreate: number; // -1..10
  subdirectories: number; // drawn per file only when > 1
  locations: number; // drawn per file only when > 1 (all weight 1 here)
}

export const POSTMARK_DEFAULTS: PostmarkParams = {
  sizeLow: 500,
  sizeHigh: 10000,
  number: 500,
  transactions: 500,
  seed: 42,
  biasRead: 5,
  biasCreate: 5,
  subdirectories: 0,
  locations: 1,
};

export interface PostmarkCounts {
  files_created: number;
  files_read: number;
  files_appended: number;
  files_deleted: number;
  bytes_read: number;
  bytes_written: number;
  transactions: number;
}

/**
 * Replays PostMark's decisions (same draws, same order) on an in-memory
 * table of file sizes and returns the counts a run would report.
 */
export function modelPostmark(p: PostmarkParams): PostmarkCounts {
  const rng = new MT19937(p.seed);
  const c: PostmarkCounts = {
    files_created: 0,
    files_read: 0,
    files_appended: 0,
    files_deleted: 0,
    bytes_read: 0,
    bytes_written: 0,
    transactions: 0,
  };
  for (let i = 0; i < 2 * p.sizeHigh; i++) rng.rnd(95); // source buffer
  const slots = 2 * p.number;
  const size = new Array<number>(slots).fill(0);
  let nextSlot = 0;

  const freeSlot = (): number => {
    if (nextSlot < slots && size[nextSlot] === 0) return nextSlot++;
    const i = size.indexOf(0);
    if (i >= 0) nextSlot = i + 1;
    return i;
  };
  const usedSlot = (): number => {
    let i: number;
    do i = rng.rnd(slots);
    while (size[i] === 0);
    return i;
  };
  const create = (): void => {
    const i = freeSlot();
    if (i < 0) return;
    if (p.locations > 1) rng.rnd(p.locations);
    if (p.subdirectories > 1) rng.rnd(p.subdirectories);
    c.files_created++;
    size[i] = p.sizeLow + rng.rnd(p.sizeHigh - p.sizeLow);
    c.bytes_written += size[i];
  };
  const remove = (i: number): void => {
    if (size[i] === 0) return;
    size[i] = 0;
    c.files_deleted++;
  };

  for (let i = 0; i < p.number; i++) create();
  let t = 0;
  for (; t < p.transactions; t++) {
    if (c.files_created === c.files_deleted) break;
    if (p.biasRead !== -1) {
      if (rng.rnd(10) < p.biasRead) {
        const f = usedSlot();
        c.files_read++;
        c.bytes_read += size[f];
      } else {
        const f = usedSlot();
        if (size[f] < p.sizeHigh) {
          const grow = rng.rnd(p.sizeHigh - size[f]) + 1;
          size[f] += grow;
          c.bytes_written += grow;
          c.files_appended++;
        }
      }
    }
    if (p.biasCreate !== -1) {
      if (rng.rnd(10) < p.biasCreate) create();
      else remove(usedSlot());
    }
  }
  c.transactions = t;
  for (let i = 0; i < slots; i++) remove(i);
  return c;
}
