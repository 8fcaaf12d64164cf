// The positive check behind a "not needed" for the stores fix (libunicorn-fixes.ts) on
// a build whose code the signature does not match: on a bare engine with RAM mapped
// as the VMM maps it, a loop of stores must cost about what the same loop of loads
// costs. With the defect each store takes the engine's slow path (tens of times a load).
import { Engine, REG } from './unicorn.js';

const ITERATIONS = 100_000;
/** Stores within this factor of loads count as fast (the defect makes them far slower). */
const FAST_RATIO = 3;

/** mov ecx, N ; l: <access> ; dec ecx ; jnz l ; hlt  (rbx points at the data) */
const loop = (access: number[]) => [0xb9, ...[0, 8, 16, 24].map((s) => (ITERATIONS >>> s) & 0xff), ...access, 0xff, 0xc9, 0x75, 0xf9, 0xf4];
const STORE = loop([0x48, 0x89, 0x03]); // mov [rbx], rax
const LOAD = loop([0x48, 0x8b, 0x03]); //  mov rax, [rbx]

/** Store loop time over load loop time, best of three runs each. */
export function storeCostRatio(): number {
  const ram = new Uint8Array(new SharedArrayBuffer(0x4000));
  ram.set(STORE, 0x1000);
  ram.set(LOAD, 0x2000);
  const engine = new Engine();
  try {
    engine.mapShared(0n, ram);
    const time = (at: bigint): number => {
      engine.write(REG.RBX, 0x3000n);
      const t0 = process.hrtime.bigint();
      engine.start(at);
      return Number(process.hrtime.bigint() - t0);
    };
    let store = Infinity;
    let load = Infinity;
    for (let i = 0; i < 3; i++) {
      store = Math.min(store, time(0x1000n));
      load = Math.min(load, time(0x2000n));
    }
    return store / load;
  } finally {
    engine.close();
  }
}

/** True when guest stores are positively fast on this library as it is now. */
export function storesAreFast(): boolean {
  return storeCostRatio() < FAST_RATIO;
}
