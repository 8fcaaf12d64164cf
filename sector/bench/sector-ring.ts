// The ring alone: round trips between two processes with the reply served from memory,
// beside the same exchange over a Unix-domain socket, in the same run.
//
// Where the two processes run matters more than anything on a small VM: a wake-up that
// must bring an idle virtual CPU out of halt costs tens of microseconds, one on the
// same CPU a few. So each transport is measured with the scheduler's own placement and
// with both processes on one CPU; the ring is also measured polling (never sleeping,
// no doorbells at all) with one process on each of two CPUs.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RingShape } from '../src/ring/ring.js';
import { Segment } from '../src/ring/shm.js';
import { spinUntil } from '../src/ring/spin-wait.js';
import {
  PEER_PAYLOAD,
  PEER_SHAPE_SLOT_SIZE,
  PEER_STOP,
  peerFront,
  peerSegmentBytes,
  SOCKET_REQUEST,
  SPIN_BUDGET_US,
  type WaitMode,
} from './sector-ring-peer.js';

const PEER = fileURLToPath(new URL('./sector-ring-peer.js', import.meta.url));
const MAX_SAMPLES = 4_000_000;
const WARMUP_MS = 300;

/** CPUs for the two ends: undefined = wherever the scheduler puts them. */
export interface Placement {
  name: string;
  here?: number;
  peer?: number;
}

export const FREE: Placement = { name: "scheduler's choice" };
export const ONE_CPU: Placement = { name: 'both on CPU 0', here: 0, peer: 0 };
export const TWO_CPUS: Placement = { name: 'CPU 0 and CPU 1', here: 0, peer: 1 };

export interface PingResult {
  transport: string;
  placement: string;
  roundTrips: number;
  perSecond: number;
  p50us: number;
  p99us: number;
  /** For rings: doorbells rung by each side and how often the peer slept. */
  notes?: string;
}

/** Pins this process's main thread (taskset), or undoes it. False when taskset is missing. */
function pin(cpu: number | undefined): boolean {
  const all = `0-${os.cpus().length - 1}`;
  try {
    execFileSync('taskset', ['-p', '-c', cpu === undefined ? all : String(cpu), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function spawnPeer(args: string[], cpu: number | undefined): ChildProcess {
  const cmd = cpu === undefined ? [process.execPath, PEER, ...args] : ['taskset', '-c', String(cpu), process.execPath, PEER, ...args];
  return spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
}

function readLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`peer exited (${code}) before answering`)));
  });
}

function summary(samples: Float64Array, n: number, measured: number, seconds: number): Omit<PingResult, 'transport' | 'placement'> {
  const sorted = samples.subarray(0, n).sort();
  return { roundTrips: measured, perSecond: measured / seconds, p50us: sorted[Math.floor(n * 0.5)] / 1000, p99us: sorted[Math.floor(n * 0.99)] / 1000 };
}

const TRANSPORT: Record<WaitMode, string> = {
  sleep: 'shared ring, futex doorbells',
  poll: 'shared ring, polling',
  spin: `shared ring, spin ${SPIN_BUDGET_US} us, then futex`,
};

/**
 * Ping-pong over a shared ring, one request at a time. 'sleep': both sides sleep on
 * futex doorbells whenever the ring is empty; 'poll': neither side ever sleeps (nor
 * arms its event index, so no doorbell is ever rung); 'spin': each side looks for
 * SPIN_BUDGET_US, yielding the CPU between looks, before it sleeps as in 'sleep'.
 */
