// The fixes to the loaded libunicorn (vmm/engine/libunicorn-fixes.ts) and the kernel's answer
// to what the store fix gives up: code rewritten at run time still runs.
import { describe, expect, it } from 'vitest';
import { libunicornFixes } from '../../vmm/engine/unicorn.js';
import { checks, guestBin, runVm } from '../helpers/run-vm.js';

describe('libunicorn fixes', () => {
  it.each(['stores', 'flush'] as const)('recognises the installed libunicorn for the %s fix (patched, or a version that does not need it)', (fix) => {
    expect(['patched', 'not-needed']).toContain(libunicornFixes[fix]);
  });

  it.each(['1', '2'])('runs code a program rewrites after mprotect(PROT_EXEC) (%s vCPUs)', (cpus) => {
    const r = runVm([guestBin('tests', 'jit'), '--cpus', cpus]);
    expect(checks(r.stdout)).toEqual({ 'first code runs': true, 'rewritten code runs after mprotect': true, '17 rewrites': true });
    expect(r.status).toBe(0);
  });

  it('runs the same guest unpatched when UNIKV_ENGINE_PATCH=off', () => {
    const r = runVm([guestBin('tests', 'jit')], { env: { ...process.env, UNIKV_ENGINE_PATCH: 'off' } });
    expect(r.status).toBe(0);
  });
});
