// --stats and --stats-file: every system call counted by name (the machine-code hook
// counts by number while statistics are on, JavaScript when it cannot), the VMM's time
// by kind of exit, and hypercall latencies with the key-value round trip.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { guestBin, runVm } from '../../helpers/run-vm.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-stats-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function statsOf(args: string[], env?: NodeJS.ProcessEnv) {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  const r = runVm([...args, '--stats-file', file], { env: env && { ...process.env, ...env } });
  return { r, stats: JSON.parse(fs.readFileSync(file, 'utf8')) };
}

describe('--stats-file', () => {
  it('counts every system call by name, the counts adding up to the total', () => {
    const { r, stats } = statsOf([guestBin('tests', 'strace')]);
    expect(r.status).toBe(0);
    const byName: Record<string, number> = stats.systemCalls.byName;
    // open x4, close x3, write x2, read x1 (strace.c), as --strace shows them.
    expect(byName).toMatchObject({ open: 4, close: 3, write: 2, read: 1, exit_group: 1 });
    expect(Object.values(byName).reduce((a, b) => a + b, 0)).toBe(stats.systemCalls.total);
    expect(stats.systemCalls.handledInJavaScript).toBeLessThan(stats.systemCalls.total);
  });

  it('counts them in JavaScript, as exactly, when the hook cannot read the number', () => {
    const { stats } = statsOf([guestBin('tests', 'strace')], { UNIKV_REGISTER_STORES: 'off' });
    expect(stats.engine.registerFile).toBe('disabled');
    expect(stats.systemCalls.byName).toMatchObject({ open: 4, close: 3, write: 2, read: 1, exit_group: 1 });
    expect(stats.systemCalls.handledInJavaScript).toBe(stats.systemCalls.total);
  });

  it('gives the time per kind of exit and the key-value round trip with p50 and p99', () => {
    const { r, stats } = statsOf([guestBin('examples', 'kvdemo'), '--backend', 'memory']);
    expect(r.status).toBe(0);
    expect(stats.exitTime.hypercall.count).toBe(stats.exits.hypercall - (stats.hypercalls.find((h: { name: string }) => h.name === 'COPY')?.count ?? 0));
    expect(stats.exitTime.hypercall.seconds).toBeGreaterThan(0);
    const put = stats.hypercallLatency.find((l: { name: string; span: string }) => l.name === 'KV_PUT' && l.span === 'submit to completion');
    expect(put).toBeDefined();
    expect(put.count).toBe(stats.hypercalls.find((h: { name: string }) => h.name === 'KV_PUT').count);
    expect(put.p50Us).toBeGreaterThan(0);
    expect(put.p99Us).toBeGreaterThanOrEqual(put.p50Us);
    expect(put.maxUs).toBeGreaterThanOrEqual(put.p99Us);
    expect(stats.hypercallLatency).toContainEqual(expect.objectContaining({ name: 'WRITE', span: 'handler' }));
    expect(stats.systemCalls.byName.kv_put).toBe(put.count);
  });
});

describe('--stats', () => {
  it('prints the calls by name, the time by kind of exit and the latency table', () => {
    const r = runVm([guestBin('examples', 'kvdemo'), '--backend', 'memory', '--stats']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/System calls by name:\n(.|\n)* {2}kv_put +\d+\n/);
    expect(r.stderr).toMatch(/Time in the VMM by kind of exit:\n {2}\S+ +\d+\.\d{3} ms {2}\(\d+\)/);
    expect(r.stderr).toMatch(/Hypercall latency \(us\): +count +p50 +p99 +max\n {2}KV_PUT \(submit to completion\) +\d+ +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d\n/);
  });
});