export async function ringPingPong(seconds: number, mode: WaitMode, where: Placement): Promise<PingResult> {
  const shape: RingShape = { slots: 8, slotSize: PEER_SHAPE_SLOT_SIZE };
  const name = `/sector-bench-${process.pid}-ring`;
  Segment.unlink(name);
  const seg = Segment.create(name, peerSegmentBytes(shape));
  const { ring, mine, peer } = peerFront(seg, shape);
  ring.init();
  const child = spawnPeer([name, String(shape.slots), mode], where.peer);
  const answer = readLine(child);
  pin(where.here);
  const samples = new Float64Array(MAX_SAMPLES);
  const copy = new Uint8Array(PEER_PAYLOAD);
  const dv = ring.dv;
  let n = 0;
  let measured = 0;
  const warmupEnd = performance.now() + WARMUP_MS;
  const end = warmupEnd + seconds * 1000;
  try {
    for (let i = 0; ; i++) {
      const t0 = process.hrtime.bigint();
      const off = ring.nextRequestOffset();
      dv.setUint32(off, i, true);
      dv.setUint32(off + 4, i, true);
      ring.commitRequest();
      if (ring.pushRequests()) peer.ring();
      if (mode === 'spin') spinUntil(() => ring.pendingResponses() > 0, SPIN_BUDGET_US);
      while (ring.pendingResponses() === 0) {
        if (mode === 'poll') continue;
        const seen = mine.read();
        if (!ring.finalCheckForResponses()) mine.wait(seen, 100);
      }
      const r = ring.nextResponseOffset();
      if (dv.getUint32(r, true) !== i || dv.getUint32(r + 4, true) !== (i * 2 + 1) >>> 0) throw new Error('ring reply mismatch');
      copy.set(ring.u8.subarray(r + 8, r + 8 + PEER_PAYLOAD));
      ring.consumeResponse();
      const now = performance.now();
      if (now >= warmupEnd) {
        if (n < MAX_SAMPLES) samples[n++] = Number(process.hrtime.bigint() - t0);
        measured++;
        if (now >= end) break;
      }
    }
  } finally {
    pin(undefined);
    Atomics.store(new Int32Array(seg.buffer, PEER_STOP, 1), 0, 1);
    peer.ring();
  }
  const stats = JSON.parse(await answer) as { served: number; rung: number; sleeps: number };
  seg.unmap();
  Segment.unlink(name);
  return {
    transport: TRANSPORT[mode],
    placement: where.name,
    ...summary(samples, n, measured, seconds),
    notes: `doorbells: client rang ${peer.rung}, server rang ${stats.rung}, server slept ${stats.sleeps} times, for ${stats.served} requests`,
  };
}

/** The same ping-pong (16-byte request, 512-byte reply) over a Unix-domain socket with Node's net. */
export async function socketPingPong(seconds: number, where: Placement): Promise<PingResult> {
  const sockPath = path.join(os.tmpdir(), `sector-bench-${process.pid}.sock`);
  fs.rmSync(sockPath, { force: true });
  const child = spawnPeer(['--socket', sockPath], where.peer);
  await readLine(child);
  pin(where.here);
  const sock = net.connect(sockPath);
  sock.setNoDelay(true);
  await new Promise((resolve) => sock.once('connect', resolve));
  const samples = new Float64Array(MAX_SAMPLES);
  const request = Buffer.alloc(SOCKET_REQUEST, 1);
  let n = 0;
  let measured = 0;
  const warmupEnd = performance.now() + WARMUP_MS;
  const end = warmupEnd + seconds * 1000;
  await new Promise<void>((resolve) => {
    let got = 0;
    let t0 = process.hrtime.bigint();
    const send = (): void => {
      t0 = process.hrtime.bigint();
      sock.write(request);
    };
    sock.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got < PEER_PAYLOAD) return;
      got -= PEER_PAYLOAD;
      const now = performance.now();
      if (now >= warmupEnd) {
        if (n < MAX_SAMPLES) samples[n++] = Number(process.hrtime.bigint() - t0);
        measured++;
        if (now >= end) {
          resolve();
          return;
        }
      }
      send();
    });
    send();
  });
  pin(undefined);
  sock.destroy();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  fs.rmSync(sockPath, { force: true });
  return { transport: 'Unix-domain socket (node:net)', placement: where.name, ...summary(samples, n, measured, seconds) };
}
