// The emulation side of the channel (see channel.ts): submits requests into
// the shared request ring and takes answers from its own lane's response ring.

import { Doorbell } from './doorbell.js';
import {
  LANE_BELL,
  LANE_OWNER,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  REQ_CLIENT,
  REQ_KEY,
  REQ_KEY_LEN,
  REQ_OP,
  REQ_VALUE,
  REQ_VALUE_LEN,
  RESP_STATUS,
  RESP_VALUE,
  RESP_VALUE_LEN,
  SERVER_BELL,
  SLOT_ID,
  STATUS,
  laneOffset,
} from './layout.js';
import { ChannelError, EMPTY, attach, isOp, requestRing, responseRing, type ChannelRequest, type ChannelResponse } from './protocol.js';
import type { SlotRing } from './slot-ring.js';

/** The emulation side: one per thread, each on its own lane. */
export class ChannelClient {
  readonly lane: number;
  /** Requests submitted and not yet answered. */
  outstanding = 0;
  readonly stats = { submitted: 0, answered: 0, fullRejections: 0, doorbellsRung: 0 };

  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly requests: SlotRing;
  private readonly responses: SlotRing;
  private readonly myBell: Doorbell;
  private readonly serverBell: Doorbell;
  private readonly ownerWord: number;
  private readonly credit: number;
  private closed = false;

  constructor(sab: SharedArrayBuffer, lane = 0) {
    const { words, layout } = attach(sab);
    if (!Number.isInteger(lane) || lane < 0 || lane >= layout.clients) {
      throw new ChannelError(`channel: lane ${lane} does not exist (the channel has ${layout.clients})`);
    }
    this.ownerWord = (laneOffset(lane) + LANE_OWNER) >> 2;
    // A lane's response ring has one consumer: refuse a second client on it.
    if (Atomics.compareExchange(words, this.ownerWord, 0, 1) !== 0) throw new ChannelError(`channel: lane ${lane} is already in use`);
    this.lane = lane;
    this.words = words;
    this.bytes = new Uint8Array(sab);
    this.requests = requestRing(words, layout);
    this.responses = responseRing(words, layout, lane);
    this.myBell = new Doorbell(words, laneOffset(lane) + LANE_BELL);
    this.serverBell = new Doorbell(words, SERVER_BELL);
    this.credit = layout.slots;
  }

  /**
   * Queues a request. Returns false, and keeps nothing, when the request ring
   * is full or this client already has `slots` requests in flight: keep the
   * request, poll responses, waitForSpace, and try again. Throws ChannelError
   * on a malformed request (check guest-supplied lengths before calling).
   */
  trySubmit(request: ChannelRequest): boolean {
    const value = request.value ?? EMPTY;
    checkRequest(request, value);
    if (this.closed) throw new ChannelError('channel: client is closed');
    if (this.outstanding >= this.credit) {
      this.stats.fullRejections++;
      return false;
    }
    const slot = this.requests.beginWrite();
    if (slot === -1) {
      this.stats.fullRejections++;
      return false;
    }
    // Nothing below can throw (all checked above), so the slot is always published.
    const w = this.words;
    w[(slot + SLOT_ID) >> 2] = request.id | 0;
    w[(slot + REQ_CLIENT) >> 2] = this.lane;
    w[(slot + REQ_OP) >> 2] = request.op;
    w[(slot + REQ_KEY_LEN) >> 2] = request.key.length;
    w[(slot + REQ_VALUE_LEN) >> 2] = value.length;
    this.bytes.set(request.key, slot + REQ_KEY);
    this.bytes.set(value, slot + REQ_VALUE);
    this.requests.endWrite(slot);
    this.outstanding++;
    this.stats.submitted++;
    if (this.serverBell.ringIfWaiting()) this.stats.doorbellsRung++;
    return true;
  }

  /** Hands every response that has arrived to `onResponse` (in arrival order); returns how many. */
  pollResponses(onResponse: (response: ChannelResponse) => void): number {
    let count = 0;
    for (let slot = this.responses.beginRead(); slot !== -1; slot = this.responses.beginRead()) {
      const response = this.readResponse(slot);
      // Release the slot before the callback, so a throwing callback cannot wedge the ring.
      if (this.responses.endRead()) {
        this.serverBell.ring();
        this.stats.doorbellsRung++;
      }
      if (this.outstanding > 0) this.outstanding--;
      this.stats.answered++;
      count++;
      onResponse(response);
    }
    return count;
  }

  /** Blocks (the emulation thread, which may block) until a response is ready to poll; false on timeout. */
  waitForResponse(timeoutMs: number): boolean {
    return this.myBell.waitSync(() => this.responses.hasReady(), timeoutMs);
  }

  /**
   * Blocks until trySubmit may succeed, or until a response is ready to poll
   * (which is how a client that used all its credit gets it back); false on timeout.
   */
  waitForSpace(timeoutMs: number): boolean {
    const ready = (): boolean => this.responses.hasReady() || (this.outstanding < this.credit && this.requests.hasFree());
    return this.myBell.waitSync(ready, timeoutMs, () => this.requests.askForSpace());
  }

  /** Gives the lane back so another client may use it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.words, this.ownerWord, 0);
  }

  private readResponse(slot: number): ChannelResponse {
    const w = this.words;
    const id = w[(slot + SLOT_ID) >> 2] >>> 0;
    const status = w[(slot + RESP_STATUS) >> 2];
    const valueLen = w[(slot + RESP_VALUE_LEN) >> 2] >>> 0;
    if (valueLen > MAX_VALUE_BYTES) return { id, status: STATUS.BAD_RESPONSE, value: EMPTY };
    const start = slot + RESP_VALUE;
    return { id, status, value: this.bytes.slice(start, start + valueLen) };
  }
}

function checkRequest(request: ChannelRequest, value: Uint8Array): void {
  if (!Number.isInteger(request.id) || request.id < 0 || request.id > 0xffffffff) {
    throw new ChannelError(`channel: request id ${request.id} is not a u32`);
  }
  if (!isOp(request.op)) throw new ChannelError(`channel: unknown op ${request.op}`);
  if (!(request.key instanceof Uint8Array) || request.key.length > MAX_KEY_BYTES) {
    throw new ChannelError(`channel: key of ${request.key?.length} bytes (at most ${MAX_KEY_BYTES})`);
  }
  if (!(value instanceof Uint8Array) || value.length > MAX_VALUE_BYTES) {
    throw new ChannelError(`channel: value of ${value?.length} bytes (at most ${MAX_VALUE_BYTES})`);
  }
}
