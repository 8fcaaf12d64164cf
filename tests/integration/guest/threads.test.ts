// musl pthreads on 1, 2 and 4 vCPUs: exact counters under contention, condition
// variables, many threads, barriers, sleeping, futex timeouts, exit_group.
import { describe, expect, it } from 'vitest';
import { guestBin, runVmAsync } from '../../helpers/run-vm.js';

const threads = guestBin('tests', 'threads');
const run = (cpus: number, ...args: string[]) => runVmAsync([threads, '--cpus', String(cpus), '--', ...args]);

describe('threads', () => {
  for (const cpus of [1, 2, 4]) {
    it(`a mutex-protected counter with 8 threads ends exact on ${cpus} vCPU(s)`, async () => {
      const r = await run(cpus, 'mutex', '8', '20000');
      expect(r.stdout.toString()).toBe('mutex: OK counter=160000 expected=160000\n');
      expect(r.status).toBe(0);
    });
    it(`__atomic_fetch_add from 8 threads ends exact on ${cpus} vCPU(s)`, async () => {
      const r = await run(cpus, 'atomic', '8', '100000');
      expect(r.stdout.toString()).toBe('atomic: OK counter=800000 expected=800000\n');
      expect(r.status).toBe(0);
    });
  }

  it('a condition-variable producer and consumer pass 20000 items in order', async () => {
    for (const cpus of [1, 2]) expect((await run(cpus, 'condvar', '20000')).stdout.toString()).toBe('condvar: OK\n');
  });

  it('creates and joins 1000 threads', async () => {
    const r = await run(2, 'create', '1000');
    expect(r.stdout.toString()).toBe('create: OK\n');
    expect(r.status).toBe(0);
  });

  it('a barrier holds 8 threads together for 50 rounds', async () => {
    for (const cpus of [1, 4]) expect((await run(cpus, 'barrier', '8', '50')).stdout.toString()).toBe('barrier: OK\n');
  });

  for (const cpus of [1, 2, 4]) {
    it(`a thread spinning without ever calling the kernel does not starve others on ${cpus} vCPU(s)`, async () => {
      const r = await run(cpus, 'spinner', '4');
      expect(r.stdout.toString()).toBe('spinner: OK\n');
      expect(r.status).toBe(0);
    });
    it(`a thread computing without system calls finishes beside a spinning one on ${cpus} vCPU(s)`, async () => {
      const r = await run(cpus, 'spinner-compute', '20000000');
      expect(r.stdout.toString()).toBe('spinner-compute: OK\n');
      expect(r.status).toBe(0);
    });
  }

  it('nanosleep sleeps at least as long as asked, and not much longer', async () => {
    const r = await run(1, 'sleep', '50');
    const us = Number(/slept_us=(\d+)/.exec(r.stdout.toString())?.[1]);
    expect(r.status).toBe(0);
    expect(us).toBeGreaterThanOrEqual(50_000);
    expect(us).toBeLessThan(150_000);
  });

  it('a futex wait with a timeout nobody ends returns ETIMEDOUT after the timeout', async () => {
    const r = await run(2, 'futex-timeout', '40');
    expect(r.stdout.toString()).toMatch(/^futex-timeout: OK waited_us=\d+\n$/);
    expect(r.status).toBe(0);
  });

  it('exit_group ends the VM with its status while other threads run and sleep', async () => {
    for (const cpus of [1, 4]) {
      const r = await run(cpus, 'exit-group');
      expect(r.stdout.toString()).toBe('exit-group: exiting\n');
      expect(r.status).toBe(3);
    }
  });

  it('a guest that creates threads until memory runs out gets EAGAIN or ENOMEM, not a crashed VMM', async () => {
    const r = await run(1, 'spawn-until-fail');
    expect(r.stdout.toString()).toMatch(/^spawn-until-fail: OK created=\d+ error=(EAGAIN|ENOMEM)\n$/);
    expect(r.status).toBe(0);
  });

  it('boots all vCPUs and still runs single-threaded programs', async () => {
    const r = await runVmAsync([guestBin('examples', 'hello'), '--cpus', '16']);
    expect(r.stdout.toString()).toBe('Hello from the unikv unikernel!\n');
    expect(r.status).toBe(0);
  });
});
