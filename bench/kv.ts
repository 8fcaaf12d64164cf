// The key-value benchmarks (part of `npm run bench`; alone: `node dist/bench/kv.js`).
//
// (a) The S3 path against Ceph RGW on loopback (toolchain/rgw): kvbench in the guest
//     (guest threads -> kernel -> device -> channel -> proxy -> SDK -> RGW) beside two
//     plain Node clients run against the same server with the same concurrency, value
//     size and mix, in alternating rounds of the same run:
//       - "direct SDK": @aws-sdk/client-s3 called directly, one object per key;
//       - "proxy backend alone": the proxy's S3 backend (proxy/kv) called in a plain
//         Node process, no VMM: what the proxy adds over the SDK (hashing, records,
//         per-key queue, deadlines), separate from what the guest path adds.
//     Reported: operations/s, p50/p99 latency, and guest / direct.
// (b) kvbench against the memory backend with 16 threads on 1 vCPU: what the path
//     itself costs when the backend costs nothing; with each call timed (two
//     clock_gettime system calls around it) and without. 320,000 operations a run:
//     the first few thousand run while V8 and the engine are still compiling the
//     path, so a short run understates the rate, and a throughput figure is about
//     the steady state; the short run is reported too.
//
// Prints tables on stdout, progress on stderr, returns the figures.
// Options: --rounds N (default 3), --rgw-ops N (per thread, default 60).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GUEST_BIN_DIR, PROJECT_ROOT, VMM_NODE_ARGS } from '../vmm/paths.js';
import { INSTALL_HINT, rgwAvailable, startRgw } from '../toolchain/rgw/rgw.js';
import { openBackend } from '../proxy/kv/open-backend.js';
import { median, percentile } from '@unikv/bench-kit/stats';
import { type BenchOptions, type Benchmark, runCommandLine } from './lib/cli.js';
import { type BenchReport, type Figure, figure } from './lib/figures.js';
import { printTable, progress } from './lib/report.js';

const KVBENCH = path.join(GUEST_BIN_DIR, 'bench', 'kvbench.elf');
const SELF = path.join(PROJECT_ROOT, 'dist', 'bench', 'kv.js');
const BUCKET = 'unikv-bench';
/** kvbench's keys per thread (guest-src/app/bench/kvbench.c, KEYS_PER_THREAD). */
const KEYS_PER_THREAD = 32;

interface Workload {
  threads: number;
  ops: number;
  putPercent: number;
  valueSize: number;
  prefix: string;
}
interface Result {
  opsPerS: number;
  p50Us: number;
  p99Us: number;
  seconds: number;
  errors: number;
}

function run(args: string[], env?: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: env ?? process.env, cwd: PROJECT_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const MACHINE = /^kvbench threads=(\d+) ops=(\d+) seconds=([0-9.]+) ops_per_s=([0-9.]+) p50_us=([0-9.]+) p99_us=([0-9.]+)$/m;

function parseMachineLine(out: string, what: string): Result {
  const m = MACHINE.exec(out);
  if (!m) throw new Error(`${what}: no kvbench line in its output:\n${out}`);
  const failed = /(\d+) calls failed/.exec(out);
  return { seconds: Number(m[3]), opsPerS: Number(m[4]), p50Us: Number(m[5]), p99Us: Number(m[6]), errors: failed ? Number(failed[1]) : 0 };
}

async function guest(w: Workload, vmOptions: string[], env?: NodeJS.ProcessEnv, timing = 'call'): Promise<Result> {
  const args = [...VMM_NODE_ARGS, KVBENCH, ...vmOptions, '--', String(w.threads), String(w.ops), String(w.putPercent), String(w.valueSize), w.prefix, timing];
  const r = await run(args, env);
  const result = parseMachineLine(r.stdout, `kvbench ${vmOptions.join(' ')}`);
  if (r.status !== 0) throw new Error(`kvbench ${vmOptions.join(' ')} exited with ${r.status}:\n${r.stdout}${r.stderr}`);
  return result;
}

// ---------------------------------------------------------------- the Node clients

interface KvClient {
  put(key: string, value: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

async function sdkClient(endpoint: string, bucket: string): Promise<KvClient> {
  // What a user of the SDK would write against a local S3 server.
  const s3 = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    async put(key, value) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: value }));
    },
    async get(key) {
      const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    },
    async close() {
      s3.destroy();
    },
  };
}

