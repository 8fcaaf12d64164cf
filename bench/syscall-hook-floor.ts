// The machine-code `syscall` hook on a bare engine, without a kernel: a loop of
// `syscall`s into a one-instruction kernel (jmp rcx), the hook's JavaScript side called
// every 64th call as the VMM does. Its plain form against the form --stats installs,
// which also counts each call by its number: what the counting costs per call.
import { Engine, REG } from '../vmm/engine/unicorn.js';

const KERNEL = 0x2000n;

/** Nanoseconds per system call over `calls` calls, with or without the counters by number. */
export function measureSyscallHook(calls: number, byNumber: boolean): number {
  const ram = new Uint8Array(new SharedArrayBuffer(0x10000));
  const n = calls >>> 0;
  // mov ebx, n ; l: lea eax, [rbx + rbx] ; syscall ; dec ebx ; jnz l ; hlt
  ram.set([0xbb, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24, 0x8d, 0x04, 0x1b, 0x0f, 0x05, 0xff, 0xcb, 0x75, 0xf7, 0xf4], 0x1000);
  ram.set([0xff, 0xe1], Number(KERNEL)); // jmp rcx
  const engine = new Engine();
  try {
    engine.mapShared(0n, ram);
    const fast = engine.onSyscallFast(
      () => {
        fast.setEntry(KERNEL);
        fast.setBudget(64);
        engine.write(REG.RCX, engine.read(REG.RIP) + 2n);
        engine.write(REG.RIP, KERNEL - 2n);
      },
      true,
      { byNumber },
    );
    engine.write(REG.RSP, 0x8000n);
    const t0 = process.hrtime.bigint();
    engine.start(0x1000n);
    const ns = Number(process.hrtime.bigint() - t0);
    if (fast.count !== n) throw new Error(`the hook saw ${fast.count} calls, expected ${n}`);
    return ns / n;
  } finally {
    engine.close();
  }
}
