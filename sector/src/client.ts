// ./bin/client <threads> <requests>
//
// Registers one ring with the service, asks it for the first and last sector, then
// runs <threads> worker threads that share the ring and together make <requests>
// random reads (split evenly); each blocks until its own reply arrives. Prints
// max|avg|min|stddev|rps: per-request latency in nanoseconds, and requests per second
// over the wall time of the reading phase. Writes sectors.PID and read.PID to the
// current directory.
//
// Environment (for benchmarks): SECTOR_CLIENT_START_AT=<ms since the epoch> holds the
// threads until then, so several clients start together; SECTOR_LATENCY_OUT=<file>
// writes the latency histogram there as JSON.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ClientShared, CTL_GO, CTL_READY } from './client-shared.js';
import type { ClientThreadData } from './client-worker.js';
import { connect, type Connection, disconnect, geometry } from './frontend.js';
import { runDir } from './names.js';
import { closeReplyFiles, createReplyFiles, ReplyLog, type ReplyFiles } from './output.js';
import { MAX_THREADS } from './protocol.js';
import { Latency, resultLine } from './stats.js';

const USAGE = 'usage: client <threads> <requests>';
const MAX_REQUESTS = 1_000_000_000;
const READY_TIMEOUT_MS = 30_000;

function die(message: string, status = 1): never {
  console.error(message);
  process.exit(status);
}

function count(arg: string, what: string, max: number): number {
  const n = /^[0-9]+$/.test(arg) ? Number(arg) : Number.NaN;
  if (!(n >= 1 && n <= max)) die(`client: ${what} must be a whole number from 1 to ${max} (got "${arg}")`, 2);
  return n;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits (keeping the event loop free, so a thread's failure is heard) until every thread is ready. */
async function waitReady(shared: ClientShared, threads: number, errors: string[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Atomics.load(shared.ctl, CTL_READY) < threads) {
    if (errors.length > 0) throw new Error(`a client thread failed: ${errors[0]}`);
    if (Date.now() > deadline) throw new Error('client threads failed to start');
    await sleep(5);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length !== 2) die(USAGE, 2);
  const threads = count(args[0], 'threads', MAX_THREADS);
  const requests = count(args[1], 'requests', MAX_REQUESTS);

  const shared = ClientShared.create(threads);
  let conn: Connection;
  try {
    conn = connect(runDir(), shared.pvt);
  } catch (e) {
    die(`client: ${(e as Error).message}`);
  }
  let files: ReplyFiles | undefined;
  const workers: Worker[] = [];
  const errors: string[] = [];
  try {
    const geo = geometry(conn);
    files = createReplyFiles(process.cwd(), process.pid);
    const exited: Promise<unknown>[] = [];
    for (let t = 0; t < threads; t++) {
      const data: ClientThreadData = {
        index: t,
        count: Math.floor(requests / threads) + (t < requests % threads ? 1 : 0),
        first: geo.first,
        last: geo.last,
        sab: shared.sab,
        threads,
        files,
        ring: { name: conn.seg.name, addr: conn.seg.addr, size: conn.seg.size },
        registry: { name: conn.registry.seg.name, addr: conn.registry.seg.addr, size: conn.registry.seg.size },
      };
      const w = new Worker(new URL('./client-worker.js', import.meta.url), { workerData: data });
      w.on('error', (e) => {
        errors.push(e.message);
        shared.abort();
      });
      exited.push(
        new Promise((resolve) =>
          w.once('exit', (code) => {
            if (code !== 0 && errors.length === 0) errors.push(`thread ${t} exited with status ${code}`);
            resolve(code);
          }),
        ),
      );
      workers.push(w);
    }
    await waitReady(shared, threads, errors);
    const startAt = Number(process.env.SECTOR_CLIENT_START_AT ?? 0);
    if (startAt > Date.now()) await sleep(startAt - Date.now());
    const t0 = performance.timeOrigin + performance.now();
    Atomics.store(shared.ctl, CTL_GO, 1);
    Atomics.notify(shared.ctl, CTL_GO);
    await Promise.all(exited);
    if (errors.length > 0) throw new Error(errors.find((m) => m !== 'run aborted') ?? errors[0]);
    const seconds = (Math.max(...shared.finishedAt) - t0) / 1000;

    new ReplyLog(shared.logBuffer, files).flush(); // the last partial chunk
    closeReplyFiles(files, true);
    files = undefined;
    disconnect(conn);
    const total = new Latency();
    for (let t = 0; t < threads; t++) total.add(shared.latency(t));
    console.log(resultLine(total.summary(), requests / seconds));
    if (process.env.SECTOR_LATENCY_OUT) {
      fs.writeFileSync(
        process.env.SECTOR_LATENCY_OUT,
        JSON.stringify({ threads, requests, seconds, start: t0, summary: total.summary(), hist: Array.from(total.hist) }),
      );
    }
  } catch (e) {
    shared.abort();
    await Promise.all(workers.map((w) => w.terminate()));
    if (files !== undefined) closeReplyFiles(files, false);
    disconnect(conn);
    die(`client: ${(e as Error).message}`);
  }
}

await main();
