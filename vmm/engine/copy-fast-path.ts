// The COPY hypercall in machine code. The kernel moves file data with COPY: an `out`
// to one port whose value is the guest-physical address of a block {dst, src, len,
// ret}. This hook does it without entering JavaScript (costs: docs/architecture.md).
//
// Per `out` (user data: the SLOT words below, one set per engine):
//   if port != the COPY port, or the block is not inside RAM: tail-call the
//     JavaScript hook (which knows every other device, and what to do with a bad block)
//   count += 1
//   if len > RAM, dst > RAM - len or src > RAM - len: ret = -EFAULT (nothing copied)
//   else memmove(base + dst, base + src, len), ret = 0
// Every comparison is unsigned and none adds two values the guest chose, so no value
// can wrap past a check (GuestMemory's rule).
//
// The code is built once per process into a read-and-execute page; the RAM's host
// address and size, the port and memmove's address live in the slots.
// UNIKV_COPY_HOOK=js sends every COPY to JavaScript (for comparisons).
import { dlopen, dlsym, mapCode, mapSlots, munmap, PAGE_SIZE, RTLD_NOW } from './libc.js';
import { disp8, le32 } from './code-bytes.js';

/** Offsets into an engine's slots (64-bit words). */
const SLOT = { ramBase: 0, ramSize: 1, count: 2, slowPath: 3, memmove: 4, port: 5, floor: 6 } as const;
const SLOT_WORDS = 7;
const ALL_TO_JAVASCRIPT = process.env.UNIKV_COPY_HOOK === 'js';
/** A port value no `out` can carry (ports are 16 bits): the hook then sends everything to JavaScript. */
const NO_PORT = 0xffff_ffffn;
const EFAULT = 14;

/** Where the block's fields are (byte offsets), and its size. */
export interface CopyBlock {
  readonly dst: number;
  readonly src: number;
  readonly len: number;
  readonly ret: number;
  readonly SIZE: number;
}

/** The hook's instructions, as bytes; the comments are the assembly (rdi = uc, esi = port, edx = size, ecx = value, r8 = slots). */
function hookCode(block: CopyBlock): number[] {
  // biome-ignore format: machine code, one instruction per line with its assembly
  const fault = [
    0x49, 0xc7, 0x43, block.ret, ...le32(-EFAULT), // mov qword [r11 + ret], -EFAULT
    0xc3, //                                          ret
  ];
  // biome-ignore format: machine code, one instruction per line with its assembly
  const copy = [
    0x49, 0x8b, 0x00, //                    mov rax, [r8 + ramBase]
    0x48, 0x01, 0xc7, //                    add rdi, rax
    0x48, 0x01, 0xc6, //                    add rsi, rax
    0x41, 0x53, //                          push r11                ; the block; aligns the stack for the call
    0x41, 0xff, 0x50, disp8(SLOT.memmove), // call [r8 + memmove]    ; memmove(base + dst, base + src, len)
    0x41, 0x5b, //                          pop r11
    0x49, 0xc7, 0x43, block.ret, 0, 0, 0, 0, // mov qword [r11 + ret], 0
    0xc3, //                                ret
  ];
  // biome-ignore format: machine code, one instruction per line with its assembly
  const checks = [
    0x48, 0x39, 0xc2, //                    cmp rdx, rax
    0x77, 0, //                             ja .fault               ; len > RAM
    0x48, 0x29, 0xd0, //                    sub rax, rdx            ; rax = RAM - len
    0x48, 0x39, 0xc7, //                    cmp rdi, rax
    0x77, 0, //                             ja .fault               ; dst + len > RAM
    0x48, 0x39, 0xc6, //                    cmp rsi, rax
    0x77, 0, //                             ja .fault               ; src + len > RAM
    0x49, 0x3b, 0x78, disp8(SLOT.floor), // cmp rdi, [r8 + floor]
    0x72, 0, //                             jb .fault               ; dst in the boot area
    0x49, 0x3b, 0x70, disp8(SLOT.floor), // cmp rsi, [r8 + floor]
    0x72, 0, //                             jb .fault               ; src in the boot area
  ];
  // Each `ja .fault` and `jb .fault` jumps over what follows it in `checks`, then over `copy`.
  for (const at of [4, 12, 17, 23, 29]) checks[at] = checks.length - (at + 1) + copy.length;
  // biome-ignore format: machine code, one instruction per line with its assembly
  const body = [
    0x4d, 0x8b, 0x18, //                    mov r11, [r8 + ramBase]
    0x49, 0x01, 0xcb, //                    add r11, rcx            ; r11 = the block in host memory
    0x49, 0x8b, 0x7b, block.dst, //         mov rdi, [r11 + dst]
    0x49, 0x8b, 0x73, block.src, //         mov rsi, [r11 + src]
    0x49, 0x8b, 0x53, block.len, //         mov rdx, [r11 + len]
    0x49, 0xff, 0x40, disp8(SLOT.count), // inc qword [r8 + count]
    ...checks,
    ...copy,
    ...fault,
  ];
  // biome-ignore format: machine code, one instruction per line with its assembly
  const entry = [
    0x41, 0x3b, 0x70, disp8(SLOT.port), //  cmp esi, [r8 + port]
    0x75, 0, //                             jne .js
    0x49, 0x8b, 0x40, disp8(SLOT.ramSize), // mov rax, [r8 + ramSize]
    0x89, 0xc9, //                          mov ecx, ecx            ; the block's address: the port value, 32 bits
    0x4c, 0x8d, 0x50, 0x100 - block.SIZE, // lea r10, [rax - SIZE]
    0x4c, 0x39, 0xd1, //                    cmp rcx, r10
    0x77, 0, //                             ja .js                  ; the block is not inside RAM
    0x49, 0x3b, 0x48, disp8(SLOT.floor), // cmp rcx, [r8 + floor]
    0x72, 0, //                             jb .js                  ; the block lies in the boot area
  ];
  entry[5] = entry.length - 6 + body.length;
  entry[entry.length - 7] = 6 + body.length; // the `ja .js` above: over the floor check and the body
  entry[entry.length - 1] = body.length;
  // biome-ignore format: machine code, one instruction per line with its assembly
  return [
    ...entry,
    ...body,
    // .js: the JavaScript hook, with the same arguments
    0x41, 0xff, 0x60, disp8(SLOT.slowPath), // jmp [r8 + slowPath]
  ];
}

