// The shared ring of Xen's io/ring.h, rebuilt for JavaScript.
//
// One region of shared memory holds four free-running 32-bit indices and a power-of-two
// array of slots; a slot holds a request until the back end overwrites it with a
// response. Each side also keeps private indices the peer never sees.
//
//   byte 0    +----------+-----------+----------+-----------+-----------------+
//             | req_prod | req_event | rsp_prod | rsp_event | pad to 64 bytes |
//   byte 64   +----------+-----------+----------+-----------+-----------------+
//             | slot 0      a request, later overwritten by a response       |
//             | slot 1                                                       |
//             | ...         slot of index i = i & (slots - 1)                |
//             | slot N-1                                                     |
//             +--------------------------------------------------------------+
//
//   front end (private): req_prod_pvt, rsp_cons     back end: rsp_prod_pvt, req_cons
//
// Rules, as in Xen:
// - Responses carry the request's id and go into the next response slot, so they may
//   complete out of order. At most `slots` requests are outstanding.
// - A producer publishes its index with a full barrier, then notifies only if the
//   peer's event index lies among the entries just published (push-and-check-notify).
// - A consumer that finds nothing arms its event index at cons + 1, issues a full
//   barrier, and looks once more before sleeping (the final check), which closes the
//   lost-wake-up race.
// - The peer may be hostile: every index read from shared memory is checked before use
//   (RingError), and callers copy a slot's fields out before validating or using them.
//
// The module knows nothing about what slots contain or how notifications travel: push
// and the final checks return booleans, and the caller rings its doorbell.
//
// Barriers: V8 compiles Atomics.exchange to a locked xchg, a full barrier on x86-64,
// and never moves ordinary DataView stores across it, so "fill the slot, then exchange
// the producer index" is the write-barrier-then-publish that the protocol needs.

export const RING_HEADER_BYTES = 64;
const REQ_PROD = 0;
const REQ_EVENT = 1;
const RSP_PROD = 2;
const RSP_EVENT = 3;

/** Words of private state per ring end; pass a SharedArrayBuffer-backed array to share an end among threads. */
export const PRIVATE_WORDS = 4;
const PVT_PROD = 0; // front: req_prod_pvt   back: rsp_prod_pvt
const PVT_CONS = 1; // front: rsp_cons       back: req_cons
const PVT_PUSHED = 2; // the producer index last published (kept privately: the peer could rewrite the shared copy)

export interface RingShape {
  /** Number of slots: a power of two. */
  readonly slots: number;
  /** Bytes per slot: a multiple of 8, large enough for a request and for a response. */
  readonly slotSize: number;
}

/** A peer broke the protocol (an index moved backwards or too far); stop using the ring. */
export class RingError extends Error {}

export function ringBytes(shape: RingShape): number {
  return RING_HEADER_BYTES + shape.slots * shape.slotSize;
}

function checkShape(shape: RingShape): void {
  const { slots, slotSize } = shape;
  if (!Number.isInteger(slots) || slots < 1 || slots > 1 << 20 || (slots & (slots - 1)) !== 0)
    throw new RangeError(`ring slots must be a power of two, got ${slots}`);
  if (!Number.isInteger(slotSize) || slotSize < 8 || slotSize % 8 !== 0)
    throw new RangeError(`ring slot size must be a positive multiple of 8, got ${slotSize}`);
}

abstract class RingEnd {
  readonly slots: number;
  readonly slotSize: number;
  /** Views over the whole buffer: slot offsets below are absolute offsets into it. */
  readonly dv: DataView;
  readonly u8: Uint8Array;
  protected readonly hdr: Int32Array;
  protected readonly pvt: Int32Array;
  private readonly mask: number;
  private readonly base: number;

  constructor(buffer: ArrayBuffer, byteOffset: number, shape: RingShape, pvt?: Int32Array) {
    checkShape(shape);
    if (byteOffset % 64 !== 0) throw new RangeError('a ring must start on a cache line');
    if (byteOffset + ringBytes(shape) > buffer.byteLength) throw new RangeError('ring does not fit in its buffer');
    if (pvt !== undefined && pvt.length < PRIVATE_WORDS) throw new RangeError('private index array too short');
    this.slots = shape.slots;
    this.slotSize = shape.slotSize;
    this.mask = shape.slots - 1;
    this.base = byteOffset + RING_HEADER_BYTES;
    this.dv = new DataView(buffer);
    this.u8 = new Uint8Array(buffer);
    this.hdr = new Int32Array(buffer, byteOffset, 4);
    this.pvt = pvt ?? new Int32Array(PRIVATE_WORDS);
  }

  /** Byte offset (into the buffer) of the slot for free-running index i. */
  slotOffset(i: number): number {
    return this.base + (i & this.mask) * this.slotSize;
  }

  protected get prodPvt(): number {
    return Atomics.load(this.pvt, PVT_PROD) >>> 0;
  }

  protected get consPvt(): number {
    return Atomics.load(this.pvt, PVT_CONS) >>> 0;
  }

  /** Publish our private producer index at `prodIdx`; true if the peer asked to be told. */
  protected push(prodIdx: number, eventIdx: number): boolean {
    const next = this.prodPvt;
    const old = Atomics.exchange(this.pvt, PVT_PUSHED, next) >>> 0;
    Atomics.exchange(this.hdr, prodIdx, next); // full barrier: slots first, then the index, then read the event
    const event = Atomics.load(this.hdr, eventIdx) >>> 0;
    return (next - event) >>> 0 < (next - old) >>> 0;
  }

  /** Arm the event index at cons + 1 with a full barrier (the first half of a final check). */
  protected arm(eventIdx: number): void {
    Atomics.exchange(this.hdr, eventIdx, (this.consPvt + 1) >>> 0);
  }

