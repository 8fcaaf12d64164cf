// The client's end of the service (the DomU front end): find the service, register a
// ring with it, exchange single requests, and leave.
import { FrontRing } from './ring/ring.js';
import { Segment } from './ring/shm.js';
import { isAlive } from './liveness.js';
import { ringName } from './names.js';
import { runningService } from './pidfile.js';
import {
  GEO_FIRST,
  GEO_LAST,
  GEO_SECTOR_SIZE,
  OP_GEOMETRY,
  RING_SHAPE,
  RSP_DATA,
  RSP_ID,
  RSP_STATUS,
  SECTOR_SIZE,
  SEG_BYTES,
  SEG_CTL_MAGIC,
  SEG_CTL_SLOT_SIZE,
  SEG_CTL_SLOTS,
  SEG_CTL_VERSION,
  SEG_MAGIC,
  SEG_RING,
  SEG_VERSION,
  SEG_WAITERS,
  STATUS_OK,
  MAX_THREADS,
  readU64,
  WAITER_BITS,
  writeRequest,
} from './protocol.js';
import { Registry, SLOT_CLOSING, SLOT_CONNECTED, SLOT_OFFERED, SLOT_REFUSED } from './registry.js';
import { Waiters } from './waiters.js';

/** There is no service to talk to (not started, stopped, or gone). */
export class ServiceUnavailable extends Error {}

const CONNECT_TIMEOUT_MS = 5000;
const EXCHANGE_TIMEOUT_MS = 5000;

export interface Connection {
  readonly servicePid: number;
  readonly registry: Registry;
  readonly slot: number;
  readonly seg: Segment;
  /** This thread's view of the ring (other threads build their own over seg). */
  readonly ring: FrontRing;
  /** The per-thread doorbells the service rings when replies are ready. */
  readonly waiters: Waiters;
}

/**
 * Registers with the service whose pid file is in `dir`. `pvt` holds the ring's
 * private indices; pass shared memory to let several threads produce requests.
 */
export function connect(dir: string, pvt?: Int32Array): Connection {
  const servicePid = runningService(dir);
  if (servicePid === undefined) throw new ServiceUnavailable('service is not running');
  let registry: Registry;
  try {
    registry = Registry.open(servicePid);
  } catch {
    throw new ServiceUnavailable('service is not running');
  }
  if (!registry.running) {
    registry.seg.unmap();
    throw new ServiceUnavailable('service is shutting down');
  }
  const slot = registry.claim(process.pid);
  if (slot < 0) {
    registry.seg.unmap();
    throw new ServiceUnavailable('service has no free client slots');
  }
  const name = ringName(servicePid, process.pid);
  let seg: Segment | undefined;
  try {
    Segment.unlink(name); // left by an earlier process that had our pid, if any
    seg = Segment.create(name, SEG_BYTES);
    const ctl = new DataView(seg.buffer);
    ctl.setUint32(SEG_CTL_VERSION, SEG_VERSION, true);
    ctl.setUint32(SEG_CTL_SLOTS, RING_SHAPE.slots, true);
    ctl.setUint32(SEG_CTL_SLOT_SIZE, RING_SHAPE.slotSize, true);
    ctl.setUint32(SEG_CTL_MAGIC, SEG_MAGIC, true);
    const ring = new FrontRing(seg.buffer, SEG_RING, RING_SHAPE, pvt);
    ring.init();
    registry.setState(slot, SLOT_OFFERED);
    registry.bell.ring();
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    while (registry.state(slot) === SLOT_OFFERED && Date.now() < deadline && isAlive(servicePid)) {
      registry.waitState(slot, SLOT_OFFERED, 50);
    }
    const state = registry.state(slot);
    if (state !== SLOT_CONNECTED) {
      throw new ServiceUnavailable(state === SLOT_REFUSED ? 'service refused the connection' : 'service did not answer');
    }
    return { servicePid, registry, slot, seg, ring, waiters: new Waiters(seg, SEG_WAITERS, MAX_THREADS) };
  } catch (e) {
    if (registry.state(slot) === SLOT_CONNECTED)
      registry.setState(slot, SLOT_CLOSING); // answered too late
    else registry.release(slot, process.pid);
    registry.seg.unmap();
    seg?.unmap();
    throw e;
  } finally {
    // Connected or not, the name has served its purpose: the service maps the ring by now.
    Segment.unlink(name);
  }
}

/** True while the service is up and has not announced its shutdown. */
export function serviceUp(conn: Connection): boolean {
  return conn.registry.running && isAlive(conn.servicePid);
}

/** Says goodbye (the service frees our entry and unmaps the ring) and unmaps our side. */
export function disconnect(conn: Connection): void {
  conn.registry.setState(conn.slot, SLOT_CLOSING);
  conn.registry.bell.ring();
  conn.seg.unmap();
  conn.registry.seg.unmap();
}

export interface Reply {
  status: number;
  /** A copy of the response's data area. */
  data: Uint8Array;
}

let exchanges = 0;

/**
 * Sends one request and waits for its response on the calling thread, as waiter 0.
 * Meant for a ring nobody else is using at the time (the client's geometry query,
 * tests); the client's threads use collector.ts instead.
 */
export function exchange(conn: Connection, op: number, sector: number, timeoutMs = EXCHANGE_TIMEOUT_MS): Reply {
  const ring = conn.ring;
  exchanges = (exchanges + 1) % 2 ** (32 - WAITER_BITS) || 1;
  const id = (exchanges * MAX_THREADS) >>> 0; // waiter 0
  writeRequest(ring.dv, ring.nextRequestOffset(), id, op, sector);
  ring.commitRequest();
  if (ring.pushRequests()) conn.registry.bell.ring();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    while (ring.pendingResponses() > 0) {
      const off = ring.nextResponseOffset();
      const rid = ring.dv.getUint32(off + RSP_ID, true);
      const status = ring.dv.getInt32(off + RSP_STATUS, true);
      const data = ring.u8.slice(off + RSP_DATA, off + RSP_DATA + SECTOR_SIZE);
      ring.consumeResponse();
      if (rid === id) return { status, data };
    }
    const seen = conn.waiters.prepare(0, id);
    if (ring.pendingResponses() > 0) {
      conn.waiters.cancel(0);
      continue;
    }
    if (!serviceUp(conn)) throw new ServiceUnavailable('service went away');
    if (Date.now() > deadline) throw new Error('no response from the service');
    conn.waiters.sleep(0, seen, 50);
  }
}

export interface Geometry {
  first: number;
  last: number;
  sectorSize: number;
}

/** Asks the service for the range of sectors it serves. */
export function geometry(conn: Connection): Geometry {
  const reply = exchange(conn, OP_GEOMETRY, 0);
  if (reply.status !== STATUS_OK) throw new Error(`geometry request failed (status ${reply.status})`);
  const dv = new DataView(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength);
  const g = { first: readU64(dv, GEO_FIRST), last: readU64(dv, GEO_LAST), sectorSize: dv.getUint32(GEO_SECTOR_SIZE, true) };
  if (g.sectorSize !== SECTOR_SIZE || g.first > g.last) throw new Error('the service sent a nonsensical geometry');
  return g;
}
