// The machine-code `syscall` hook (vmm/engine/syscall-fast-path.ts) on a bare engine:
// a loop makes system calls into a one-instruction "kernel" (jmp rcx) at 0x2000.
// The loop only finishes if every transition set RCX and RIP right; the counters
// show when the hook handed over to JavaScript. Both ways of setting them are run:
// plain stores into the engine's register file (register-file.ts) and library calls.
import { describe, expect, it } from 'vitest';
import { disassemble } from '../../helpers/disassemble.js';
import { Engine, REG } from '../../../vmm/engine/unicorn.js';
import { syscallHookCodeFor } from '../../../vmm/engine/syscall-fast-path.js';
import { forEngine, registerFileLayout, type RegisterFile } from '../../../vmm/engine/register-file.js';

const KERNEL = 0x2000n;

/** Runs `calls` system calls; the slow path sets the entry and a budget. */
function run(calls: number, budget: number, forceAt?: number, registerStores: boolean | RegisterFile = true) {
  const ram = new Uint8Array(new SharedArrayBuffer(0x10000));
  // mov ebx, calls ; l: syscall ; dec ebx ; jnz l ; hlt   (syscall clobbers RCX)
  ram.set([0xbb, calls & 0xff, (calls >> 8) & 0xff, (calls >> 16) & 0xff, calls >>> 24, 0x0f, 0x05, 0xff, 0xcb, 0x75, 0xfa, 0xf4], 0x1000);
  ram.set([0xff, 0xe1], Number(KERNEL)); // jmp rcx
  const engine = new Engine();
  try {
    engine.mapShared(0n, ram);
    const slowAt: number[] = [];
    const fast = engine.onSyscallFast(() => {
      slowAt.push(fast.count);
      fast.setEntry(KERNEL);
      fast.setBudget(budget);
      if (forceAt !== undefined && slowAt.length === 1) fast.setBudget(1); // as endSliceAtNextSyscall does
      const rip = engine.read(REG.RIP);
      engine.write(REG.RCX, rip + 2n);
      engine.write(REG.RIP, KERNEL - 2n);
    }, registerStores);
    engine.write(REG.RSP, 0x8000n);
    engine.start(0x1000n);
    return { rip: engine.read(REG.RIP), rbx: engine.read(REG.RBX), count: fast.count, slowAt, stores: fast.file !== undefined };
  } finally {
    engine.close();
  }
}

