// A put blocks only its thread: 64 guest threads on ONE vCPU each put once, all
// released together, against a backend slow enough that the puts overlap (s3 on the
// embedded server). kvbench's untimed warm-up put has the proxy open the backend
// first, so the 64 meet a running server, not a queue in front of one being
// started. The proxy reports how many requests the backend had at once (`--stats`);
// nearly all 64 must have been in flight together.
import { afterAll, describe, expect, it } from 'vitest';
import { runVmAsync } from '../../helpers/run-vm.js';
import { KVBENCH, tempDir, uniquePrefix } from './kv-run.js';

const work = tempDir('flight');
afterAll(() => work.remove());

const PEAK = /^Key-value requests in flight at once \(peak, at the backend\): (\d+)$/m;

describe('64 requests in flight from one vCPU', () => {
  it('64 threads x 1 put on 1 vCPU reach the backend at once (s3, embedded server)', async () => {
    const args = [KVBENCH, '--cpus', '1', '--backend', 's3', '--kv-dir', work.dir, '--stats', '--', '64', '1', '100', '4096', uniquePrefix('flight')];
    const r = await runVmAsync(args, { cwd: work.dir });
    const out = r.stdout.toString();
    expect(out, r.stderr).toMatch(/^kvbench threads=64 ops=64 seconds=[0-9.]+ ops_per_s=[0-9.]+ p50_us=[0-9.]+ p99_us=[0-9.]+$/m);
    expect(r.status, `${out}\n${r.stderr}`).toBe(0);
    const peak = PEAK.exec(r.stderr);
    expect(peak, r.stderr).not.toBeNull();
    // Nearly all 64 overlap (a put that held the vCPU would make it 1); when the host is
    // busy the first answers may come back before the last thread has submitted.
    expect(Number(peak![1]), r.stderr).toBeGreaterThanOrEqual(60);
    expect(Number(peak![1]), r.stderr).toBeLessThanOrEqual(64);
  });

  it('the stats line names the peak for the memory backend too, and is absent without --stats', async () => {
    const r = await runVmAsync([KVBENCH, '--backend', 'memory', '--stats', '--', '4', '10', '50', '64', uniquePrefix('flight-mem')], { cwd: work.dir });
    expect(r.status, r.stderr).toBe(0);
    const peak = Number(PEAK.exec(r.stderr)?.[1]);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(4);
    const quiet = await runVmAsync([KVBENCH, '--backend', 'memory', '--', '4', '10', '50', '64', uniquePrefix('flight-mem')], { cwd: work.dir });
    expect(quiet.stderr).not.toMatch(PEAK);
  });
});
