// The guest ABI of <kv.h>, checked from inside the guest: kvcheck runs every case of
// the contract (CONTRACT.md, "The guest key-value API") against each backend: memory,
// fs, and s3 on the embedded server. (s3 on Ceph RGW: rgw.test.ts.) A short
// multi-threaded randomized run follows on each, checked against kvcheck's model.
import { afterAll, describe, it } from 'vitest';
import { CONTRACT_CHECKS, PRIVATE_CHECK, SHARED_CHECK, expectAllPassed, runKvcheck, tempDir, uniquePrefix } from './kv-run.js';

const work = tempDir('contract');
afterAll(() => work.remove());

const backends: { name: string; vm: (dir: string) => string[]; threads: number; ops: number }[] = [
  { name: 'memory', vm: () => ['--backend', 'memory'], threads: 8, ops: 300 },
  { name: 'fs', vm: (dir) => ['--backend', 'fs', '--kv-dir', dir], threads: 4, ops: 100 },
  { name: 's3 (embedded server)', vm: (dir) => ['--backend', 's3', '--kv-dir', dir], threads: 4, ops: 60 },
];

describe.concurrent('the <kv.h> contract inside the guest', () => {
  for (const b of backends) {
    it(`every contract case, then a randomized run, on ${b.name}`, async () => {
      const dir = tempDir(b.name.split(' ')[0]);
      try {
        const r = await runKvcheck({
          vm: b.vm(dir.dir),
          prefix: uniquePrefix('contract'),
          threads: b.threads,
          ops: b.ops,
          seed: 3,
          phases: 'contract,private,shared',
          cwd: work.dir,
        });
        expectAllPassed(r, [...CONTRACT_CHECKS, PRIVATE_CHECK, SHARED_CHECK]);
      } finally {
        dir.remove();
      }
    });
  }
});
