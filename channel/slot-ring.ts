// A bounded ring of fixed-size slots in shared memory: many producers, one consumer.
//
// Each slot has a state word that says both what the slot holds and for which
// lap of the ring: the word is (lap << 2) | state, where lap is the ring position
// the slot serves with its slot-index bits cleared (position & -slots; tail and
// head count positions forever, wrapping at 2^32; the slot index is
// position & (slots - 1)). The index is implied by which slot the word belongs
// to, so the word still names the position. Lap 0's EMPTY is 0: memory that is
// still all zeros is a ring ready at position 0, with nothing to write (a ring's
// slots are pages apart, and touching each one would make every new VMM take page
// faults for a channel most guests never use).
//
//   EMPTY   for position p: a producer whose claim is p may take the slot
//   WRITING for position p: a producer owns it and is filling it
//   READY   for position p: the consumer may read it
//   the consumer then marks it EMPTY for position p + slots (the next lap)
//
// A producer claims position p by moving tail from p to p + 1 with
// compareExchange, and only while slot p is EMPTY for p. Tagging the state
// with the position is what makes this safe: a slow producer that still holds
// an old p cannot mistake a slot that was emptied for a later lap as its own.
// (This is the bounded queue of D. Vyukov, with the states named.) The
// consumer never reads a slot before its READY store, and all state words
// are accessed with Atomics, which order the plain payload reads and writes
// around them.
//
// The ring does no waiting itself: beginWrite returns -1 when full, and the
// caller may set the space-wanted flag (askForSpace) and sleep; endRead tells
// the consumer when that flag was set so it can ring the producers' doorbells.

import { RING_HEAD, RING_SPACE_WANTED, RING_TAIL, SLOT_STATE } from './layout.js';

export const SLOT_EMPTY = 0;
export const SLOT_WRITING = 1;
export const SLOT_READY = 2;
const STATE_MASK = 3;

/** The state word of a slot serving ring position `position` in a ring of `slots` slots. */
export function slotTag(position: number, state: number, slots: number): number {
  return ((position & -slots) << 2) | state;
}

export class SlotRing {
  readonly slots: number;
  private readonly words: Int32Array;
  private readonly tail: number; // word indices
  private readonly head: number;
  private readonly spaceWanted: number;
  private readonly firstSlot: number; // byte offset
  private readonly slotSize: number;
  private readonly mask: number;

  /**
   * `words` views the whole buffer; `control` and `firstSlot` are byte offsets
   * (multiples of 4, from layout.ts); `slots` is a power of two.
   */
  constructor(words: Int32Array, control: number, firstSlot: number, slots: number, slotSize: number) {
    this.words = words;
    this.tail = (control + RING_TAIL) >> 2;
    this.head = (control + RING_HEAD) >> 2;
    this.spaceWanted = (control + RING_SPACE_WANTED) >> 2;
    this.firstSlot = firstSlot;
    this.slots = slots;
    this.slotSize = slotSize;
    this.mask = slots - 1;
  }

  /**
   * Puts a fresh ring in its initial state: every slot EMPTY for its first
   * lap. Call before sharing. `start` (default 0) lets tests begin just below
   * the 2^32 wrap of the position counters. `zeroed`: the memory is still all
   * zeros (a new SharedArrayBuffer), so state words that should be 0 are left
   * alone.
   */
  initialize(start = 0, zeroed = false): void {
    Atomics.store(this.words, this.tail, start | 0);
    Atomics.store(this.words, this.head, start | 0);
    Atomics.store(this.words, this.spaceWanted, 0);
    for (let i = 0; i < this.slots; i++) {
      const position = (start + i) | 0;
      const tag = this.tag(position, SLOT_EMPTY);
      if (tag !== 0 || !zeroed) Atomics.store(this.words, this.stateWord(position & this.mask), tag);
    }
  }

  private tag(position: number, state: number): number {
    return slotTag(position, state, this.slots);
  }

  // --- producer side (any number of threads) ---

  /**
   * Claims the next slot and marks it WRITING. Returns the slot's byte offset,
   * or -1 when the ring is full. The caller must fill the slot and then call
   * endWrite, without throwing in between: a claimed slot that is never
   * published stops the consumer at that position.
   */
  beginWrite(): number {
    for (;;) {
      const position = Atomics.load(this.words, this.tail);
      const index = position & this.mask;
      const state = Atomics.load(this.words, this.stateWord(index));
      if (state === this.tag(position, SLOT_EMPTY)) {
        if (Atomics.compareExchange(this.words, this.tail, position, (position + 1) | 0) === position) {
          Atomics.store(this.words, this.stateWord(index), this.tag(position, SLOT_WRITING));
          return this.slotOffset(index);
        }
        continue; // another producer claimed this position first
      }
      // The slot still holds an older lap (full), or another producer has just
      // claimed it and tail has moved on (try again with the new tail).
      if (Atomics.load(this.words, this.tail) === position) return -1;
    }
  }

  /** Publishes a slot returned by beginWrite: the consumer may now read it. */
  endWrite(slotOffset: number): void {
    const word = slotOffset >> 2; // SLOT_STATE is 0
    const writing = Atomics.load(this.words, word);
    Atomics.store(this.words, word, (writing & ~STATE_MASK) | SLOT_READY);
  }

  /** True when the next beginWrite would find a free slot (it may still lose the race to another producer). */
  hasFree(): boolean {
    const position = Atomics.load(this.words, this.tail);
    return Atomics.load(this.words, this.stateWord(position & this.mask)) === this.tag(position, SLOT_EMPTY);
  }

  /** Asks the consumer to report the next freed slot (see endRead). Re-check hasFree after calling, before sleeping. */
  askForSpace(): void {
    Atomics.store(this.words, this.spaceWanted, 1);
  }

  // --- consumer side (one thread) ---

  /** The byte offset of the next READY slot, or -1 when there is none. */
  beginRead(): number {
    const position = Atomics.load(this.words, this.head);
    const index = position & this.mask;
    return Atomics.load(this.words, this.stateWord(index)) === this.tag(position, SLOT_READY) ? this.slotOffset(index) : -1;
  }

  /**
   * Releases the slot returned by beginRead (copy what you need first).
   * Returns true when a producer had asked for space, so the caller should
   * ring the producers' doorbells.
   */
  endRead(): boolean {
    const position = Atomics.load(this.words, this.head);
    const index = position & this.mask;
    Atomics.store(this.words, this.stateWord(index), this.tag((position + this.slots) | 0, SLOT_EMPTY));
    Atomics.store(this.words, this.head, (position + 1) | 0);
    // A plain load first keeps the common case (nobody waiting) free of a read-modify-write.
    return Atomics.load(this.words, this.spaceWanted) !== 0 && Atomics.exchange(this.words, this.spaceWanted, 0) !== 0;
  }

  /** True when beginRead would return a slot. */
  hasReady(): boolean {
    return this.beginRead() !== -1;
  }

  /** Slots claimed but not yet released by the consumer (a snapshot). */
  used(): number {
    return (Atomics.load(this.words, this.tail) - Atomics.load(this.words, this.head)) >>> 0;
  }

  private slotOffset(index: number): number {
    return this.firstSlot + index * this.slotSize;
  }

  private stateWord(index: number): number {
    return (this.slotOffset(index) + SLOT_STATE) >> 2;
  }
}
