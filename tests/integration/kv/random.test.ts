// The multi-threaded randomized check: threads with private keys, every get checked
// against a model, and threads sharing keys, every get a whole value some put wrote
// and never older than one the same reader saw. On 1 and 4 vCPUs.
import { afterAll, describe, it } from 'vitest';
import { PRIVATE_CHECK, SHARED_CHECK, expectAllPassed, runKvcheck, tempDir, uniquePrefix } from './kv-run.js';

const work = tempDir('random');
afterAll(() => work.remove());

describe.concurrent('kvcheck randomized, many threads', () => {
  for (const cpus of [1, 4]) {
    it(`8 threads x 500 operations on ${cpus} vCPU(s), memory backend`, async () => {
      const r = await runKvcheck({
        vm: ['--backend', 'memory', '--cpus', String(cpus)],
        prefix: uniquePrefix('random'),
        threads: 8,
        ops: 500,
        seed: 11 + cpus,
        phases: 'private,shared',
        cwd: work.dir,
      });
      expectAllPassed(r, [PRIVATE_CHECK, SHARED_CHECK]);
    });
  }

  it('32 threads x 150 operations on 4 vCPUs, memory backend', async () => {
    const r = await runKvcheck({
      vm: ['--backend', 'memory', '--cpus', '4'],
      prefix: uniquePrefix('random32'),
      threads: 32,
      ops: 150,
      seed: 5,
      phases: 'private,shared',
      cwd: work.dir,
    });
    expectAllPassed(r, [PRIVATE_CHECK, SHARED_CHECK]);
  });

  it('8 threads x 60 operations on 4 vCPUs, s3 (embedded server)', async () => {
    const dir = tempDir('random-s3');
    try {
      const r = await runKvcheck({
        vm: ['--backend', 's3', '--kv-dir', dir.dir, '--cpus', '4'],
        prefix: uniquePrefix('random-s3'),
        threads: 8,
        ops: 60,
        seed: 21,
        phases: 'private,shared',
        cwd: work.dir,
      });
      expectAllPassed(r, [PRIVATE_CHECK, SHARED_CHECK]);
    } finally {
      dir.remove();
    }
  });
});