  /** Start from the indices the shared header holds now (attaching to a live ring). */
  protected adopt(prod: number, cons: number): void {
    Atomics.store(this.pvt, PVT_PROD, prod);
    Atomics.store(this.pvt, PVT_CONS, cons);
    Atomics.store(this.pvt, PVT_PUSHED, prod);
  }
}

/** The end that produces requests and consumes responses (Xen's frontend). */
export class FrontRing extends RingEnd {
  /** SHARED_RING_INIT + FRONT_RING_INIT, optionally starting the indices at `start` (tests use it to cross 2^32). */
  init(start = 0): void {
    const s = start >>> 0;
    Atomics.store(this.hdr, REQ_PROD, s);
    Atomics.store(this.hdr, RSP_PROD, s);
    Atomics.store(this.hdr, REQ_EVENT, (s + 1) >>> 0);
    Atomics.store(this.hdr, RSP_EVENT, (s + 1) >>> 0);
    this.adopt(s, s);
  }

  /** Picks up private indices from the shared header (a second view of a ring already initialised). */
  attach(): void {
    const prod = Atomics.load(this.hdr, REQ_PROD) >>> 0;
    this.adopt(prod, prod);
  }

  get reqProdPvt(): number {
    return this.prodPvt;
  }

  get rspCons(): number {
    return this.consPvt;
  }

  /** Requests that may still be queued before `slots` are outstanding. */
  freeRequests(): number {
    return this.slots - ((this.prodPvt - this.consPvt) >>> 0);
  }

  /** Offset of the slot the next request goes into: fill it, then commitRequest(). */
  nextRequestOffset(): number {
    return this.slotOffset(this.prodPvt);
  }

  commitRequest(): void {
    if (this.freeRequests() <= 0) throw new RangeError('ring full');
    Atomics.store(this.pvt, PVT_PROD, (this.prodPvt + 1) >>> 0);
  }

  /** RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publish committed requests; true = ring the back end's doorbell. */
  pushRequests(): boolean {
    return this.push(REQ_PROD, REQ_EVENT);
  }

  /** Responses waiting to be consumed. Throws RingError if the back end's index is impossible. */
  pendingResponses(): number {
    const cons = this.consPvt;
    const ready = ((Atomics.load(this.hdr, RSP_PROD) >>> 0) - cons) >>> 0;
    if (ready > (this.prodPvt - cons) >>> 0) throw new RingError('response index out of range');
    return ready;
  }

  /** Offset of the oldest unconsumed response: copy what you need, then consumeResponse(). */
  nextResponseOffset(): number {
    return this.slotOffset(this.consPvt);
  }

  consumeResponse(): void {
    Atomics.store(this.pvt, PVT_CONS, (this.consPvt + 1) >>> 0);
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: true if there is work; false once rsp_event is armed and the ring is still empty. */
  finalCheckForResponses(): boolean {
    if (this.pendingResponses() > 0) return true;
    this.arm(RSP_EVENT);
    return this.pendingResponses() > 0;
  }
}

/** The end that consumes requests and produces responses (Xen's backend). */
export class BackRing extends RingEnd {
  /** BACK_RING_ATTACH: start where the front end's published requests begin. */
  attach(): void {
    const start = Atomics.load(this.hdr, RSP_PROD) >>> 0;
    this.adopt(start, start);
  }

  get rspProdPvt(): number {
    return this.prodPvt;
  }

  get reqCons(): number {
    return this.consPvt;
  }

  /**
   * Requests that may be consumed now. The front end's req_prod is untrusted: it may
   * not run more than `slots` ahead of our responses (RING_REQUEST_PROD_OVERFLOW) nor
   * fall behind what we already consumed. Either is a RingError. Because requests
   * consumed never exceed `slots` past rsp_prod_pvt, every consumed request has a
   * response slot waiting (RING_REQUEST_CONS_OVERFLOW cannot happen).
   */
  pendingRequests(): number {
    const rspProd = this.prodPvt;
    const ahead = ((Atomics.load(this.hdr, REQ_PROD) >>> 0) - rspProd) >>> 0;
    const taken = (this.consPvt - rspProd) >>> 0;
    if (ahead > this.slots || ahead < taken) throw new RingError('request index out of range');
    return ahead - taken;
  }

  /** Offset of the next request: copy its fields out, then consumeRequest(), then validate. */
  nextRequestOffset(): number {
    return this.slotOffset(this.consPvt);
  }

  consumeRequest(): void {
    Atomics.store(this.pvt, PVT_CONS, (this.consPvt + 1) >>> 0);
  }

  /** Responses owed: requests consumed but not yet answered. */
  owed(): number {
    return (this.consPvt - this.prodPvt) >>> 0;
  }

  /** Offset of the slot the next response goes into: fill it, then commitResponse(). */
  nextResponseOffset(): number {
    return this.slotOffset(this.prodPvt);
  }

  commitResponse(): void {
    if (this.owed() <= 0) throw new RangeError('response without a request');
    Atomics.store(this.pvt, PVT_PROD, (this.prodPvt + 1) >>> 0);
  }

  /** RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: true = ring the front end's doorbell. */
  pushResponses(): boolean {
    return this.push(RSP_PROD, RSP_EVENT);
  }

  /** RING_FINAL_CHECK_FOR_REQUESTS: true if there is work; false once req_event is armed and nothing came. */
  finalCheckForRequests(): boolean {
    if (this.pendingRequests() > 0) return true;
    this.arm(REQ_EVENT);
    return this.pendingRequests() > 0;
  }
}