async function proxyBackendClient(endpoint: string, bucket: string): Promise<KvClient> {
  const kv = await openBackend({ backend: 's3', s3Endpoint: endpoint, bucket });
  return {
    put: (key, value) => kv.put(Buffer.from(key), value),
    get: (key) => kv.get(Buffer.from(key)),
    close: () => kv.close(),
  };
}

/** kvbench's workload from Node: per "thread" an async loop over its own keys,
 * prefilled when there are gets, all started together, every call timed. */
async function nodeWorkload(client: KvClient, w: Workload): Promise<Result> {
  const keys = Math.min(w.ops, KEYS_PER_THREAD);
  const keyOf = (t: number, k: number) => `${w.prefix}/${t}/${k}`;
  const value = Buffer.alloc(w.valueSize, 0x5a);
  let errors = 0;
  if (w.putPercent < 100) {
    await Promise.all(
      Array.from({ length: w.threads }, async (_, t) => {
        for (let k = 0; k < keys; k++)
          await client.put(keyOf(t, k), value).catch(() => {
            errors++;
          });
      }),
    );
  }
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: w.threads }, async (_, t) => {
      for (let i = 0; i < w.ops; i++) {
        const k = Math.floor(Math.random() * keys);
        const isPut = Math.random() * 100 < w.putPercent;
        const t0 = performance.now();
        try {
          if (isPut) await client.put(keyOf(t, k), value);
          else if ((await client.get(keyOf(t, k)))?.length !== w.valueSize) errors++;
        } catch {
          errors++;
        }
        latencies.push((performance.now() - t0) * 1000);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, opsPerS: latencies.length / seconds, p50Us: percentile(latencies, 50), p99Us: percentile(latencies, 99), errors };
}

/** Runs one Node client in its own process (as the VMM is), like kvbench. */
async function nodeClient(kind: 'sdk' | 'proxy', endpoint: string, w: Workload, env: NodeJS.ProcessEnv): Promise<Result> {
  const r = await run([SELF, '--client', kind, endpoint, BUCKET, JSON.stringify(w)], env);
  if (r.status !== 0) throw new Error(`${kind} client exited with ${r.status}:\n${r.stdout}${r.stderr}`);
  return parseMachineLine(r.stdout, `${kind} client`);
}

async function clientMain(argv: string[]): Promise<void> {
  const [kind, endpoint, bucket, json] = argv;
  const w = JSON.parse(json) as Workload;
  const client = kind === 'sdk' ? await sdkClient(endpoint, bucket) : await proxyBackendClient(endpoint, bucket);
  const r = await nodeWorkload(client, w);
  await client.close();
  if (r.errors) console.log(`${r.errors} calls failed`);
  console.log(
    `kvbench threads=${w.threads} ops=${w.threads * w.ops} seconds=${r.seconds.toFixed(6)} ops_per_s=${r.opsPerS.toFixed(1)} p50_us=${r.p50Us.toFixed(1)} p99_us=${r.p99Us.toFixed(1)}`,
  );
  process.exit(r.errors ? 1 : 0);
}

// ---------------------------------------------------------------- the benchmark

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (us: number) => (us / 1000).toFixed(1);

interface Summary {
  opsPerS: number;
  p50Us: number;
  p99Us: number;
  all: number[];
}
function summarize(results: Result[]): Summary {
  return {
    opsPerS: median(results.map((r) => r.opsPerS)),
    p50Us: median(results.map((r) => r.p50Us)),
    p99Us: median(results.map((r) => r.p99Us)),
    all: results.map((r) => r.opsPerS),
  };
}

