// The service's data plane (the Dom0 back end): admits clients from the registry,
// serves their rings round-robin, reads the image asynchronously, answers from the
// cache when it can, and frees the rings of clients that leave or die.
//
// One thread runs step() in a loop and never blocks on anything but the kernel:
// - with reads in flight it waits in io_getevents (a completion is due within one disk
//   latency, and each completion brings it back to the rings), leaving the rings'
//   event indices unarmed so clients do not ring while it is busy;
// - with nothing in flight it arms every ring's req_event, looks once more (the final
//   check), and sleeps on the registry doorbell, which every client rings.
//
// Fairness, as in Xen's blkback: each turn takes at most `perTurn` requests from a
// ring, rings are visited round-robin from a rotating start, and reads in flight are
// capped overall, so a client with many threads cannot crowd out one with few.
//
// Everything read from a client's memory is hostile: the ring validates indices
// (RingError halts that ring alone), requests are copied out of the slot before they
// are checked, and bad opcodes or sectors get an error response.
import { closeFd, poll, POLLIN, SCRATCH_FREE, scratchPage } from '@unikv/host-libc';
import { attachClient, type Client } from './backend-client.js';
import { RingError } from './ring/ring.js';
import { Segment } from './ring/shm.js';
import type { DirectReader } from './aio.js';
import type { ClockCache } from './cache.js';
import { isAlive } from './liveness.js';
import { log } from './log.js';
import { ringName } from './names.js';
import {
  GEO_FIRST,
  GEO_LAST,
  GEO_SECTOR_SIZE,
  OP_GEOMETRY,
  OP_READ,
  REQ_ID,
  REQ_OP,
  REQ_SECTOR_HI,
  REQ_SECTOR_LO,
  RSP_DATA,
  RSP_ID,
  RSP_STATUS,
  SECTOR_SIZE,
  MAX_THREADS,
  WAITER_MASK,
  STATUS_BAD_OP,
  STATUS_BAD_SECTOR,
  STATUS_IO_ERROR,
  STATUS_OK,
  writeU64,
} from './protocol.js';
import { MAX_CLIENTS, type Registry, SLOT_CLOSING, SLOT_CONNECTED, SLOT_OFFERED, SLOT_REFUSED, STAT } from './registry.js';

export interface BackendOptions {
  /** Requests taken from one ring per turn (blkback uses 16). */
  readonly perTurn: number;
  /** How often to look for clients that died, in milliseconds. */
  readonly livenessMs: number;
}

export const DEFAULT_BACKEND_OPTIONS: BackendOptions = { perTurn: 16, livenessMs: 100 };

const IDLE_SLEEP_MS = 100; // the longest sleep on the doorbell: bounds how late stop and liveness are noticed
const BUSY_WAIT_MS = 1; // the longest wait in io_getevents with reads in flight

export class Backend {
  private readonly clients: Client[] = []; // round-robin order
  private readonly bySlot: (Client | undefined)[] = new Array(MAX_CLIENTS).fill(undefined);
  private readonly dirty: Client[] = []; // clients with responses committed since the last flush
  // What each staging page of the reader is fetching, indexed by its tag.
  private readonly pendClient: (Client | undefined)[];
  private readonly pendId: Uint32Array;
  private readonly pendSector: Float64Array;
  private rr = 0;
  private lastBell = Number.NaN;
  private nextLiveness = 0;
  private lastRequestMs = Date.now();
  private requests = 0;
  private badRequests = 0;
  private haltedRings = 0;
  private cachePeak = 0;
  private depthSum = 0; // sum over completed reads of the reads in flight when each completed
  private reads = 0;

  constructor(
    private readonly reg: Registry,
    private readonly reader: DirectReader,
    private readonly cache: ClockCache,
    private readonly options: BackendOptions = DEFAULT_BACKEND_OPTIONS,
  ) {
    this.pendClient = new Array(reader.depth).fill(undefined);
    this.pendId = new Uint32Array(reader.depth);
    this.pendSector = new Float64Array(reader.depth);
    reg.stats[STAT.cacheLimitBytes] = cache.limitBytes;
  }

  /** Serves until stop() says so, then lets every client go. */
  run(stop: () => boolean): void {
    while (!stop()) this.step();
    this.shutdown();
  }

  /** One pass: admit, reap, serve, submit, notify; sleep only when there is nothing to do. */
  step(): void {
    const bell = this.reg.bell.read(); // read before the final checks below (see EventChannel)
    if (bell !== this.lastBell) {
      this.lastBell = bell;
      this.admit();
    }
    const now = Date.now();
    if (now >= this.nextLiveness) {
      this.nextLiveness = now + this.options.livenessMs;
      this.sweep();
      this.publishStats();
    }
    let progress = this.reader.ready() && this.complete(0) > 0;
    if (this.serve()) {
      progress = true;
      this.lastRequestMs = now;
    }
    this.reader.submit(); // one system call for the pass's reads (holding them back for bigger batches measured slower)
    this.flush();
    if (progress) return;
    if (this.reader.inFlight > 0) {
      // (Waiting for several completions at once saves wake-ups but measured slower:
      // requests that arrive meanwhile wait longer to reach the disk.)
      if (this.complete(1, BUSY_WAIT_MS) > 0) this.flush();
      return;
    }
    for (const c of this.clients) if (!c.halted && this.finalCheck(c)) return;
    this.publishStats();
    this.reg.bell.wait(bell, IDLE_SLEEP_MS);
  }

