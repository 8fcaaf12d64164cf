// The registry: one shared-memory segment through which clients find the service,
// announce their rings and ring its doorbell (the analogue of XenStore plus the
// back end's event channel).
//
//   byte 0     header: magic, version, service pid, state, slots, sector count
//   byte 64    the service's doorbell: clients ring it after publishing requests
//   byte 128   statistics (float64), written by the service for `service stop/status`
//   byte 256   client table: MAX_CLIENTS entries of one cache line each:
//                +0 pid    0 = free; a client claims an entry by CAS 0 -> its pid
//                +4 state  FREE -> OFFERED (client) -> CONNECTED | REFUSED (service)
//                          -> CLOSING (client, when done) -> FREE (service)
//
// Handshake: a client claims an entry, creates its ring segment under the name
// ringName(servicePid, clientPid), writes OFFERED and rings the doorbell. The service
// maps the ring, answers CONNECTED (or REFUSED) and FUTEX_WAKEs the state word; the
// client then unlinks the ring's name (both sides hold mappings, so nothing can leak
// by name from then on). Clients can write anywhere in this segment: the service
// re-validates every pid and state it reads here, and nothing else it reads here
// decides anything.
import { EventChannel } from './ring/event-channel.js';
import { futexWait, futexWake } from '@unikv/host-libc';
import { Segment } from './ring/shm.js';
import { registryName } from './names.js';

export const MAX_CLIENTS = 64;
const MAGIC = 0x53524547; // 'SREG'
const VERSION = 1;
const H_MAGIC = 0;
const H_VERSION = 1;
const H_PID = 2;
const H_STATE = 3;
const H_SLOTS = 4;
const H_SECTORS_LO = 5;
const H_SECTORS_HI = 6;
const BELL = 64;
const STATS = 128;
const TABLE = 256;
const ENTRY = 64;
export const REGISTRY_BYTES = TABLE + MAX_CLIENTS * ENTRY;

export const SERVICE_RUNNING = 1;
export const SERVICE_CLOSED = 2;

export const SLOT_FREE = 0;
export const SLOT_OFFERED = 1;
export const SLOT_CONNECTED = 2;
export const SLOT_REFUSED = 3;
export const SLOT_CLOSING = 4;

/** Indices into the statistics array. */
export const STAT = {
  hits: 0,
  misses: 1,
  requests: 2, // all requests answered, including errors
  badRequests: 3,
  cacheBytes: 4,
  cachePeakBytes: 5,
  cacheLimitBytes: 6,
  clients: 7,
  lastRequestMs: 8, // Date.now() of the latest request (for the idle timeout)
  haltedRings: 9,
  queueDepth: 10, // reads in flight seen by the average disk read as it completed
} as const;
const STAT_COUNT = 16;

export class Registry {
  readonly bell: EventChannel;
  readonly stats: Float64Array;
  private readonly hdr: Int32Array;
  private readonly table: Int32Array;

  constructor(readonly seg: Segment) {
    this.hdr = new Int32Array(seg.buffer, 0, 16);
    this.bell = new EventChannel(seg, BELL);
    this.stats = new Float64Array(seg.buffer, STATS, STAT_COUNT);
    this.table = new Int32Array(seg.buffer, TABLE, (MAX_CLIENTS * ENTRY) / 4);
  }

  /** The service creates the registry under its own pid. */
  static create(servicePid: number, sectors: number): Registry {
    const reg = new Registry(Segment.create(registryName(servicePid), REGISTRY_BYTES));
    const h = reg.hdr;
    h[H_VERSION] = VERSION;
    h[H_PID] = servicePid;
    h[H_SLOTS] = MAX_CLIENTS;
    h[H_SECTORS_LO] = sectors % 2 ** 32;
    h[H_SECTORS_HI] = Math.floor(sectors / 2 ** 32);
    Atomics.store(h, H_STATE, SERVICE_RUNNING);
    Atomics.store(h, H_MAGIC, MAGIC);
    return reg;
  }

  /** Clients and `service status` open it; throws ErrnoError (ENOENT) when there is no such service. */
  static open(servicePid: number, readOnly = false): Registry {
    const reg = new Registry(Segment.open(registryName(servicePid), REGISTRY_BYTES, readOnly));
    if (Atomics.load(reg.hdr, H_MAGIC) !== MAGIC || reg.hdr[H_VERSION] !== VERSION) {
      reg.seg.unmap();
      throw new Error('the service registry has an unknown format');
    }
    return reg;
  }

  get servicePid(): number {
    return this.hdr[H_PID];
  }

  get running(): boolean {
    return Atomics.load(this.hdr, H_STATE) === SERVICE_RUNNING;
  }

  get sectors(): number {
    return (this.hdr[H_SECTORS_HI] >>> 0) * 2 ** 32 + (this.hdr[H_SECTORS_LO] >>> 0);
  }

  /** The service is going away: clients waiting on a reply should give up. */
  close(): void {
    Atomics.store(this.hdr, H_STATE, SERVICE_CLOSED);
  }

  pid(slot: number): number {
    return Atomics.load(this.table, (slot * ENTRY) / 4);
  }

  state(slot: number): number {
    return Atomics.load(this.table, (slot * ENTRY) / 4 + 1);
  }

  /** Sets an entry's state and wakes whoever waits on it. */
  setState(slot: number, state: number): void {
    Atomics.store(this.table, (slot * ENTRY) / 4 + 1, state);
    futexWake(this.stateAddr(slot));
  }

  /** Sleeps while the entry's state is still `state` (at most timeoutMs). */
  waitState(slot: number, state: number, timeoutMs: number): void {
    if (this.state(slot) === state) futexWait(this.stateAddr(slot), state, timeoutMs);
  }

  /** Claims a free entry for `pid`; -1 when the table is full. */
  claim(pid: number): number {
    for (let slot = 0; slot < MAX_CLIENTS; slot++) {
      if (Atomics.compareExchange(this.table, (slot * ENTRY) / 4, 0, pid) === 0) return slot;
    }
    return -1;
  }

  /** Frees `pid`'s entry: state first, so a new claimant never sees the old state. */
  release(slot: number, pid: number): void {
    if (this.pid(slot) !== pid) return; // no longer pid's entry
    this.setState(slot, SLOT_FREE);
    Atomics.compareExchange(this.table, (slot * ENTRY) / 4, pid, 0);
  }

  private stateAddr(slot: number): number {
    return this.seg.addr + TABLE + slot * ENTRY + 4;
  }
}
