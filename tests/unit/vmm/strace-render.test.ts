// --strace's rendering, without a guest: strings, flags, errno names, argument
// kinds, and the pairing of calls with their results across threads.
import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../../../vmm/guest-memory.js';
import { renderResult } from '../../../vmm/strace/errno.js';
import { cloneFlags, futexOp, mapFlags, openFlags, prot, signal } from '../../../vmm/strace/flags.js';
import { buffer, cString, quote } from '../../../vmm/strace/render.js';
import { SyscallTracer } from '../../../vmm/strace/tracer.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('strings', () => {
  it('quotes with C escapes and octal, as strace does', () => {
    expect(quote(enc('a\tb\n"c"\\'))).toBe('"a\\tb\\n\\"c\\"\\\\"');
    expect(quote(Uint8Array.from([1, 0x32, 2, 0x41, 0xff]))).toBe('"\\0012\\2A\\377"');
  });

  it('cuts buffers at 32 bytes and keeps paths whole; unreadable addresses stay pointers', () => {
    const mem = new GuestMemory(new SharedArrayBuffer(0x4000));
    const long = 'x'.repeat(40);
    mem.copyIn(0x2000, enc(`${long}\0`));
    expect(buffer(mem, 0x2000n, 40n)).toBe(`"${'x'.repeat(32)}"...`);
    expect(cString(mem, 0x2000n, true)).toBe(`"${long}"`);
    expect(cString(mem, 0x2000n, false)).toBe(`"${'x'.repeat(32)}"...`);
    expect(cString(mem, 0x10n, true)).toBe('0x10');
    expect(cString(mem, 0n, true)).toBe('NULL');
    expect(buffer(mem, 0x3ff0n, 64n)).toBe('0x3ff0');
  });
});

describe('flags and results', () => {
  it('names flags, leaving unknown bits in hex', () => {
    expect(openFlags(0o1101n)).toBe('O_WRONLY|O_CREAT|O_TRUNC');
    expect(openFlags(0x40000000n)).toBe('O_RDONLY|0x40000000');
    expect(prot(0n)).toBe('PROT_NONE');
    expect(prot(3n)).toBe('PROT_READ|PROT_WRITE');
    expect(mapFlags(0x22n)).toBe('MAP_PRIVATE|MAP_ANONYMOUS');
    expect(cloneFlags(0x100n | 17n)).toBe('CLONE_VM|SIGCHLD');
    expect(signal(15n)).toBe('SIGTERM');
    expect(signal(35n)).toBe('SIGRTMIN+3');
    expect(futexOp(128n)).toBe('FUTEX_WAIT_PRIVATE');
  });

  it('shows errors by errno name and message, addresses in hex', () => {
    expect(renderResult(-2n, false)).toBe('-1 ENOENT (No such file or directory)');
    expect(renderResult(BigInt.asUintN(64, -38n), false)).toBe('-1 ENOSYS (Function not implemented)');
    expect(renderResult(-512n, false)).toBe('? ERESTARTSYS (To be restarted if SA_RESTART is set)');
    expect(renderResult(0x7f0000n, true)).toBe('0x7f0000');
    expect(renderResult(5n, false)).toBe('5');
  });
});

describe('pairing', () => {
  it('completes a call on one line, or writes it unfinished and resumed when another comes between', () => {
    const mem = new GuestMemory(new SharedArrayBuffer(0x4000));
    mem.copyIn(0x2000, enc('hi'));
    const lines: string[] = [];
    const t = new SyscallTracer(mem, (l) => lines.push(l));
    t.entry(0, 1, 0n, [3n, 0x2000n, 10n, 0n, 0n, 0n]); // read(3, ...)
    t.entry(1, 2, 39n, [0n, 0n, 0n, 0n, 0n, 0n]); // getpid on another vCPU
    t.exit(1, 2, 1n);
    t.hypercall(0, 1, 'NOP 0xa00 value 0x0');
    t.exit(0, 1, 2n);
    t.entry(0, 1, 60n, [0n, 0n, 0n, 0n, 0n, 0n]); // exit: never returns
    t.finish(0);
    expect(lines).toEqual([
      '[tid 1 cpu 0] read(3,  <unfinished ...>',
      '[tid 2 cpu 1] getpid() = 1',
      '[tid 1 cpu 0]   hypercall NOP 0xa00 value 0x0',
      '[tid 1 cpu 0] <... read resumed>"hi", 10) = 2',
      '[tid 1 cpu 0] exit(0) = ?',
      '+++ exited with 0 +++',
    ]);
  });
});