  // ---- clients coming and going -------------------------------------------------

  /** Looks at the registry for rings on offer and clients that said goodbye. */
  private admit(): void {
    for (let slot = 0; slot < MAX_CLIENTS; slot++) {
      const state = this.reg.state(slot);
      const client = this.bySlot[slot];
      if (client === undefined && state === SLOT_OFFERED) this.connect(slot);
      else if (client !== undefined && state === SLOT_CLOSING) this.detach(client, 'closed');
    }
  }

  private connect(slot: number): void {
    const pid = this.reg.pid(slot);
    if (pid <= 0) return; // an offer nobody claimed: scribble, ignore it
    try {
      const client = attachClient(this.reg.servicePid, slot, pid);
      this.clients.push(client);
      this.bySlot[slot] = client;
      this.reg.setState(slot, SLOT_CONNECTED);
      log(`client ${pid} connected (slot ${slot})`);
    } catch (e) {
      this.reg.setState(slot, SLOT_REFUSED);
      log(`client ${pid} refused: ${(e as Error).message}`);
    }
  }

  /** Finds clients that died: pidfds of connected ones (one poll), kill(0) for the rest. */
  private sweep(): void {
    const { addr, dv } = scratchPage();
    const at = (i: number): number => SCRATCH_FREE + i * 8; // struct pollfd {int fd; short events, revents}
    const watched: Client[] = [];
    for (const c of this.clients) {
      if (c.pidfd < 0) {
        if (!isAlive(c.pid)) this.detach(c, 'exited');
      } else {
        dv.setInt32(at(watched.length), c.pidfd, true);
        dv.setInt16(at(watched.length) + 4, POLLIN, true);
        dv.setInt16(at(watched.length) + 6, 0, true);
        watched.push(c);
      }
    }
    if (watched.length > 0 && poll(addr + at(0), watched.length, 0) > 0) {
      watched.forEach((c, i) => {
        if (dv.getInt16(at(i) + 6, true) !== 0) this.detach(c, 'exited');
      });
    }
    // Entries claimed by a client that never connected (or was refused) and then died.
    for (let slot = 0; slot < MAX_CLIENTS; slot++) {
      const pid = this.reg.pid(slot);
      if (pid > 0 && this.bySlot[slot] === undefined && this.reg.state(slot) !== SLOT_OFFERED && !isAlive(pid)) {
        Segment.unlink(ringName(this.reg.servicePid, pid));
        this.reg.release(slot, pid);
      }
    }
  }

  /** Stops serving a client and frees its ring. Completions still in flight for it are dropped. */
  private detach(c: Client, why: string): void {
    if (c.gone) return;
    c.gone = true;
    this.clients.splice(this.clients.indexOf(c), 1);
    this.bySlot[c.slot] = undefined;
    if (c.pidfd >= 0) closeFd(c.pidfd);
    c.seg.unmap();
    Segment.unlink(ringName(this.reg.servicePid, c.pid)); // normally gone already; not if it died mid-handshake
    this.reg.release(c.slot, c.pid);
    log(`client ${c.pid} ${why}; ring freed`);
  }

  private shutdown(): void {
    this.reg.close();
    for (const c of [...this.clients]) {
      // Wake every thread: each will find the service closed.
      if (!c.halted) for (let t = 0; t < MAX_THREADS; t++) c.waiters.interrupt(t);
      this.detach(c, 'released at shutdown');
    }
    this.publishStats();
  }

  // ---- serving -------------------------------------------------------------------

  /** One round-robin turn over the rings; true if any request was taken. */
  private serve(): boolean {
    const n = this.clients.length;
    let progress = false;
    for (let k = 0; k < n; k++) {
      if (this.reader.idle === 0) {
        this.rr = (this.rr + k) % n; // out of disk slots: this ring goes first next time
        return progress;
      }
      const c = this.clients[(this.rr + k) % n];
      if (!c.halted && this.serveRing(c)) progress = true;
    }
    if (n > 0) this.rr = (this.rr + 1) % n;
    return progress;
  }

  private serveRing(c: Client): boolean {
    const ring = c.ring;
    let pending: number;
    try {
      pending = ring.pendingRequests();
    } catch (e) {
      this.halt(c, e);
      return false;
    }
    const take = Math.min(pending, this.options.perTurn);
    const dv = ring.dv;
    let taken = 0;
    while (taken < take && this.reader.idle > 0) {
      // Copy the request out first: the client can rewrite the slot at any moment.
      const off = ring.nextRequestOffset();
      const id = dv.getUint32(off + REQ_ID, true);
      const op = dv.getUint32(off + REQ_OP, true);
      const sector = dv.getUint32(off + REQ_SECTOR_HI, true) * 2 ** 32 + dv.getUint32(off + REQ_SECTOR_LO, true);
      ring.consumeRequest();
      taken++;
      if (op === OP_READ) this.read(c, id, sector);
      else if (op === OP_GEOMETRY) this.geometry(c, id);
      else this.fail(c, id, STATUS_BAD_OP);
    }
    return taken > 0;
  }

