// The fixes to the loaded libunicorn (vmm/engine/libunicorn-fixes.ts): the signature
// search and the states on synthetic code, the installed library's report, and the
// kernel's answer to what the store fix gives up: code rewritten at run time still runs.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEngineFixes, examine, FIXES, stateOf, warningsFor, type Fix } from '../../../vmm/engine/libunicorn-fixes.js';
import { layoutFromRegWrite, layoutFromX86RegWrite } from '../../../vmm/engine/register-file.js';
import { storeCostRatio } from '../../../vmm/engine/store-probe.js';
import { checks, guestBin, ROOT, runVm } from '../../helpers/run-vm.js';

/** A code window: filler bytes (int3) with `parts` placed at the given offsets. */
function code(size: number, ...parts: [number, (number | null)[]][]): Uint8Array {
  const bytes = new Uint8Array(size).fill(0xcc);
  for (const [at, part] of parts)
    part.forEach((b, i) => {
      bytes[at + i] = b ?? 0x90;
    });
  return bytes;
}

const patchedForm = (fix: Fix) => fix.signature.map((b, i) => (i >= fix.at && i < fix.at + fix.replacement.length ? fix.replacement[i - fix.at] : b));

describe('libunicorn fixes: the signature search', () => {
  it.each(['stores', 'flush'] as const)('%s: finds the defect exactly once and says where to patch', (name) => {
    const fix = FIXES[name];
    expect(examine(code(256, [40, fix.signature]), fix)).toEqual({ kind: 'defect', offset: 40 });
  });

  it.each(['stores', 'flush'] as const)('%s: twice, or not at all, is unrecognised', (name) => {
    const fix = FIXES[name];
    expect(examine(code(256, [10, fix.signature], [120, fix.signature]), fix)).toEqual({ kind: 'unrecognised' });
    expect(examine(code(256), fix)).toEqual({ kind: 'unrecognised' });
    const near = [...fix.signature];
    near[near.length - 1] = 0x12; // one byte off
    expect(examine(code(256, [10, near]), fix)).toEqual({ kind: 'unrecognised' });
  });

  it.each(['stores', 'flush'] as const)('%s: the code as patched counts as patched (a second call, or a second module instance)', (name) => {
    const fix = FIXES[name];
    expect(examine(code(256, [64, patchedForm(fix)]), fix)).toEqual({ kind: 'already-patched' });
  });

  it('flush: the region assigned with no memset between the stores is positively not needed', () => {
    expect(examine(code(256, [8, FIXES.flush.fixed]), FIXES.flush)).toEqual({ kind: 'fixed' });
  });

  it('flush: the memset call matches whatever its target', () => {
    const sig = FIXES.flush.signature.map((b, i) => b ?? [0x11, 0x22, 0x33, 0x44][i - 18]);
    expect(examine(code(256, [0, sig]), FIXES.flush)).toEqual({ kind: 'defect', offset: 0 });
  });

  it('stores: has no fixed form in code (its positive check is the store probe), so examine says unrecognised', () => {
    expect(examine(code(256, [8, FIXES.flush.fixed]), FIXES.stores)).toEqual({ kind: 'unrecognised' });
  });

  it('asks a probe only about unrecognised code: not needed when it finds the defect absent', () => {
    let asked = 0;
    const probe = (answer: boolean) => () => {
      asked++;
      return answer;
    };
    expect(stateOf({ kind: 'unrecognised' }, () => true, probe(true))).toBe('not-needed');
    expect(stateOf({ kind: 'unrecognised' }, () => true, probe(false))).toBe('unrecognised');
    expect(asked).toBe(2);
    expect(stateOf({ kind: 'defect', offset: 0 }, () => true, probe(true))).toBe('patched');
    expect(stateOf({ kind: 'already-patched' }, () => true, probe(false))).toBe('patched');
    expect(asked).toBe(2);
  });

  it('turns findings into states, and a failed patch into unrecognised', () => {
    expect(stateOf({ kind: 'defect', offset: 3 }, () => true)).toBe('patched');
    expect(stateOf({ kind: 'defect', offset: 3 }, () => false)).toBe('unrecognised');
    expect(
      stateOf({ kind: 'already-patched' }, () => {
        throw new Error('no patch expected');
      }),
    ).toBe('patched');
    expect(stateOf({ kind: 'fixed' }, () => false)).toBe('not-needed');
    expect(stateOf({ kind: 'unrecognised' }, () => true)).toBe('unrecognised');
  });

  it('warns once per unpatched defect and for the register file fallback, never otherwise', () => {
    expect(warningsFor({ stores: 'patched', flush: 'not-needed' }, 'found in x86_reg_write')).toEqual([]);
    expect(warningsFor({ stores: 'disabled', flush: 'disabled' }, 'disabled')).toEqual([]);
    const lines = warningsFor({ stores: 'unrecognised', flush: 'unrecognised' }, 'fallback');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^unikv: warning: libunicorn's store slow path could not be patched \(unrecognised build\); guest stores may run ~30x slower$/);
    for (const line of lines) expect(line).toMatch(/^unikv: warning: /);
  });
});

