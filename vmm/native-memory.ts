// Bulk moves and fills of guest RAM with the host C library's memmove and memset.
// On a SharedArrayBuffer, V8's TypedArray.fill and copyWithin go element by
// element: measured here, fill took 2.3 us for 4 KiB (memset through koffi: 0.2 us)
// and copyWithin 9.7 us for 128 KiB (memmove: 3.1 us). Even for small copies a call
// through koffi wins: 300 bytes 100 ns against 280 ns within a cached 128 KiB, 1 KiB
// 210 against 420 ns across 16 MiB, 830 against 950 ns across 1 GiB of touched
// memory. FILL clears pages through here; COPY normally never reaches JavaScript
// (engine/copy-fast-path.ts does it in machine code) and comes here only when
// hypercalls are traced or UNIKV_COPY_HOOK=js. Callers check the ranges first.
// memmove, memset and addressOf are bound once, for the whole project, in host-libc/src/c.ts.
import { addressOf, memmove, memset } from '@unikv/host-libc/c';

const bases = new WeakMap<SharedArrayBuffer, number>();

/** The address of bytes[0] in this process (shared memory never moves). */
export function hostAddress(bytes: Uint8Array): number {
  const sab = bytes.buffer as SharedArrayBuffer;
  let base = bases.get(sab);
  if (base === undefined) {
    const whole = new Uint8Array(sab);
    base = Number(addressOf(whole, whole, 0));
    bases.set(sab, base);
  }
  return base + bytes.byteOffset;
}

/** bytes[to, to+len) = bytes[from, from+len), overlapping allowed. Offsets must be checked. */
export function moveBytes(bytes: Uint8Array, to: number, from: number, len: number): void {
  const base = hostAddress(bytes);
  memmove(base + to, base + from, len);
}

/** bytes[at, at+len) = value. Offsets must be checked. */
export function fillBytes(bytes: Uint8Array, at: number, len: number, value: number): void {
  memset(hostAddress(bytes) + at, value & 0xff, len);
}
