// The machine-code COPY hook (vmm/engine/copy-fast-path.ts) on a bare engine: guest
// code makes `out`s with blocks in RAM; the hook moves bytes, refuses ranges outside
// RAM with -EFAULT, and hands every other port (and blocks outside RAM) to JavaScript.
import { describe, expect, it } from 'vitest';
import { disassemble } from '../../helpers/disassemble.js';
import { copyHookCodeFor } from '../../../vmm/engine/copy-fast-path.js';
import { Engine, REG } from '../../../vmm/engine/unicorn.js';
import { HcCopy, PORT } from '../../../vmm/generated/abi.js';
import { GuestMemory } from '../../../vmm/guest-memory.js';
import { hostAddress } from '../../../vmm/native-memory.js';
import { copyDevice } from '../../../vmm/ports/copy.js';
import type { DeviceContext } from '../../../vmm/ports/device.js';

const RAM = 0x10000;
const CODE = 0x1000;
const EFAULT = 14n;

/** Runs one `out dx, eax` per [port, value], then hlt; returns what reached JavaScript. */
function run(ram: Uint8Array, outs: [number, number][]) {
  const code: number[] = [];
  for (const [port, value] of outs) {
    code.push(0x66, 0xba, port & 0xff, port >> 8); // mov dx, port
    code.push(0xb8, ...[0, 8, 16, 24].map((s) => (value >>> s) & 0xff)); // mov eax, value
    code.push(0xef); // out dx, eax
  }
  code.push(0xf4); // hlt
  ram.set(code, CODE);
  const engine = new Engine();
  try {
    engine.mapShared(0n, ram);
    const seen: [number, number][] = [];
    const fast = engine.onOutWithFastCopy((port, _size, value) => seen.push([port, value]), {
      port: PORT.COPY,
      block: HcCopy,
      ramBase: BigInt(hostAddress(ram)),
      ramSize: RAM,
    });
    engine.write(REG.RSP, 0x8000n);
    engine.start(BigInt(CODE));
    return { seen, count: fast.count, rip: engine.read(REG.RIP) };
  } finally {
    engine.close();
  }
}

function block(ram: Uint8Array, at: number, dst: bigint, src: bigint, len: bigint): void {
  const dv = new DataView(ram.buffer, ram.byteOffset);
  dv.setBigUint64(at + HcCopy.dst, dst, true);
  dv.setBigUint64(at + HcCopy.src, src, true);
  dv.setBigUint64(at + HcCopy.len, len, true);
  dv.setBigInt64(at + HcCopy.ret, 99n, true);
}

const ret = (ram: Uint8Array, at: number): bigint => new DataView(ram.buffer, ram.byteOffset).getBigInt64(at + HcCopy.ret, true);

