// The shared memory between the direct backend (vmm/net/direct-link.ts) and its write
// thread (vmm/net/write-thread.ts): a pool of slots, each holding one write for one
// host socket, and two single-producer rings of slot numbers, requests (emulation
// thread -> write thread) and results (back). A slot is in at most one ring at a time,
// so a ring of SLOTS entries never overflows. The write thread sleeps on a doorbell
// (channel/doorbell.ts) and tells the emulation thread through an eventfd in its epoll
// set when the emulation thread waits for a result (W_WANT), so neither side polls the other;
// results nobody waits for are taken at the emulation thread's next look.
import { BELL_SIZE } from '../../channel/layout.js';

/** Writes in flight at once; past this a write runs on the emulation thread. */
export const SLOTS = 256;
/** The most one slot carries (queued sends of one socket coalesce up to this). */
export const SLOT_BYTES = 32 * 1024;

// Word offsets (Int32Array indices) after the bell.
const W_BASE = BELL_SIZE >> 2;
export const W_REQ_HEAD = W_BASE; // written by the write thread
export const W_REQ_TAIL = W_BASE + 16; // written by the emulation thread (own cache line)
export const W_RES_HEAD = W_BASE + 32; // written by the emulation thread
export const W_RES_TAIL = W_BASE + 48; // written by the write thread
export const W_STOP = W_BASE + 64;
/** Raised by an idle emulation thread that needs a result to go on; the write thread takes it down as it signals. */
export const W_WANT = W_BASE + 65;
const W_REQ_RING = W_BASE + 80;
const W_RES_RING = W_REQ_RING + SLOTS;
/** Per slot: fd, length, result. */
const W_SLOT = W_RES_RING + SLOTS;
const WORDS = W_SLOT + SLOTS * 3;
const DATA = WORDS * 4;
export const SHARED_BYTES = DATA + SLOTS * SLOT_BYTES;

export class WriteRing {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer, 0, WORDS);
    this.bytes = new Uint8Array(buffer);
  }

  static create(): WriteRing {
    return new WriteRing(new SharedArrayBuffer(SHARED_BYTES));
  }

  data(slot: number, length: number): Uint8Array {
    const at = DATA + slot * SLOT_BYTES;
    return this.bytes.subarray(at, at + length);
  }

  fd(slot: number): number {
    return this.words[W_SLOT + slot * 3];
  }
  length(slot: number): number {
    return this.words[W_SLOT + slot * 3 + 1];
  }
  result(slot: number): number {
    return this.words[W_SLOT + slot * 3 + 2];
  }
  setRequest(slot: number, fd: number, length: number): void {
    this.words[W_SLOT + slot * 3] = fd;
    this.words[W_SLOT + slot * 3 + 1] = length;
  }
  setResult(slot: number, result: number): void {
    this.words[W_SLOT + slot * 3 + 2] = result;
  }

  /** Producer side of a ring (`tailWord` its own, `ringBase` the entries). */
  private push(tailWord: number, ringBase: number, slot: number): void {
    const tail = this.words[tailWord];
    this.words[ringBase + (tail % SLOTS)] = slot;
    Atomics.store(this.words, tailWord, (tail + 1) | 0);
  }

  /** Consumer side: the next slot, or -1. */
  private take(headWord: number, tailWord: number, ringBase: number): number {
    const head = this.words[headWord];
    if (head === Atomics.load(this.words, tailWord)) return -1;
    const slot = this.words[ringBase + (head % SLOTS)];
    Atomics.store(this.words, headWord, (head + 1) | 0);
    return slot;
  }

  pushRequest(slot: number): void {
    this.push(W_REQ_TAIL, W_REQ_RING, slot);
  }
  takeRequest(): number {
    return this.take(W_REQ_HEAD, W_REQ_TAIL, W_REQ_RING);
  }
  hasRequest(): boolean {
    return this.words[W_REQ_HEAD] !== Atomics.load(this.words, W_REQ_TAIL);
  }
  pushResult(slot: number): void {
    this.push(W_RES_TAIL, W_RES_RING, slot);
  }
  takeResult(): number {
    return this.take(W_RES_HEAD, W_RES_TAIL, W_RES_RING);
  }
}
