// How long a key-value request takes to fail when the S3 endpoint is down: one that
// accepts connections and never answers (a hung server), and a closed port. For each,
// the first request, the next ones while the circuit breaker is open (failFastMs after
// a timeout), and one after the breaker closed again. The s3 backend as the VMM opens
// it (proxy/kv/open-backend.ts, default timeouts), with and without AWS credentials
// (without, the backend asks the endpoint whether it answers: endpoint-probe.ts).
// The baseline is a GET that succeeds against the embedded S3 server in the same run.
// `npm run bench` runs it; docs/benchmarks.md keeps the figures.
import { createServer, type Socket } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FailureLog } from '../proxy/kv/failure-log.js';
import { openBackend } from '../proxy/kv/open-backend.js';
import { S3_DEFAULTS } from '../proxy/kv/s3-backend.js';
import type { BenchOptions, Benchmark } from './lib/cli.js';
import { runCommandLine } from './lib/cli.js';
import { type BenchReport, type Figure, figure } from './lib/figures.js';
import { printTable, progress } from './lib/report.js';

const key = Buffer.from('k');

async function hungEndpoint(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function closedEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function timeGet(get: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await get().catch(() => undefined);
  return performance.now() - t0;
}

/** ms for: the first request, the median of three more at once after it, and one after the breaker closed. */
async function series(endpoint: string, credentials: boolean): Promise<number[]> {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  if (credentials) {
    process.env.AWS_ACCESS_KEY_ID = 'BENCH';
    process.env.AWS_SECRET_ACCESS_KEY = 'BENCH';
  } else {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent';
    process.env.AWS_CONFIG_FILE = '/nonexistent';
  }
  const kv = await openBackend({ backend: 's3', s3Endpoint: endpoint, failureLog: new FailureLog(() => {}) });
  try {
    const first = await timeGet(() => kv.get(key));
    const later = [await timeGet(() => kv.get(key)), await timeGet(() => kv.get(key)), await timeGet(() => kv.get(key))].sort((a, b) => a - b)[1];
    await new Promise((resolve) => setTimeout(resolve, S3_DEFAULTS.failFastMs + 100));
    const after = await timeGet(() => kv.get(key));
    return [first, later, after];
  } finally {
    await kv.close();
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = saved.id;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  }
}

export async function benchS3Hang(_options: BenchOptions = {}): Promise<BenchReport> {
  progress('s3 endpoint down: time to fail a request (about a minute)');
  const figures: Figure[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-bench-hang-'));
  const live = await openBackend({ backend: 's3', dir, failureLog: new FailureLog(() => {}) });
  await live.put(key, Buffer.from('v'));
  const baseline = [await timeGet(() => live.get(key)), await timeGet(() => live.get(key)), await timeGet(() => live.get(key))].sort((a, b) => a - b)[1];
  await live.close();
  fs.rmSync(dir, { recursive: true, force: true });

  const rows: (string | number)[][] = [['GET from the embedded server (baseline)', baseline.toFixed(1), '', '', '1']];
  const hung = await hungEndpoint();
  const closed = await closedEndpoint();
  for (const [label, endpoint, credentials] of [
    ['hung endpoint', hung.endpoint, true],
    ['hung endpoint, no credentials', hung.endpoint, false],
    ['closed port', closed, true],
    ['closed port, no credentials', closed, false],
  ] as const) {
    const [first, later, after] = await series(endpoint, credentials);
    rows.push([label, first.toFixed(1), later.toFixed(1), after.toFixed(1), (first / baseline).toFixed(0)]);
    figures.push(figure(`${label}: first`, 'ms', 'lower', [first]), figure(`${label}: next`, 'ms', 'lower', [later]));
  }
  await hung.stop();
  printTable(
    `s3 endpoint down: ms until a GET fails (defaults: ${S3_DEFAULTS.operationTimeoutMs / 1000} s per request, requests fail at once for ${S3_DEFAULTS.failFastMs / 1000} s after a timeout)`,
    ['endpoint', 'first', 'next (median of 3)', `after ${S3_DEFAULTS.failFastMs / 1000} s`, 'first / baseline'],
    rows,
  );
  return {
    name: 's3-hang',
    title: 'S3 endpoint down: ms until a GET fails, first and while the breaker is open',
    figures: [figure('GET from the embedded server (baseline)', 'ms', 'lower', [baseline]), ...figures],
  };
}

export const s3HangBenchmark: Benchmark = {
  name: 's3-hang',
  summary: 'time to fail a request when the S3 endpoint hangs or refuses, first and while failing fast',
  defaultRounds: 'one series per endpoint',
  run: benchS3Hang,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCommandLine([s3HangBenchmark], process.argv.slice(2), 'node dist/bench/s3-hang.js');