describe('the machine-code syscall hook', () => {
  for (const registerStores of [true, false]) {
    it(`makes every transition, handing the first call and every budget-th to JavaScript (${registerStores ? 'register stores' : 'library calls'})`, () => {
      const r = run(1000, 16, undefined, registerStores);
      expect(r.stores).toBe(registerStores); // Debian's libunicorn2 2.0.1 has the layout register-file.ts knows
      expect(r.rbx).toBe(0n); // the loop ran to the end
      expect(r.rip).toBe(0x100cn); // after hlt
      expect(r.count).toBe(1000);
      // The first call (no entry yet), then calls 17, 33, ...: 1 + floor(999 / 16).
      expect(r.slowAt).toHaveLength(1 + Math.floor(999 / 16));
      expect(r.slowAt.slice(0, 3)).toEqual([1, 17, 33]);
    });
  }

  it('counts calls by number in machine code when asked (--stats), larger numbers in the last counter', () => {
    const ram = new Uint8Array(new SharedArrayBuffer(0x10000));
    // mov ebx, 1000 ; l: lea eax, [rbx + rbx] ; syscall ; dec ebx ; jnz l ; hlt   (numbers 2000, 1998, ... 2)
    ram.set([0xbb, 0xe8, 0x03, 0, 0, 0x8d, 0x04, 0x1b, 0x0f, 0x05, 0xff, 0xcb, 0x75, 0xf7, 0xf4], 0x1000);
    ram.set([0xff, 0xe1], Number(KERNEL));
    const engine = new Engine();
    try {
      engine.mapShared(0n, ram);
      const fast = engine.onSyscallFast(
        () => {
          fast.setEntry(KERNEL);
          fast.setBudget(16);
          engine.write(REG.RCX, engine.read(REG.RIP) + 2n);
          engine.write(REG.RIP, KERNEL - 2n);
        },
        true,
        { byNumber: true },
      );
      engine.write(REG.RSP, 0x8000n);
      engine.start(0x1000n);
      const counts = fast.byNumber;
      expect(counts).toBeDefined();
      expect(engine.read(REG.RBX)).toBe(0n);
      expect(counts?.[2]).toBe(1n);
      expect(counts?.[3]).toBe(0n);
      expect(counts?.[1022]).toBe(1n);
      expect(counts?.[1023]).toBe(489n); // 1024, 1026, ... 2000
      expect(counts?.reduce((a, b) => a + b, 0n)).toBe(1000n);
    } finally {
      engine.close();
    }
  });

  it('with counts by number, is the instructions its comments say (objdump)', () => {
    const mnemonics = disassemble(syscallHookCodeFor(0x1111111111111111n, 0x2222222222222222n, { cpu: 0x180, env: 0x8750 }, true));
    expect(mnemonics.slice(5, 13)).toEqual([
      'incq   0x18(%r12)',
      'mov    0x180(%rbx),%rax',
      'mov    0x8750(%rax),%rdx',
      'cmp    $0x3ff,%rdx',
      'jbe    0x2e',
      'mov    $0x3ff,%edx',
      'mov    0x28(%r12),%rax',
      'incq   (%rax,%rdx,8)',
    ]);
  });

  // 2.1.x's form: the register file's address stored in the vCPU (CPUState.env_ptr,
  // at 0x128 in 2.0.1 as well), so the indirect variant runs for real here too.
  const INDIRECT: RegisterFile = { cpu: 0x180, env: 0x128, indirect: true };

  it("makes every transition with an indirect register file (2.1.x's layout, checked on this engine)", () => {
    const r = run(1000, 16, undefined, INDIRECT);
    expect(r.stores).toBe(true);
    expect(r.rbx).toBe(0n);
    expect(r.rip).toBe(0x100cn);
    expect(r.count).toBe(1000);
  });

  it('with an indirect register file, loads it through the vCPU (objdump)', () => {
    const mnemonics = disassemble(syscallHookCodeFor(0x1111111111111111n, 0x2222222222222222n, INDIRECT));
    expect(mnemonics.slice(10, 16)).toEqual([
      'mov    0x180(%rbx),%rax',
      'mov    0x128(%rax),%rax',
      'mov    0x80(%rax),%rdx',
      'add    $0x2,%rdx',
      'mov    %rdx,0x8(%rax)',
      'mov    0x8(%r12),%rdx',
    ]);
  });

  it('finds the register file in the library and checks it on each engine, leaving the registers as they were', () => {
    const layout = registerFileLayout();
    expect(layout).toBeDefined();
    const engine = new Engine();
    try {
      engine.write(REG.RCX, 0x1234n);
      engine.write(REG.RIP, 0x5678n);
      expect(forEngine(engine, REG)).toEqual(layout);
      expect(engine.read(REG.RCX)).toBe(0x1234n);
      expect(engine.read(REG.RIP)).toBe(0x5678n);
    } finally {
      engine.close();
    }
  });

  it('refuses a register file whose registers do not answer (a wrong layout is never used)', () => {
    const engine = new Engine();
    try {
      // Checked against another register than the one at RCX's place, it must fail.
      expect(forEngine(engine, { RCX: REG.RDX, RIP: REG.RIP })).toBeUndefined();
    } finally {
      engine.close();
    }
  });

  it('hands over at the very next call when the budget is set to 1', () => {
    const r = run(100, 1000, 1);
    expect(r.count).toBe(100);
    expect(r.slowAt).toEqual([1, 2]);
  });

  it('with register stores, is the instructions its comments say (objdump)', () => {
    const mnemonics = disassemble(syscallHookCodeFor(0x1111111111111111n, 0x2222222222222222n, { cpu: 0x180, env: 0x8750 }));
    expect(mnemonics).toEqual([
      'push   %rbx',
      'push   %r12',
      'sub    $0x8,%rsp',
      'mov    %rdi,%rbx',
      'mov    %rsi,%r12',
      'incq   0x18(%r12)',
      'cmpq   $0x0,0x8(%r12)',
      'je     0x4e',
      'decq   0x10(%r12)',
      'je     0x4e',
      'mov    0x180(%rbx),%rax',
      'mov    0x87d0(%rax),%rdx',
      'add    $0x2,%rdx',
      'mov    %rdx,0x8758(%rax)',
      'mov    0x8(%r12),%rdx',
      'mov    %rdx,0x87d0(%rax)',
      'add    $0x8,%rsp',
      'pop    %r12',
      'pop    %rbx',
      'ret',
      'mov    %rbx,%rdi',
      'mov    %r12,%rsi',
      'mov    0x20(%r12),%rax',
      'add    $0x8,%rsp',
      'pop    %r12',
      'pop    %rbx',
      'jmp    *%rax',
    ]);
  });

  it('with library calls, is the instructions its comments say (objdump)', () => {
    const mnemonics = disassemble(syscallHookCodeFor(0x1111111111111111n, 0x2222222222222222n));
    expect(mnemonics).toEqual([
      'push   %rbx',
      'push   %r12',
      'sub    $0x8,%rsp',
      'mov    %rdi,%rbx',
      'mov    %rsi,%r12',
      'incq   0x18(%r12)',
      'cmpq   $0x0,0x8(%r12)',
      'je     0x72',
      'decq   0x10(%r12)',
      'je     0x72',
      'mov    $0x29,%esi',
      'mov    %r12,%rdx',
      'movabs $0x1111111111111111,%rax',
      'call   *%rax',
      'addq   $0x2,(%r12)',
      'mov    %rbx,%rdi',
      'mov    $0x26,%esi',
      'mov    %r12,%rdx',
      'movabs $0x2222222222222222,%rax',
      'call   *%rax',
      'mov    %rbx,%rdi',
      'mov    $0x29,%esi',
      'lea    0x8(%r12),%rdx',
      'movabs $0x2222222222222222,%rax',
      'call   *%rax',
      'add    $0x8,%rsp',
      'pop    %r12',
      'pop    %rbx',
      'ret',
      'mov    %rbx,%rdi',
      'mov    %r12,%rsi',
      'mov    0x20(%r12),%rax',
      'add    $0x8,%rsp',
      'pop    %r12',
      'pop    %rbx',
      'jmp    *%rax',
    ]);
  });
});
