// One client thread: reads `count` random sectors, one at a time, through the process's
// shared ring, blocking until its own reply arrives (collector.ts).
import { workerData } from 'node:worker_threads';
import { lock, unlock } from './ring/mutex.js';
import { FrontRing } from './ring/ring.js';
import { Segment } from './ring/shm.js';
import { ClientShared, CTL_GO, CTL_PROD_LOCK, CTL_READY, IDLE, MAIL_ID, MAIL_STATE, MAIL_WORDS, WAITING } from './client-shared.js';
import { Collector } from './collector.js';
import { isAlive } from './liveness.js';
import { type ReplyFiles, ReplyLog } from './output.js';
import { MAX_THREADS, OP_READ, RING_SHAPE, SEG_RING, SEG_WAITERS, STATUS_OK, WAITER_BITS, writeRequest } from './protocol.js';
import { Registry } from './registry.js';
import { Waiters } from './waiters.js';

export interface ClientThreadData {
  index: number;
  count: number;
  first: number;
  last: number;
  sab: SharedArrayBuffer;
  threads: number;
  files: ReplyFiles;
  ring: { name: string; addr: number; size: number };
  registry: { name: string; addr: number; size: number };
}

const d = workerData as ClientThreadData;
const shared = new ClientShared(d.sab, d.threads);
const ctl = shared.ctl;
const mail = shared.mail;
const box = d.index * MAIL_WORDS;
const seg = Segment.attach(d.ring.name, d.ring.addr, d.ring.size);
const ring = new FrontRing(seg.buffer, SEG_RING, RING_SHAPE, shared.pvt);
const waiters = new Waiters(seg, SEG_WAITERS, MAX_THREADS);
const registry = new Registry(Segment.attach(d.registry.name, d.registry.addr, d.registry.size));
const collector = new Collector(
  ring,
  shared,
  waiters,
  new ReplyLog(shared.logBuffer, d.files),
  d.index,
  () => registry.running && isAlive(registry.servicePid),
);
const latency = shared.latency(d.index);
const span = d.last - d.first + 1;
const SEQ_LIMIT = 2 ** (32 - WAITER_BITS);

/** Queues one request under the producers' lock; rings the service if it asked. */
function submit(id: number, sector: number): void {
  lock(ctl, CTL_PROD_LOCK);
  while (ring.freeRequests() === 0) {
    // Only when threads outnumber slots: replies free slots as they are drained.
    unlock(ctl, CTL_PROD_LOCK);
    collector.drain();
    Atomics.wait(ctl, CTL_GO, 1, 1);
    lock(ctl, CTL_PROD_LOCK);
  }
  writeRequest(ring.dv, ring.nextRequestOffset(), id, OP_READ, sector);
  ring.commitRequest();
  const notify = ring.pushRequests();
  unlock(ctl, CTL_PROD_LOCK);
  if (notify) registry.bell.ring();
}

function run(): void {
  Atomics.add(ctl, CTL_READY, 1);
  Atomics.notify(ctl, CTL_READY);
  while (Atomics.load(ctl, CTL_GO) === 0 && !shared.aborted) Atomics.wait(ctl, CTL_GO, 0, 1000);
  let failed = 0;
  for (let i = 0; i < d.count && !shared.aborted; i++) {
    const sector = d.first + Math.floor(Math.random() * span);
    const id = ((((i % (SEQ_LIMIT - 1)) + 1) * MAX_THREADS) | d.index) >>> 0; // never 0; low bits name this thread
    mail[box + MAIL_ID] = id;
    shared.mailSector[d.index] = sector;
    Atomics.store(mail, box + MAIL_STATE, WAITING);
    const t0 = performance.now();
    submit(id, sector);
    if (collector.await(id) !== STATUS_OK) failed++;
    latency.record((performance.now() - t0) * 1e6);
    Atomics.store(mail, box + MAIL_STATE, IDLE);
  }
  shared.finishedAt[d.index] = performance.timeOrigin + performance.now();
  if (failed > 0) throw new Error(`${failed} requests failed`);
}

try {
  run();
} catch (e) {
  shared.abort();
  for (let t = 0; t < d.threads; t++) if (t !== d.index) waiters.interrupt(t);
  throw e;
}