describe('register file: the layout from the library code', () => {
  const le = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
  it("reads 2.1.x's uc_reg_write: the vCPU from the handle, then the register file through it", () => {
    // sub rsp, 0x28 ; mov rax, [rdi + 0x1a0] ; mov rdx, [rax + 0x128] ; mov rcx, [rsp + 8]
    const c = code(
      64,
      [0, [0x48, 0x83, 0xec, 0x28]],
      [4, [0x48, 0x8b, 0x87, ...le(0x1a0)]],
      [11, [0x48, 0x8b, 0x90, ...le(0x128)]],
      [18, [0x48, 0x8b, 0x4c, 0x24, 0x08]],
    );
    expect(layoutFromRegWrite(c)).toEqual({ cpu: 0x1a0, env: 0x128, indirect: true });
    // mov r8, [rdi + 0x1b8] ; mov r9, [r8 + 0x128]
    const r = code(64, [0, [0x4c, 0x8b, 0x87, ...le(0x1b8)]], [7, [0x4d, 0x8b, 0x88, ...le(0x128)]]);
    expect(layoutFromRegWrite(r)).toEqual({ cpu: 0x1b8, env: 0x128, indirect: true });
  });

  it('refuses uc_reg_write code it cannot read unambiguously (2.0.1 calls a batch function)', () => {
    expect(layoutFromRegWrite(code(64, [0, [0x48, 0x83, 0xec, 0x28]]))).toBeUndefined();
    const twice = code(64, [0, [0x48, 0x8b, 0x87, ...le(0x1a0)]], [7, [0x48, 0x8b, 0x90, ...le(0x128)]], [14, [0x48, 0x8b, 0x88, ...le(0x130)]]);
    expect(layoutFromRegWrite(twice)).toBeUndefined();
  });

  it("reads 2.0.x's x86_reg_write: the vCPU, then the address of its embedded register file", () => {
    const c = code(64, [0, [0x48, 0x8b, 0x87, ...le(0x180)]], [7, [0x48, 0x8d, 0xa8, ...le(0x8750)]]);
    expect(layoutFromX86RegWrite(c)).toEqual({ cpu: 0x180, env: 0x8750 });
    expect(layoutFromX86RegWrite(code(64, [0, [0x48, 0x8b, 0x87, ...le(0x180)]]))).toBeUndefined();
  });
});

describe('libunicorn fixes on the installed library', () => {
  it("patches both defects of Debian's 2.0.1 and finds its register file, with no warning", () => {
    const report = applyEngineFixes();
    expect(report.stores).toBe('patched');
    expect(report.flush).toBe('patched');
    expect(report.registerFile).toBe('found in x86_reg_write');
    expect(report.warnings).toEqual([]);
    expect(applyEngineFixes()).toBe(report); // idempotent
  });

  it('probes stores as fast once patched, and as slow in a process that left the library as shipped', () => {
    applyEngineFixes();
    expect(storeCostRatio()).toBeLessThan(3);
    const script = `import(${JSON.stringify(path.join(ROOT, 'dist/vmm/engine/store-probe.js'))}).then((m) => console.log(m.storeCostRatio()))`;
    const unpatched = Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    expect(unpatched).toBeGreaterThan(3);
  });

  it('shows the states in --stats', () => {
    const r = runVm([guestBin('tests', 'jit'), '--stats']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Engine: stores patched, flush patched, register file found in x86_reg_write');
    expect(r.stderr).not.toContain('warning');
  });

  it.each(['1', '2'])('runs code a program rewrites after mprotect(PROT_EXEC) (%s vCPUs)', (cpus) => {
    const r = runVm([guestBin('tests', 'jit'), '--cpus', cpus]);
    expect(checks(r.stdout)).toEqual({
      'first code runs': true,
      'rewritten code runs after mprotect': true,
      '17 rewrites': true,
      "mprotect refuses a bad start, bad bits and memory not the program's": true,
    });
    expect(r.status).toBe(0);
  });

  it('runs the same guest unpatched when UNIKV_ENGINE_PATCH=off, and says so in --stats', () => {
    const r = runVm([guestBin('tests', 'jit'), '--stats'], { env: { ...process.env, UNIKV_ENGINE_PATCH: 'off' } });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Engine: stores disabled, flush disabled');
    expect(r.stderr).not.toContain('warning');
  });
});
