// Names the places of a crash: the function the faulting instruction lies in and a
// best-effort call chain, from the symbol tables of the program and the kernel (the
// VMM has both ELF files; the kernel has only its own console). The kernel prints its
// report (arch/exceptions.asm exception_report) and then writes PANIC from
// exception_common with RBX pointing at the ExcFrame it reported; these lines follow
// its report:
//
//     in main+0x2f (program)
//     called from libc_start_main_stage2+0x39 (program)
//
// The chain follows frame pointers while they lead up the stack to return addresses
// in code; code built without them (gcc -O2's default) gets the words on the stack
// that point just after a call instruction in code, which may include stale ones.
import type { SymbolTable } from './elf-symbols.js';
import type { GuestMemory } from './guest-memory.js';

export interface CodeImage {
  /** `program` or `kernel`, as the lines name it. */
  name: string;
  symbols: SymbolTable;
  /** Its executable segments, [start, end). */
  code: { start: bigint; end: bigint }[];
  /** The function at its entry point (`_start`): the outermost frame, where the chain ends. */
  outermost?: string;
}

/** The registers of the faulting context. */
export interface FaultContext {
  rip: bigint;
  rsp: bigint;
  rbp: bigint;
}

/** Most callers named. */
const CHAIN_MAX = 12;
/** How far up the stack the scan looks for return addresses (bytes). */
const SCAN_BYTES = 16_384n;
/** A frame pointer chain stays within this distance of RSP. */
const FRAME_REACH = 8n << 20n;

function imageOf(images: CodeImage[], address: bigint): CodeImage | undefined {
  return images.find((i) => i.code.some((c) => address >= c.start && address < c.end));
}

/**
 * `main+0x2f (program)`, or the address with where it lies. A return address is
 * looked up one byte back: a call that ends a function returns to the next one.
 */
export function describePlace(images: CodeImage[], address: bigint, isReturn = false): string {
  const hex = `0x${address.toString(16)}`;
  const back = isReturn ? 1n : 0n;
  const image = imageOf(images, address - back);
  if (!image) return `${hex} (outside the program's and the kernel's code)`;
  const place = image.symbols.placeOf(address - back);
  return place ? `${place.symbol}+0x${(place.offset + back).toString(16)} (${image.name})` : `${hex} (${image.name})`;
}

/** Whether the bytes before `address` end with a call instruction (so it is a return address). */
function afterCall(mem: GuestMemory, address: bigint): boolean {
  if (address < 7n || !mem.contains(address - 7n, 7)) return false;
  const b = (back: number) => mem.readU8(address - BigInt(back));
  if (b(5) === 0xe8) return true; // call rel32
  if (b(2) === 0xff && (b(1) & 0x38) === 0x10 && b(1) >> 6 === 3) return true; // call reg
  if (b(3) === 0xff && (b(2) & 0x38) === 0x10) return true; // call [reg + disp8], or with a REX prefix
  if (b(6) === 0xff && (b(5) & 0x38) === 0x10) return true; // call [reg + disp32], call [rip + disp32]
  return b(7) === 0xff && (b(6) & 0x38) === 0x10; // call [base + index * scale + disp32]
}

function isReturnAddress(mem: GuestMemory, images: CodeImage[], address: bigint): boolean {
  return imageOf(images, address - 1n) !== undefined && afterCall(mem, address);
}

/** Return addresses by the frame-pointer chain from RBP (empty when RBP is not one). */
function framePointerChain(mem: GuestMemory, images: CodeImage[], ctx: FaultContext): bigint[] {
  const chain: bigint[] = [];
  let frame = ctx.rbp;
  while (chain.length < CHAIN_MAX && frame >= ctx.rsp && frame - ctx.rsp < FRAME_REACH && frame % 8n === 0n && mem.contains(frame, 16)) {
    const ret = mem.readU64(frame + 8n);
    if (!isReturnAddress(mem, images, ret)) break;
    chain.push(ret);
    const next = mem.readU64(frame);
    if (next <= frame) break;
    frame = next;
  }
  return chain;
}

/** Return addresses found by scanning the stack from RSP. */
function stackScan(mem: GuestMemory, images: CodeImage[], ctx: FaultContext): bigint[] {
  const chain: bigint[] = [];
  for (let at = ctx.rsp & ~7n; at < ctx.rsp + SCAN_BYTES && chain.length < CHAIN_MAX; at += 8n) {
    if (!mem.contains(at, 8)) break;
    const word = mem.readU64(at);
    if (!isReturnAddress(mem, images, word)) continue;
    chain.push(word);
    const image = imageOf(images, word - 1n);
    if (image?.outermost !== undefined && image.symbols.placeOf(word - 1n)?.symbol === image.outermost) break; // above it: stale words
  }
  return chain;
}

/** The lines that name a crash's place and its callers. */
export function crashPlaces(mem: GuestMemory, images: CodeImage[], ctx: FaultContext): string[] {
  const lines = [`  in ${describePlace(images, ctx.rip)}`];
  const byFrames = framePointerChain(mem, images, ctx);
  const chain = byFrames.length > 0 ? byFrames : stackScan(mem, images, ctx);
  const how = byFrames.length > 0 ? 'frame pointers' : 'return addresses found on the stack';
  if (chain.length > 0) lines.push(`  call chain (${how}):`);
  for (const ret of chain) lines.push(`    called from ${describePlace(images, ret, true)}`);
  return lines;
}
