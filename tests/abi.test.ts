// The guest ABI is written once (toolchain/abi/spec.ts); the NASM, C and TypeScript
// files generated from it must match it exactly.
import { describe, expect, it } from 'vitest';
import { GENERATED, staleFiles, layout } from '../toolchain/abi/generate.js';
import { STRUCTS } from '../toolchain/abi/spec.js';

describe('generated guest ABI files', () => {
  it('are up to date with the spec (run npm run build after changing it)', () => {
    expect(staleFiles()).toEqual([]);
  });
  it('cover the kernel, the C library and the VMM', () => {
    expect(Object.keys(GENERATED).sort()).toEqual(['guest-src/app/include/unikernel/abi.h', 'guest-src/kernel/generated/abi.inc', 'vmm/generated/abi.ts']);
  });
  it('lay structs out packed, in field order', () => {
    const write = STRUCTS.find((s) => s.name === 'HcWrite')!;
    expect(layout(write)).toEqual({ offsets: { fd: 0, buf: 4, len: 12 }, size: 20 });
  });
});
