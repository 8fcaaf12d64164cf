// The host's own system call cost, from the same C source the guest's getpid benchmark
// runs (guest-src/app/bench/getpid.c), built with the host's gcc and run natively.
// Why it is measured: every guest-versus-host figure here depends on it. A guest
// system call is emulated and never enters the host kernel, while a native one, and
// every file call forwarded to a --share directory, pays the host's entry and exit;
// on a host with kernel page-table isolation (PTI) that is several times dearer than
// on one without, and the ratios move with it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../vmm/paths.js';
import { buildNative } from '@unikv/bench-kit/native-build';
import { median } from '@unikv/bench-kit/stats';

const SOURCE = path.join(PROJECT_ROOT, 'guest-src', 'app', 'bench', 'getpid.c');

/** Median ns per native getpid over `rounds` runs of `calls` calls. */
export function nativeGetpidNs(calls = 1_000_000, rounds = 3): number {
  const { bin, dispose } = buildNative(SOURCE);
  try {
    const runs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const r = spawnSync(bin, [String(calls)], { encoding: 'utf8' });
      const m = /ns_per_op=([0-9.]+)/.exec(r.stdout);
      if (r.status !== 0 || !m) throw new Error(`native getpid failed: ${r.stderr.trim() || r.stdout.trim()}`);
      runs.push(Number(m[1]));
    }
    return median(runs);
  } finally {
    dispose();
  }
}

/** Whether the host kernel isolates its page tables (each system call then switches CR3). */
export function hostUsesPti(): boolean | undefined {
  try {
    return /PTI/.test(fs.readFileSync('/sys/devices/system/cpu/vulnerabilities/meltdown', 'utf8'));
  } catch {
    return undefined;
  }
}

/** One line for a benchmark's header: the host's system call cost and why it matters. */
export function hostSyscallLine(): string {
  const pti = hostUsesPti();
  const note = pti === undefined ? '' : pti ? ', kernel page-table isolation on' : ', no kernel page-table isolation';
  return `host: a native getpid takes ${nativeGetpidNs().toFixed(0)} ns${note}`;
}
