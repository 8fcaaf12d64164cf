// The bare engine floor for a hypercall: the same `out` loop the guest runs, under
// an engine with no kernel, no page tables and an empty hook. Whatever the VMM adds
// on top of this is its own cost.
import { Engine, REG } from '../vmm/engine/unicorn.js';

/** Nanoseconds per `out` exit with an empty JS hook, over `iterations` exits. */
export function measureOutFloor(iterations: number): number {
  const ram = new Uint8Array(new SharedArrayBuffer(0x10000));
  // mov dx, 0xa00 ; mov ecx, N ; l: out dx, eax ; dec ecx ; jnz l ; hlt
  const n = iterations >>> 0;
  ram.set([0x66, 0xba, 0x00, 0x0a, 0xb9, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24, 0xef, 0xff, 0xc9, 0x75, 0xfb, 0xf4], 0x1000);
  const engine = new Engine();
  try {
    engine.mapShared(0n, ram);
    let exits = 0;
    engine.onOut(() => {
      exits++;
    });
    engine.write(REG.RSP, 0x8000n);
    const t0 = process.hrtime.bigint();
    engine.start(0x1000n);
    const ns = Number(process.hrtime.bigint() - t0);
    if (exits !== n) throw new Error(`floor loop made ${exits} exits, expected ${n}`);
    return ns / n;
  } finally {
    engine.close();
  }
}
