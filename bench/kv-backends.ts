// Throughput of each key-value backend: 4 KiB values, 16 requests in flight.
//
//   npx vite-node bench/kv-backends.ts [--seconds N] [--keys N]
//
// Each backend gets a fresh temporary directory; s3 runs against the embedded s3rver,
// as `--backend s3` does by default. Puts go to distinct keys, then gets read them back.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BackendName, KvBackend } from '../proxy/kv/backend.js';
import { openBackend } from '../proxy/kv/open-backend.js';
import { countOption } from '@unikv/bench-kit/args';

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

async function measure(name: BackendName, count: number): Promise<string> {
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
    return `${name.padEnd(6)} ${puts.toFixed(0).padStart(7)} puts/s ${gets.toFixed(0).padStart(7)} gets/s  (${count} ops each, peak ${kv.stats().peakInFlight} in flight)`;
  } finally {
    await kv.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const count = countOption('keys', 2000);
console.log(`4 KiB values, ${CONCURRENCY} concurrent requests`);
for (const name of ['memory', 'fs', 's3'] as const) console.log(await measure(name, name === 'memory' ? count * 20 : count));