export async function benchKv(options: BenchOptions = {}): Promise<BenchReport> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // the SDK's notice about its Node 22 releases is noise here
  const rounds = options.rounds ?? 3;
  const rgwOps = options.rgwOps ?? 60;
  const tag = `${process.pid}-${Date.now().toString(36)}`;

  // (b) memory backend, 16 threads on 1 vCPU
  const mem: Workload = { threads: 16, ops: 20_000, putPercent: 50, valueSize: 64, prefix: `mem-${tag}` };
  const memTimed: Result[] = [];
  const memUntimed: Result[] = [];
  const memShort: Result[] = [];
  const memOne: Result[] = [];
  for (let round = 0; round < rounds; round++) {
    progress(`kv memory backend, round ${round + 1}/${rounds}: kvbench 16 threads x ${mem.ops}, 1 vCPU`);
    memTimed.push(await guest(mem, ['--backend', 'memory', '--cpus', '1']));
    memUntimed.push(await guest(mem, ['--backend', 'memory', '--cpus', '1'], undefined, 'none'));
    memShort.push(await guest({ ...mem, ops: 500 }, ['--backend', 'memory', '--cpus', '1']));
    memOne.push(await guest({ ...mem, threads: 1, ops: 20_000 }, ['--backend', 'memory', '--cpus', '1']));
  }
  const m16 = summarize(memTimed);
  const m16u = summarize(memUntimed);
  const m16s = summarize(memShort);
  const m1 = summarize(memOne);
  printTable(
    `kvbench, memory backend, 1 vCPU, ${mem.valueSize}-byte values, ${mem.putPercent}% puts (median of ${rounds} runs; goal >= 100,000 ops/s)`,
    ['workload', 'ops/s', 'runs (ops/s)', 'p50', 'p99'],
    [
      [`16 threads x ${mem.ops}, each call timed`, fmt(m16.opsPerS), m16.all.map(fmt).join(' / '), `${m16.p50Us.toFixed(0)} us`, `${m16.p99Us.toFixed(0)} us`],
      [`16 threads x ${mem.ops}, calls not timed`, fmt(m16u.opsPerS), m16u.all.map(fmt).join(' / '), '-', '-'],
      ['16 threads x 500 (warming up), timed', fmt(m16s.opsPerS), m16s.all.map(fmt).join(' / '), `${m16s.p50Us.toFixed(0)} us`, `${m16s.p99Us.toFixed(0)} us`],
      ['1 thread x 20000, each call timed', fmt(m1.opsPerS), m1.all.map(fmt).join(' / '), `${m1.p50Us.toFixed(0)} us`, `${m1.p99Us.toFixed(0)} us`],
    ],
  );

  // (a) Ceph RGW
  if (!rgwAvailable()) throw new Error(`the kv benchmark needs Ceph RGW: ${INSTALL_HINT}`);
  progress('kv: starting Ceph RGW');
  const rgw = await startRgw();
  const figures: Figure[] = [];
  try {
    const env = {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: rgw.accessKeyId,
      AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
      AWS_REGION: 'us-east-1',
    };
    const admin = new S3Client({
      endpoint: rgw.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await admin.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((e: Error) => {
      if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(e.name)) throw e;
    });
    admin.destroy();

    const w: Workload = { threads: 16, ops: rgwOps, putPercent: 50, valueSize: 4096, prefix: '' };
    const guestRuns: Result[] = [];
    const sdkRuns: Result[] = [];
    const proxyRuns: Result[] = [];
    for (let round = 0; round < rounds; round++) {
      progress(`kv RGW, round ${round + 1}/${rounds}: 16 threads x ${w.ops}, 4 KiB values, 50% puts: guest, direct SDK, proxy backend`);
      // The order rotates each round: no client always runs first on a fresh server.
      const clients = [
        async () =>
          guestRuns.push(
            await guest({ ...w, prefix: `guest-${tag}-${round}` }, ['--backend', 's3', '--s3-endpoint', rgw.endpoint, '--bucket', BUCKET, '--cpus', '1'], env),
          ),
        async () => sdkRuns.push(await nodeClient('sdk', rgw.endpoint, { ...w, prefix: `sdk-${tag}-${round}` }, env)),
        async () => proxyRuns.push(await nodeClient('proxy', rgw.endpoint, { ...w, prefix: `proxy-${tag}-${round}` }, env)),
      ];
      for (let i = 0; i < clients.length; i++) await clients[(round + i) % clients.length]();
    }
    const g = summarize(guestRuns);
    const d = summarize(sdkRuns);
    const p = summarize(proxyRuns);
    const ratios = guestRuns.map((r, i) => r.opsPerS / sdkRuns[i].opsPerS);
    printTable(
      `Ceph RGW on loopback, 16 concurrent requests, ${w.valueSize}-byte values, 50% puts, ${w.threads * w.ops} timed ops per run (median of ${rounds} rounds; goal: guest >= 0.9 x direct)`,
      ['client', 'ops/s', 'runs (ops/s)', 'p50', 'p99', 'vs direct SDK'],
      [
        [
          'guest kvbench (VMM, 1 vCPU)',
          fmt(g.opsPerS),
          g.all.map(fmt).join(' / '),
          `${ms(g.p50Us)} ms`,
          `${ms(g.p99Us)} ms`,
          `${(g.opsPerS / d.opsPerS).toFixed(2)}x (per round ${ratios.map((r) => r.toFixed(2)).join(' / ')})`,
        ],
        ['direct @aws-sdk/client-s3', fmt(d.opsPerS), d.all.map(fmt).join(' / '), `${ms(d.p50Us)} ms`, `${ms(d.p99Us)} ms`, '1.00x'],
        [
          'proxy S3 backend alone (no VMM)',
          fmt(p.opsPerS),
          p.all.map(fmt).join(' / '),
          `${ms(p.p50Us)} ms`,
          `${ms(p.p99Us)} ms`,
          `${(p.opsPerS / d.opsPerS).toFixed(2)}x`,
        ],
      ],
    );
    printTable(
      "Where a guest request's time goes (differences of the medians above; a few ms either way is run-to-run noise)",
      ['part', 'p50 share'],
      [
        ['RGW and the SDK (direct client p50)', `${ms(d.p50Us)} ms`],
        ['proxy backend over the SDK (hash, record, per-key queue, deadline)', `${ms(p.p50Us - d.p50Us)} ms`],
        ['guest kernel + device + channel + emulation, 16 threads (guest - backend alone)', `${ms(g.p50Us - p.p50Us)} ms`],
        ['the whole path with a free backend: 1 thread on memory (p50)', `${m1.p50Us.toFixed(0)} us`],
      ],
    );
    figures.push(
      figure('RGW: guest kvbench, 16 threads', 'ops/s', 'higher', g.all),
      figure('RGW: direct SDK client', 'ops/s', 'higher', d.all),
      figure('RGW: proxy backend alone', 'ops/s', 'higher', p.all),
    );
  } finally {
    await rgw.stop();
  }
  figures.push(
    figure('memory: 16 threads, each call timed', 'ops/s', 'higher', m16.all),
    figure('memory: 16 threads, calls not timed', 'ops/s', 'higher', m16u.all),
    figure('memory: 1 thread, each call timed', 'ops/s', 'higher', m1.all),
  );
  return { name: 'kv', title: 'Key-value operations per second: Ceph RGW and the memory backend', figures };
}

export const kvBenchmark: Benchmark = {
  name: 'kv',
  summary: 'kvbench on Ceph RGW (beside the SDK) and on memory',
  defaultRounds: '3 rounds',
  run: benchKv,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--client');
  if (at > 0) await clientMain(process.argv.slice(at + 1));
  else await runCommandLine([kvBenchmark], process.argv.slice(2), 'node dist/bench/kv.js');
}
