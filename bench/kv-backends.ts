// Throughput of each key-value backend in a plain Node process (no VMM): 4 KiB
// values, 16 requests in flight.
//
//   npm run bench -- kv-backends [--keys N] [--rounds N]
//
// Each backend gets a fresh temporary directory; s3 runs against the embedded s3rver,
// as `--backend s3` does by default. Puts go to distinct keys, then gets read them back.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BackendName, KvBackend } from '../proxy/kv/backend.js';
import { pathToFileURL } from 'node:url';
import { openBackend } from '../proxy/kv/open-backend.js';
import { type BenchOptions, type Benchmark, runCommandLine } from './lib/cli.js';
import { type BenchReport, figure } from './lib/figures.js';
import { printTable, progress } from './lib/report.js';

const CONCURRENCY = 16;
const VALUE_BYTES = 4096;

/** Runs op(i) for i = 0, 1, 2, ... with CONCURRENCY in flight until count ops are done. */
async function drive(count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return count / ((performance.now() - started) / 1000);
}

/** Puts per second, then gets per second, of one backend over `count` keys. */
async function measure(name: BackendName, count: number): Promise<{ puts: number; gets: number }> {
  const dir = await mkdtemp(join(tmpdir(), `unikv-bench-${name}-`));
  const kv: KvBackend = await openBackend({ backend: name, dir });
  try {
    const value = Buffer.alloc(VALUE_BYTES, 0xa5);
    const keyOf = (i: number) => Buffer.from(`bench/key/${i}`);
    await drive(Math.min(count, 200), (i) => kv.put(keyOf(i), value)); // warm up connections and caches
    const puts = await drive(count, (i) => kv.put(keyOf(i), value));
    const gets = await drive(count, async (i) => {
      const read = await kv.get(keyOf(i));
      if (read?.length !== VALUE_BYTES) throw new Error(`bad read of key ${i}`);
    });
    return { puts, gets };
  } finally {
    await kv.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const BACKENDS = ['memory', 'fs', 's3'] as const;

export async function benchKvBackends(options: BenchOptions = {}): Promise<BenchReport> {
  const rounds = options.rounds ?? 1;
  const keys = options.keys ?? 2000;
  const puts = new Map<BackendName, number[]>(BACKENDS.map((b) => [b, []]));
  const gets = new Map<BackendName, number[]>(BACKENDS.map((b) => [b, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of BACKENDS) {
      progress(`kv-backends, round ${round + 1}/${rounds}: ${name}`);
      const r = await measure(name, name === 'memory' ? keys * 20 : keys);
      puts.get(name)?.push(r.puts);
      gets.get(name)?.push(r.gets);
    }
  }
  const fmt = (v: number[]) => v.map((x) => x.toFixed(0)).join(' / ');
  printTable(
    `Key-value backends alone (no VMM): ${VALUE_BYTES}-byte values, ${CONCURRENCY} requests in flight, ${keys} keys (memory: ${keys * 20}); ${rounds} round(s)`,
    ['backend', 'puts/s', 'gets/s'],
    BACKENDS.map((b) => [b, fmt(puts.get(b) ?? []), fmt(gets.get(b) ?? [])]),
  );
  return {
    name: 'kv-backends',
    title: 'Key-value backends alone, in a plain Node process: 4 KiB values, 16 in flight',
    figures: BACKENDS.flatMap((b) => [figure(`${b}: puts`, 'ops/s', 'higher', puts.get(b) ?? []), figure(`${b}: gets`, 'ops/s', 'higher', gets.get(b) ?? [])]),
  };
}

export const kvBackendsBenchmark: Benchmark = {
  name: 'kv-backends',
  summary: 'the proxy backends alone: memory, fs, s3 on s3rver (--keys N)',
  defaultRounds: '1 round, 2000 keys',
  run: benchKvBackends,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await runCommandLine([kvBackendsBenchmark], process.argv.slice(2), 'node dist/bench/kv-backends.js');
