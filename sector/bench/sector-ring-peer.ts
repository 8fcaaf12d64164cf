// The far end of the ring benchmark and of the cross-process ring test: a back end in
// its own process that answers every request from memory.
//
//   node dist/bench/sector-ring-peer.js <segment name> <slots> sleep|poll|spin
//   node dist/bench/sector-ring-peer.js --socket <path>
//
// It maps the segment the parent created (layout below) and answers each request with
// its id, value * 2 + 1, and a 512-byte payload copied from memory. When the ring is
// empty it either sleeps on its doorbell (after the final check), or keeps polling
// without ever arming its event index (so the parent never needs to ring), or spins
// for SPIN_BUDGET_US (ring/spin-wait.ts) before sleeping as in the first. When the
// parent sets the stop word it prints one JSON line: requests served, doorbells rung,
// times it slept, times it armed its event index.
import net from 'node:net';
import { EventChannel } from '../src/ring/event-channel.js';
import { BackRing, FrontRing, ringBytes, type RingShape } from '../src/ring/ring.js';
import { type Mapping, Segment } from '../src/ring/shm.js';
import { spinUntil } from '../src/ring/spin-wait.js';

// Segment layout shared with the parent (bench/sector.ts, tests/*/ring).
export const PEER_FRONT_BELL = 0; // the parent sleeps here; the peer rings it
export const PEER_BACK_BELL = 64; // the peer sleeps here; the parent rings it
export const PEER_STOP = 128; // int32: 1 = stop
export const PEER_RING = 192;
export const PEER_PAYLOAD = 512;
// Slot: request {id u32, value u32}; response {id u32, value u32, payload 512 bytes}.
export const PEER_SHAPE_SLOT_SIZE = 8 + PEER_PAYLOAD;
/** The JSON line the peer prints when stopped: requests served, doorbells it rang, times it slept, final checks that armed req_event. */
export interface PeerReport {
  served: number;
  rung: number;
  sleeps: number;
  arms: number;
}

/** How long either end of a 'spin' exchange looks for work before it sleeps. */
export const SPIN_BUDGET_US = 50;

/** How an end waits when the ring is empty. */
export type WaitMode = 'sleep' | 'poll' | 'spin';
export const WAIT_MODES: readonly WaitMode[] = ['sleep', 'poll', 'spin'];

export function peerSegmentBytes(shape: RingShape): number {
  return PEER_RING + ringBytes(shape);
}

/** The parent's side: a front ring plus both doorbells over a segment. */
export function peerFront(seg: Mapping, shape: RingShape): { ring: FrontRing; mine: EventChannel; peer: EventChannel } {
  return {
    ring: new FrontRing(seg.buffer, PEER_RING, shape),
    mine: new EventChannel(seg, PEER_FRONT_BELL),
    peer: new EventChannel(seg, PEER_BACK_BELL),
  };
}

function serve(name: string, slots: number, mode: WaitMode): void {
  const shape: RingShape = { slots, slotSize: PEER_SHAPE_SLOT_SIZE };
  const seg = Segment.open(name, peerSegmentBytes(shape));
  const ring = new BackRing(seg.buffer, PEER_RING, shape);
  ring.attach();
  const front = new EventChannel(seg, PEER_FRONT_BELL);
  const back = new EventChannel(seg, PEER_BACK_BELL);
  const stop = new Int32Array(seg.buffer, PEER_STOP, 1);
  const payload = new Uint8Array(PEER_PAYLOAD).map((_, i) => (i * 7 + 3) & 0xff);
  const dv = ring.dv;
  let served = 0;
  let sleeps = 0;
  let arms = 0; // final checks: each arms req_event, so the parent may ring once for it
  while (Atomics.load(stop, 0) === 0) {
    if (ring.pendingRequests() === 0) {
      if (mode === 'poll') continue;
      if (mode === 'spin' && spinUntil(() => ring.pendingRequests() > 0 || Atomics.load(stop, 0) !== 0, SPIN_BUDGET_US)) continue;
      const seen = back.read();
      arms++;
      if (ring.finalCheckForRequests()) continue;
      sleeps++;
      back.wait(seen, 100);
      continue;
    }
    for (let n = ring.pendingRequests(); n > 0; n--) {
      const off = ring.nextRequestOffset();
      const id = dv.getUint32(off, true); // copy out before use
      const value = dv.getUint32(off + 4, true);
      ring.consumeRequest();
      const r = ring.nextResponseOffset();
      dv.setUint32(r, id, true);
      dv.setUint32(r + 4, (value * 2 + 1) >>> 0, true);
      ring.u8.set(payload, r + 8);
      ring.commitResponse();
      served++;
    }
    if (ring.pushResponses()) front.ring();
  }
  const report: PeerReport = { served, rung: front.rung, sleeps, arms };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  seg.unmap();
}

/** The same exchange over a Unix-domain socket: 16-byte requests, 512-byte replies. */
function serveSocket(path: string): void {
  const reply = Buffer.alloc(PEER_PAYLOAD, 7);
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    let pending = 0;
    sock.on('data', (chunk) => {
      pending += chunk.length;
      while (pending >= SOCKET_REQUEST) {
        pending -= SOCKET_REQUEST;
        sock.write(reply);
      }
    });
    sock.on('error', () => sock.destroy());
  });
  server.listen(path, () => process.stdout.write('listening\n'));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

export const SOCKET_REQUEST = 16;

if (process.argv[1]?.endsWith('sector-ring-peer.js')) {
  const args = process.argv.slice(2);
  if (args[0] === '--socket') serveSocket(args[1]);
  else if (WAIT_MODES.includes(args[2] as WaitMode)) serve(args[0], Number(args[1]), args[2] as WaitMode);
  else {
    process.stderr.write(`sector-ring-peer: the wait mode must be one of ${WAIT_MODES.join(', ')}, not ${args[2] ?? 'nothing'}\n`);
    process.exitCode = 2;
  }
}