describe('the machine-code COPY hook', () => {
  it('moves bytes (memmove semantics) without JavaScript', () => {
    const ram = new Uint8Array(new SharedArrayBuffer(RAM));
    for (let i = 0; i < 256; i++) ram[0x4000 + i] = i;
    block(ram, 0x3000, 0x5000n, 0x4000n, 256n);
    block(ram, 0x3020, 0x4010n, 0x4000n, 64n); // overlapping, forwards
    const r = run(ram, [
      [PORT.COPY, 0x3000],
      [PORT.COPY, 0x3020],
    ]);
    expect(r.rip).toBe(BigInt(CODE + 2 * 10 + 1)); // ran to the end
    expect(r.seen).toEqual([]);
    expect(r.count).toBe(2);
    expect(ret(ram, 0x3000)).toBe(0n);
    expect([...ram.subarray(0x5000, 0x5100)]).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(ret(ram, 0x3020)).toBe(0n);
    expect([...ram.subarray(0x4010, 0x4050)]).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });

  it('answers -EFAULT and copies nothing when a range leaves RAM, whatever the values', () => {
    const ram = new Uint8Array(new SharedArrayBuffer(RAM));
    ram.fill(7, 0x6000, 0x7000);
    const cases: [bigint, bigint, bigint][] = [
      [0x6000n, 0x5000n, BigInt(RAM) + 1n], // longer than RAM
      [BigInt(RAM) - 8n, 0x5000n, 16n], // destination runs past the end
      [0x6000n, BigInt(RAM) - 8n, 9n], // source runs past the end
      [0x6000n, 2n ** 64n - 1n, 16n], // would wrap
      [2n ** 64n - 16n, 0x5000n, 32n], // would wrap
      [0x6000n, 0x5000n, 2n ** 64n - 1n],
    ];
    for (const [i, [dst, src, len]] of cases.entries()) block(ram, 0x3000 + 32 * i, dst, src, len);
    const r = run(
      ram,
      cases.map((_, i) => [PORT.COPY, 0x3000 + 32 * i]),
    );
    expect(r.seen).toEqual([]);
    expect(r.count).toBe(cases.length);
    for (let i = 0; i < cases.length; i++) expect(ret(ram, 0x3000 + 32 * i)).toBe(-EFAULT);
    expect(ram.subarray(0x6000, 0x7000).every((b) => b === 7)).toBe(true);
    // A copy that ends exactly at the end of RAM is fine.
    block(ram, 0x3000, BigInt(RAM) - 16n, 0x6000n, 16n);
    expect(run(ram, [[PORT.COPY, 0x3000]]).count).toBe(1);
    expect(ret(ram, 0x3000)).toBe(0n);
  });

  it('hands other ports, and blocks outside RAM, to JavaScript', () => {
    const ram = new Uint8Array(new SharedArrayBuffer(RAM));
    const r = run(ram, [
      [PORT.CLOCK, 0x1234],
      [PORT.COPY, RAM - HcCopy.SIZE + 1],
      [PORT.COPY, 0xffffffff],
    ]);
    expect(r.seen).toEqual([
      [PORT.CLOCK, 0x1234],
      [PORT.COPY, RAM - HcCopy.SIZE + 1],
      [PORT.COPY, 0xffffffff],
    ]);
    expect(r.count).toBe(0);
  });

  it('answers exactly as the JavaScript COPY device does, case by case', () => {
    const cases: [bigint, bigint, bigint][] = [
      [0x5000n, 0x4000n, 256n],
      [0x4010n, 0x4000n, 64n],
      [0x4000n, 0x4010n, 64n], // overlapping, backwards
      [0x6000n, 0x5000n, 0n],
      [BigInt(RAM) - 16n, 0x6000n, 16n],
      [0x6000n, 0x5000n, BigInt(RAM) + 1n],
      [BigInt(RAM) - 8n, 0x5000n, 16n],
      [0x6000n, 2n ** 64n - 1n, 16n],
      [2n ** 53n, 0x5000n, 8n],
      [0x6000n, 0x5000n, 2n ** 64n - 1n],
    ];
    const fresh = (): Uint8Array => {
      const ram = new Uint8Array(new SharedArrayBuffer(RAM));
      for (let i = 0x4000; i < 0x7000; i++) ram[i] = (i * 7) & 0xff;
      for (const [i, [dst, src, len]] of cases.entries()) block(ram, 0x3000 + 32 * i, dst, src, len);
      return ram;
    };
    const native = fresh();
    run(
      native,
      cases.map((_, i) => [PORT.COPY, 0x3000 + 32 * i]),
    );
    const js = fresh();
    const device = copyDevice({ mem: new GuestMemory(js.buffer as SharedArrayBuffer) } as DeviceContext);
    for (let i = 0; i < cases.length; i++) device.write?.(0, 0x3000 + 32 * i, 4);
    for (let i = 0; i < cases.length; i++) expect(ret(native, 0x3000 + 32 * i), `case ${i}`).toBe(ret(js, 0x3000 + 32 * i));
    expect(Buffer.from(native.subarray(0x2000)).equals(Buffer.from(js.subarray(0x2000)))).toBe(true); // all but the code page
  });

  it('is the instructions its comments say (objdump)', () => {
    const mnemonics = disassemble(copyHookCodeFor(HcCopy));
    expect(mnemonics).toEqual([
      'cmp    0x28(%r8),%esi',
      'jne    0x72',
      'mov    0x8(%r8),%rax',
      'mov    %ecx,%ecx',
      'lea    -0x20(%rax),%r10',
      'cmp    %r10,%rcx',
      'ja     0x72',
      'cmp    0x30(%r8),%rcx',
      'jb     0x72',
      'mov    (%r8),%r11',
      'add    %rcx,%r11',
      'mov    0x0(%r11),%rdi',
      'mov    0x8(%r11),%rsi',
      'mov    0x10(%r11),%rdx',
      'incq   0x10(%r8)',
      'cmp    %rax,%rdx',
      'ja     0x69',
      'sub    %rdx,%rax',
      'cmp    %rax,%rdi',
      'ja     0x69',
      'cmp    %rax,%rsi',
      'ja     0x69',
      'cmp    0x30(%r8),%rdi',
      'jb     0x69',
      'cmp    0x30(%r8),%rsi',
      'jb     0x69',
      'mov    (%r8),%rax',
      'add    %rax,%rdi',
      'add    %rax,%rsi',
      'push   %r11',
      'call   *0x20(%r8)',
      'pop    %r11',
      'movq   $0x0,0x18(%r11)',
      'ret',
      'movq   $0xfffffffffffffff2,0x18(%r11)',
      'ret',
      'jmp    *0x18(%r8)',
    ]);
  });
});