/** The hook's machine code for a block layout (for tests that disassemble it). */
export const copyHookCodeFor = hookCode;

const built = new Map<string, bigint>();

/** The hook's address for this layout, building it on first use. */
function hookAddress(block: CopyBlock): bigint {
  for (const v of [block.dst, block.src, block.len, block.ret]) {
    if (!Number.isInteger(v) || v < 0 || v > 0x78 || v + 8 > block.SIZE) throw new RangeError('copy block field out of place');
  }
  if (block.SIZE < 8 || block.SIZE > 0x80) throw new RangeError('copy block size out of range');
  const key = JSON.stringify(block);
  const known = built.get(key);
  if (known !== undefined) return known;
  const page = mapCode(hookCode(block), 'the copy hook');
  built.set(key, page);
  return page;
}

let memmoveAddress: bigint | undefined;

function memmove(): bigint {
  if (memmoveAddress === undefined) {
    const address = BigInt(dlsym(dlopen('libc.so.6', RTLD_NOW), 'memmove'));
    if (address === 0n) throw new Error('libc.so.6: memmove not found');
    memmoveAddress = address;
  }
  return memmoveAddress;
}

export interface CopyFastPathOptions {
  /** The COPY port. */
  readonly port: number;
  readonly block: CopyBlock;
  /** Host address of guest-physical 0, and the size of RAM in bytes. */
  readonly ramBase: bigint;
  readonly ramSize: number;
  /** Blocks and ranges below this address go to JavaScript or fail (the VMM's boot area); default 0. */
  readonly floor?: number;
}

/** One engine's COPY hook: its address and its slots. */
export class CopyFastPath {
  /** The native callback and its user data, for uc_hook_add. */
  readonly callback: bigint;
  readonly user: bigint;
  private readonly slots: BigInt64Array;

  /** `slowPath` is the JavaScript OUT hook's native address (koffi.register). */
  constructor(slowPath: bigint, opts: CopyFastPathOptions) {
    if (opts.ramSize < opts.block.SIZE) throw new RangeError('RAM smaller than a copy block');
    this.callback = hookAddress(opts.block);
    const { address, slots } = mapSlots(SLOT_WORDS, "the copy hook's slots");
    this.user = address;
    this.slots = slots;
    this.slots[SLOT.ramBase] = opts.ramBase;
    this.slots[SLOT.ramSize] = BigInt(opts.ramSize);
    this.slots[SLOT.floor] = BigInt(opts.floor ?? 0);
    this.slots[SLOT.slowPath] = slowPath;
    this.slots[SLOT.memmove] = memmove();
    this.slots[SLOT.port] = ALL_TO_JAVASCRIPT ? NO_PORT : BigInt(opts.port);
  }

  /** COPYs handled here (not by JavaScript) since the engine started, bad ranges included. */
  get count(): number {
    return Number(this.slots[SLOT.count]);
  }

  /** Frees the slots; only after the engine is closed (the hook must never run again). */
  dispose(): void {
    munmap(this.user, PAGE_SIZE);
  }
}