  private read(c: Client, id: number, sector: number): void {
    if (sector >= this.reader.sectors) {
      this.fail(c, id, STATUS_BAD_SECTOR);
      return;
    }
    const off = c.ring.nextResponseOffset();
    if (this.cache.lookup(sector, c.ring.u8, off + RSP_DATA)) {
      this.commit(c, off, id, STATUS_OK);
      return;
    }
    const tag = this.reader.start(sector);
    this.pendClient[tag] = c;
    this.pendId[tag] = id;
    this.pendSector[tag] = sector;
  }

  private geometry(c: Client, id: number): void {
    const off = c.ring.nextResponseOffset();
    const dv = c.ring.dv;
    writeU64(dv, off + RSP_DATA + GEO_FIRST, 0);
    writeU64(dv, off + RSP_DATA + GEO_LAST, this.reader.sectors - 1);
    dv.setUint32(off + RSP_DATA + GEO_SECTOR_SIZE, SECTOR_SIZE, true);
    this.commit(c, off, id, STATUS_OK);
  }

  private fail(c: Client, id: number, status: number): void {
    this.badRequests++;
    this.commit(c, c.ring.nextResponseOffset(), id, status);
  }

  /** Completes a response whose data (if any) is already in the slot at `off`. */
  private commit(c: Client, off: number, id: number, status: number): void {
    c.ring.dv.setUint32(off + RSP_ID, id, true);
    c.ring.dv.setInt32(off + RSP_STATUS, status, true);
    c.ring.commitResponse();
    if (c.wokenCount === 0) this.dirty.push(c);
    c.woken[c.wokenCount++] = id;
    this.requests++;
  }

  /** Handles finished reads (waiting for `min` of them, unless 0): to the cache and to the client's next response slot. */
  private complete(min: number, timeoutMs = 0): number {
    const inFlight = this.reader.inFlight;
    const n = min === 0 ? this.reader.poll() : this.reader.reap(min, timeoutMs);
    this.depthSum += n * inFlight;
    this.reads += n;
    const u8 = this.reader.u8;
    for (let i = 0; i < n; i++) {
      const tag = this.reader.tagOf(i);
      const res = this.reader.resultOf(i);
      const c = this.pendClient[tag];
      this.pendClient[tag] = undefined;
      if (c !== undefined && !c.gone && !c.halted) {
        const off = c.ring.nextResponseOffset();
        if (res === SECTOR_SIZE) {
          const src = this.reader.dataOffset(tag);
          this.cache.insert(this.pendSector[tag], u8, src);
          c.ring.u8.set(u8.subarray(src, src + SECTOR_SIZE), off + RSP_DATA);
          this.commit(c, off, this.pendId[tag], STATUS_OK);
        } else {
          this.commit(c, off, this.pendId[tag], STATUS_IO_ERROR);
        }
      }
      this.reader.release(tag);
    }
    if (this.cache.bytesUsed > this.cachePeak) this.cachePeak = this.cache.bytesUsed;
    return n;
  }

  /**
   * Publishes committed responses, then wakes each one's thread if it sleeps waiting
   * for it (publish first: a thread woken early would find nothing and sleep again).
   * The ring's own rsp_event is not used: client threads never sleep on the ring as a
   * whole, each sleeps for its own reply (waiters.ts).
   */
  private flush(): void {
    for (const c of this.dirty) {
      if (c.gone) continue;
      c.ring.pushResponses();
      for (let i = 0; i < c.wokenCount; i++) c.waiters.wake(c.woken[i] & WAITER_MASK, c.woken[i]);
      c.wokenCount = 0;
    }
    this.dirty.length = 0;
  }

  private finalCheck(c: Client): boolean {
    try {
      return c.ring.finalCheckForRequests();
    } catch (e) {
      this.halt(c, e);
      return false;
    }
  }

  private halt(c: Client, e: unknown): void {
    if (!(e instanceof RingError)) throw e;
    c.halted = true;
    this.haltedRings++;
    log(`client ${c.pid}: ${e.message}; its ring is halted`);
  }

  private publishStats(): void {
    const s = this.reg.stats;
    s[STAT.hits] = this.cache.hits;
    s[STAT.misses] = this.cache.misses;
    s[STAT.requests] = this.requests;
    s[STAT.badRequests] = this.badRequests;
    s[STAT.cacheBytes] = this.cache.bytesUsed;
    s[STAT.cachePeakBytes] = this.cachePeak;
    s[STAT.cacheLimitBytes] = this.cache.limitBytes;
    s[STAT.clients] = this.clients.length;
    s[STAT.lastRequestMs] = this.lastRequestMs;
    s[STAT.haltedRings] = this.haltedRings;
    s[STAT.queueDepth] = this.reads === 0 ? 0 : this.depthSum / this.reads;
  }
}
