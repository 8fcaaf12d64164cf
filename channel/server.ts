// The proxy side of the channel (see channel.ts): the single consumer of the
// request ring, which hands each request to a handler and sends each answer
// to the lane it came from as soon as the handler settles.

import { Doorbell } from './doorbell.js';
import {
  HEADER_SERVER_OWNER,
  LANE_BELL,
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
  type ChannelLayout,
} from './layout.js';
import { ChannelError, EMPTY, attach, isOp, requestRing, responseRing, type ChannelReply, type ServedRequest } from './protocol.js';
import type { SlotRing } from './slot-ring.js';

export type ChannelHandler = (request: ServedRequest) => Promise<ChannelReply> | ChannelReply;

export interface ChannelServerOptions {
  /** Malformed slots, handler failures and dropped responses; the server keeps going. */
  onError?: (error: ChannelError) => void;
}

interface PendingResponse {
  id: number;
  status: number;
  value: Uint8Array;
}

/** How long the serving loop looks for new requests before it sleeps (see newWorkWithin). */
const IDLE_SPIN_MS = 0.05;

/** The proxy side (the proxy's thread): the single consumer of requests. */
export class ChannelServer {
  readonly stats = {
    requests: 0,
    responses: 0,
    badRequests: 0,
    dropped: 0,
    handlerErrors: 0,
    doorbellsRung: 0,
    sleeps: 0,
    undelivered: 0,
  };

  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly layout: ChannelLayout;
  private readonly requests: SlotRing;
  private readonly responses: SlotRing[] = [];
  private readonly clientBells: Doorbell[] = [];
  private readonly bell: Doorbell;
  /** Responses that found their lane's ring full, per lane, oldest first. */
  private readonly pending: PendingResponse[][] = [];
  private readonly inflight = new Set<Promise<void>>();
  private readonly onError: (error: ChannelError) => void;
  private running: Promise<void> | undefined;
  private stopping = false;
  private ownsServerRole = false;

  constructor(sab: SharedArrayBuffer, options: ChannelServerOptions = {}) {
    const { words, layout } = attach(sab);
    this.words = words;
    this.bytes = new Uint8Array(sab);
    this.layout = layout;
    this.requests = requestRing(words, layout);
    this.bell = new Doorbell(words, SERVER_BELL);
    for (let client = 0; client < layout.clients; client++) {
      this.responses.push(responseRing(words, layout, client));
      this.clientBells.push(new Doorbell(words, laneOffset(client) + LANE_BELL));
      this.pending.push([]);
    }
    this.onError = options.onError ?? (() => {});
  }

  /**
   * Serves requests until stop(): each one is handed to `handler` as soon as
   * it arrives, and each answer is sent when its promise settles, so answers
   * may go out in any order. Resolves once stopped.
   *
   * While idle the loop sleeps in Atomics.waitAsync, which does not keep
   * Node's event loop alive: the VMM's main thread, which runs the guest, does.
   */
  serve(handler: ChannelHandler): Promise<void> {
    if (this.running) throw new ChannelError('channel: serve() is already running');
    if (Atomics.compareExchange(this.words, HEADER_SERVER_OWNER >> 2, 0, 1) !== 0) {
      throw new ChannelError('channel: another ChannelServer is serving this channel');
    }
    this.ownsServerRole = true;
    this.stopping = false;
    this.running = this.loop(handler);
    return this.running;
  }

  /** Stops taking requests, waits for in-flight handlers and delivers what fits; resolves when done. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.bell.ring(); // wake the loop out of waitAsync
    await this.running;
  }

  private async loop(handler: ChannelHandler): Promise<void> {
    try {
      while (!this.stopping) {
        const worked = this.drainRequests(handler) + this.flushPending();
        if (worked > 0) {
          // Let handler I/O and promise callbacks run between batches.
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
        if (this.newWorkWithin(IDLE_SPIN_MS)) continue;
        this.stats.sleeps++;
        await this.bell.waitAsync(
          () => this.stopping || this.hasWork(),
          () => this.askForResponseSpace(),
        );
      }
      while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      this.flushPending();
      for (const queue of this.pending) {
        this.stats.undelivered += queue.length;
        queue.length = 0;
      }
    } finally {
      this.running = undefined;
      if (this.ownsServerRole) Atomics.store(this.words, HEADER_SERVER_OWNER >> 2, 0);
      this.ownsServerRole = false;
    }
  }

  /**
   * Looks for work for up to `ms` before the loop goes to sleep. Requests often come
   * in quick succession (a guest's threads each make one, then the next), and being
   * woken costs both sides: the client a futex wake, this thread a trip through the
   * event loop. Together with the emulation thread's own short wait (cpu/vm-loop.ts)
   * this cuts a round trip several-fold (figures in docs/history.md). The cost is at
   * most `ms` of this thread's CPU per idle period, and the event loop waits that
   * long at most.
   */
  private newWorkWithin(ms: number): boolean {
    const until = performance.now() + ms;
    do {
      if (this.hasWork()) return true;
    } while (performance.now() < until);
    return false;
  }

  private hasWork(): boolean {
    if (this.requests.hasReady()) return true;
    for (let client = 0; client < this.pending.length; client++) {
      if (this.pending[client].length > 0 && this.responses[client].hasFree()) return true;
    }
    return false;
  }

  /** Before sleeping with responses queued: ask those clients to ring when they free space. */
  private askForResponseSpace(): void {
    for (let client = 0; client < this.pending.length; client++) {
      if (this.pending[client].length > 0) this.responses[client].askForSpace();
    }
  }

