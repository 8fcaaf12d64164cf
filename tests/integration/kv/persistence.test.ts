// Persistence across VM restarts: one VM stores keys (and deletes one), a second VM
// with the same --kv-dir reads them back byte for byte, on fs and on s3 (embedded
// server). The negative cases show the check can fail: another directory, or the
// memory backend, does not have the keys.
import { afterAll, describe, expect, it } from 'vitest';
import { checks } from '../../helpers/run-vm.js';
import { expectAllPassed, runKvcheck, tempDir, uniquePrefix } from './kv-run.js';

const work = tempDir('persist');
afterAll(() => work.remove());

const run = (vm: string[], prefix: string, phase: string) => runKvcheck({ vm, prefix, phases: phase, cwd: work.dir });

describe.concurrent('the store outlives the VM', () => {
  for (const backend of ['fs', 's3']) {
    it(`${backend}: keys written by one VM are read by the next with the same --kv-dir`, async () => {
      const dir = tempDir(`persist-${backend}`);
      const other = tempDir(`persist-${backend}-other`);
      try {
        const prefix = uniquePrefix(`persist-${backend}`);
        const vm = ['--backend', backend, '--kv-dir', dir.dir];
        expectAllPassed(await run(vm, prefix, 'persist-write'), ['persist write']);
        expectAllPassed(await run(vm, prefix, 'persist-read'), ['persist read']);
        expectAllPassed(await run(vm, prefix, 'persist-read'), ['persist read']); // reading changes nothing
        const elsewhere = await run(['--backend', backend, '--kv-dir', other.dir], prefix, 'persist-read');
        expect(checks(elsewhere.stdout)).toEqual({ 'persist read': false });
        expect(elsewhere.status).toBe(1);
      } finally {
        dir.remove();
        other.remove();
      }
    });
  }

  it('memory: a new VM starts empty', async () => {
    const prefix = uniquePrefix('persist-memory');
    expectAllPassed(await run(['--backend', 'memory'], prefix, 'persist-write'), ['persist write']);
    const r = await run(['--backend', 'memory'], prefix, 'persist-read');
    expect(checks(r.stdout)).toEqual({ 'persist read': false });
  });
});
