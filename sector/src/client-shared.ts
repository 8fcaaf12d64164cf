// The memory a client's threads share: one SharedArrayBuffer, private to the process
// (the service never sees it).
//
//   ctl      Int32 words: the ring's private indices (one front end shared by every
//            thread), the producers' lock, the consumers' lock, the start flag, a
//            ready count, an abort flag
//   mail     per thread, Int32 words: state, request id, status
//   floats   per thread: the sector asked for, the time the thread finished
//   latency  per thread: running sums and a histogram (stats.ts)
//   log      the reply log's buffer (output.ts)
//
// A thread fills its mailbox (WAITING, id, sector) before it publishes the request.
// Whichever thread drains the ring (collector.ts) matches each response to a mailbox
// by id, logs it, and sets DONE.
import { PRIVATE_WORDS } from './ring/ring.js';
import { REPLY_LOG_BYTES } from './output.js';
import { HIST_BUCKETS, Latency, SUM_WORDS } from './stats.js';

export const CTL_PVT = 0; // PRIVATE_WORDS words
export const CTL_PROD_LOCK = PRIVATE_WORDS;
export const CTL_CONS_LOCK = PRIVATE_WORDS + 1;
export const CTL_GO = PRIVATE_WORDS + 2;
export const CTL_READY = PRIVATE_WORDS + 3;
export const CTL_ABORT = PRIVATE_WORDS + 4;
const CTL_WORDS = PRIVATE_WORDS + 6;

export const MAIL_WORDS = 4;
export const MAIL_STATE = 0;
export const MAIL_ID = 1;
export const MAIL_STATUS = 2;

export const IDLE = 0;
export const WAITING = 1;
export const DONE = 2;

const LATENCY_BYTES = SUM_WORDS * 8 + HIST_BUCKETS * 4;

export class ClientShared {
  readonly ctl: Int32Array;
  readonly pvt: Int32Array;
  readonly mail: Int32Array;
  readonly mailSector: Float64Array;
  readonly finishedAt: Float64Array;
  readonly logBuffer: Uint8Array;
  private readonly latencyAt: number;

  constructor(
    readonly sab: SharedArrayBuffer,
    readonly threads: number,
  ) {
    const l = ClientShared.layout(threads);
    this.ctl = new Int32Array(sab, 0, CTL_WORDS);
    this.pvt = new Int32Array(sab, CTL_PVT * 4, PRIVATE_WORDS);
    this.mail = new Int32Array(sab, l.mail, threads * MAIL_WORDS);
    this.mailSector = new Float64Array(sab, l.floats, threads);
    this.finishedAt = new Float64Array(sab, l.floats + threads * 8, threads);
    this.latencyAt = l.latency;
    this.logBuffer = new Uint8Array(sab, l.log, REPLY_LOG_BYTES);
  }

  private static layout(threads: number): { mail: number; floats: number; latency: number; log: number; bytes: number } {
    const mail = CTL_WORDS * 4;
    const floats = align8(mail + threads * MAIL_WORDS * 4);
    const latency = floats + threads * 16;
    const log = align8(latency + threads * LATENCY_BYTES);
    return { mail, floats, latency, log, bytes: log + REPLY_LOG_BYTES };
  }

  static create(threads: number): ClientShared {
    return new ClientShared(new SharedArrayBuffer(ClientShared.layout(threads).bytes), threads);
  }

  /** Thread t's latency record (views into the shared buffer). */
  latency(t: number): Latency {
    const at = this.latencyAt + t * LATENCY_BYTES;
    return new Latency(new Float64Array(this.sab, at, SUM_WORDS), new Uint32Array(this.sab, at + SUM_WORDS * 8, HIST_BUCKETS));
  }

  get aborted(): boolean {
    return Atomics.load(this.ctl, CTL_ABORT) !== 0;
  }

  /** Tells every thread to give up, and wakes those waiting to start. */
  abort(): void {
    Atomics.store(this.ctl, CTL_ABORT, 1);
    Atomics.notify(this.ctl, CTL_GO);
  }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