  /** Takes every READY request out of the ring and dispatches it; returns how many. */
  private drainRequests(handler: ChannelHandler): number {
    let count = 0;
    for (let slot = this.requests.beginRead(); slot !== -1 && count < this.layout.slots; slot = this.requests.beginRead()) {
      const decoded = this.readRequest(slot);
      if (this.requests.endRead()) this.ringWaitingClients();
      count++;
      this.stats.requests++;
      if (typeof decoded === 'string') {
        this.stats.dropped++;
        this.onError(new ChannelError(decoded));
      } else if ('problem' in decoded) {
        this.stats.badRequests++;
        this.onError(new ChannelError(decoded.problem));
        this.respond(decoded.client, decoded.id, { status: STATUS.BAD_REQUEST });
      } else {
        this.dispatch(handler, decoded);
      }
    }
    return count;
  }

  /**
   * Copies a request out of its slot, checking every field. Returns the
   * request, a problem to answer with BAD_REQUEST, or a string when the slot
   * names no valid lane (so there is nobody to answer).
   */
  private readRequest(slot: number): ServedRequest | { client: number; id: number; problem: string } | string {
    const w = this.words;
    const id = w[(slot + SLOT_ID) >> 2] >>> 0;
    const client = w[(slot + REQ_CLIENT) >> 2] >>> 0;
    const op = w[(slot + REQ_OP) >> 2];
    const keyLen = w[(slot + REQ_KEY_LEN) >> 2] >>> 0;
    const valueLen = w[(slot + REQ_VALUE_LEN) >> 2] >>> 0;
    if (client >= this.layout.clients) return `channel: request ${id} names lane ${client}, which does not exist; dropped`;
    if (!isOp(op)) return { client, id, problem: `channel: request ${id} from lane ${client} has unknown op ${op}` };
    if (keyLen > MAX_KEY_BYTES) return { client, id, problem: `channel: request ${id} from lane ${client} has key length ${keyLen} > ${MAX_KEY_BYTES}` };
    if (valueLen > MAX_VALUE_BYTES) {
      return { client, id, problem: `channel: request ${id} from lane ${client} has value length ${valueLen} > ${MAX_VALUE_BYTES}` };
    }
    const key = this.bytes.slice(slot + REQ_KEY, slot + REQ_KEY + keyLen);
    const value = this.bytes.slice(slot + REQ_VALUE, slot + REQ_VALUE + valueLen);
    return { client, id, op, key, value };
  }

  private dispatch(handler: ChannelHandler, request: ServedRequest): void {
    const done: Promise<void> = Promise.resolve()
      .then(() => handler(request))
      .then(
        (reply) => this.respond(request.client, request.id, reply),
        (error: unknown) => {
          this.stats.handlerErrors++;
          this.onError(new ChannelError(`channel: handler failed for request ${request.id} from lane ${request.client}: ${String(error)}`));
          this.respond(request.client, request.id, { status: STATUS.SERVER_ERROR });
        },
      )
      .finally(() => this.inflight.delete(done));
    this.inflight.add(done);
  }

  private respond(client: number, id: number, reply: ChannelReply): void {
    let status = reply?.status;
    let value = reply?.value ?? EMPTY;
    if (!Number.isInteger(status) || status < -0x80000000 || status > 0x7fffffff) {
      this.onError(new ChannelError(`channel: handler returned status ${String(status)} for request ${id}; sending SERVER_ERROR`));
      status = STATUS.SERVER_ERROR;
      value = EMPTY;
    } else if (!(value instanceof Uint8Array) || value.length > MAX_VALUE_BYTES) {
      this.onError(new ChannelError(`channel: handler returned a value of ${value?.length} bytes for request ${id}; sending SERVER_ERROR`));
      status = STATUS.SERVER_ERROR;
      value = EMPTY;
    }
    const queue = this.pending[client];
    // Keep order behind responses already waiting for this lane.
    if (queue.length === 0 && this.pushResponse(client, id, status, value)) return;
    queue.push({ id, status, value });
    // Ask the client to ring when it frees a slot, then look again: it may
    // have freed one just before it could see the request.
    this.responses[client].askForSpace();
    this.flushLane(client);
  }

  /** Delivers queued responses that now fit; returns how many. */
  private flushPending(): number {
    let count = 0;
    for (let client = 0; client < this.pending.length; client++) count += this.flushLane(client);
    return count;
  }

  private flushLane(client: number): number {
    const queue = this.pending[client];
    let sent = 0;
    while (sent < queue.length && this.pushResponse(client, queue[sent].id, queue[sent].status, queue[sent].value)) sent++;
    if (sent > 0) queue.splice(0, sent);
    return sent;
  }

  private pushResponse(client: number, id: number, status: number, value: Uint8Array): boolean {
    const slot = this.responses[client].beginWrite();
    if (slot === -1) return false;
    const w = this.words;
    w[(slot + SLOT_ID) >> 2] = id | 0;
    w[(slot + RESP_STATUS) >> 2] = status;
    w[(slot + RESP_VALUE_LEN) >> 2] = value.length;
    this.bytes.set(value, slot + RESP_VALUE);
    this.responses[client].endWrite(slot);
    this.stats.responses++;
    if (this.clientBells[client].ringIfWaiting()) this.stats.doorbellsRung++;
    return true;
  }

  /** A request slot was freed and some client had found the ring full. */
  private ringWaitingClients(): void {
    for (const bell of this.clientBells) {
      if (bell.ringIfWaiting()) this.stats.doorbellsRung++;
    }
  }
}
