// End to end: the real service and real clients (bin/service, bin/client) on an image,
// as a user would run them, with N clients of T threads started together.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DirectReader } from '../src/aio.js';
import { launcher as BIN } from '../src/paths.js';
import { percentileOf } from '../src/stats.js';

export interface E2EResult {
  imageMiB: number;
  clients: number;
  threads: number;
  requests: number;
  seconds: number;
  rps: number;
  p50us: number;
  p90us: number;
  p99us: number;
  maxUs: number;
  /** Share of both CPUs busy from the common start to the last exit (all processes on the machine). */
  cpuBusy: number;
  verified: number;
}

/** Writes `mib` MiB of random bytes and syncs them (O_DIRECT reads must not meet dirty pages). */
export function makeImage(file: string, mib: number): void {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < mib; i++) {
    crypto.randomFillSync(chunk);
    fs.writeSync(fd, chunk);
  }
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

/** The disk's own random 512-byte O_DIRECT read rate at a given queue depth. */
export function diskRate(image: string, depth: number, seconds: number): number {
  const reader = DirectReader.open(image, depth);
  const random = (): number => Math.floor(Math.random() * reader.sectors);
  try {
    for (let i = 0; i < depth; i++) reader.start(random());
    reader.submit();
    let done = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      const n = reader.reap(1, 100);
      for (let i = 0; i < n; i++) {
        if (reader.resultOf(i) !== 512) throw new Error('disk read failed');
        reader.release(reader.tagOf(i));
        reader.start(random());
      }
      reader.submit();
      done += n;
    }
    return done / ((performance.now() - start) / 1000);
  } finally {
    reader.close();
  }
}

function cpuTimes(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface ServiceHandle {
  env: NodeJS.ProcessEnv;
  stop(): string;
}

export function startService(image: string, runDir: string): ServiceHandle {
  const env = { ...process.env, SECTOR_RUN_DIR: runDir };
  execFileSync(BIN('service'), ['start', '--image', image], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  return { env, stop: () => execFileSync(BIN('service'), ['stop'], { env, encoding: 'utf8' }) };
}

interface ClientReport {
  requests: number;
  seconds: number;
  start: number;
  hist: number[];
  summary: { max: number };
}

/** Runs `clients` clients of `threads` threads, `requests` each, started together in `dir`. */
export async function runClients(
  service: ServiceHandle,
  dir: string,
  imageMiB: number,
  clients: number,
  threads: number,
  requests: number,
): Promise<E2EResult> {
  const startAt = Date.now() + 1500 + clients * 700; // time for every client to start its threads
  let cpu0 = cpuTimes();
  const sample = setTimeout(() => (cpu0 = cpuTimes()), startAt - Date.now()); // CPU use from the start of the reads
  const runs = Array.from({ length: clients }, (_, i) => {
    const latencyFile = path.join(dir, `latency.${i}.json`);
    const child = spawn(BIN('client'), [String(threads), String(requests)], {
      cwd: dir,
      env: { ...service.env, SECTOR_CLIENT_START_AT: String(startAt), SECTOR_LATENCY_OUT: latencyFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new Promise<{ pid: number; report: ClientReport }>((resolve, reject) => {
      child.once('exit', (code) => {
        if (code !== 0) reject(new Error(`client exited with status ${code}`));
        else resolve({ pid: child.pid!, report: JSON.parse(fs.readFileSync(latencyFile, 'utf8')) as ClientReport });
      });
    });
  });
  const done = await Promise.all(runs);
  const cpu1 = cpuTimes();
  clearTimeout(sample);
  const first = Math.min(...done.map((d) => d.report.start));
  const last = Math.max(...done.map((d) => d.report.start + d.report.seconds * 1000));
  const hist = new Array<number>(done[0].report.hist.length).fill(0);
  for (const d of done) {
    d.report.hist.forEach((v, i) => {
      hist[i] += v;
    });
  }
  const total = clients * requests;
  // Prove one client's replies against the image while we are here.
  const probe = done[0].pid;
  const out = execFileSync(BIN('tool_for_integrity'), [path.join(dir, 'image.img'), path.join(dir, `sectors.${probe}`), path.join(dir, `read.${probe}`)], {
    encoding: 'utf8',
  });
  const verified = Number(/verified (\d+)/.exec(out)?.[1] ?? 0);
  for (const d of done) {
    for (const f of [`sectors.${d.pid}`, `read.${d.pid}`]) fs.rmSync(path.join(dir, f), { force: true });
  }
  return {
    imageMiB,
    clients,
    threads,
    requests: total,
    seconds: (last - first) / 1000,
    rps: total / ((last - first) / 1000),
    p50us: percentileOf(hist, 50) / 1000,
    p90us: percentileOf(hist, 90) / 1000,
    p99us: percentileOf(hist, 99) / 1000,
    maxUs: Math.max(...done.map((d) => d.report.summary.max)) / 1000,
    cpuBusy: (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total),
    verified,
  };
}
