// The one typed door to libunicorn, called through koffi. Every uc_err becomes an
// UnicornError carrying uc_strerror's text. Constants are those of unicorn/unicorn.h
// and x86.h (2.0.x). The library's own defects are fixed separately, by an explicit
// call at machine start (libunicorn-fixes.ts).
import { koffi } from '@unikv/host-libc/c';
import { LIBUNICORN } from './preload.js';
import { CopyFastPath, type CopyFastPathOptions } from './copy-fast-path.js';
import { SyscallFastPath } from './syscall-fast-path.js';
import { forEngine, type RegisterFile } from './register-file.js';

export const UC_ARCH_X86 = 4;
export const UC_MODE_64 = 8;
export const UC_PROT_ALL = 7;

export const HOOK = {
  INTR: 1,
  INSN: 2,
  CODE: 4,
  BLOCK: 8,
  MEM_READ: 1024,
  MEM_WRITE: 2048,
  MEM_UNMAPPED: 112,
  MEM_PROT: 896,
  INSN_INVALID: 16384,
} as const;

export const INSN = { IN: 218, OUT: 500, SYSCALL: 699, CPUID: 113 } as const;

export const REG = {
  RAX: 35,
  RBX: 37,
  RCX: 38,
  RDX: 40,
  RSI: 43,
  RDI: 39,
  RBP: 36,
  RSP: 44,
  RIP: 41,
  R8: 106,
  R9: 107,
  R10: 108,
  R11: 109,
  R12: 110,
  R13: 111,
  R14: 112,
  R15: 113,
  RFLAGS: 253,
  CS: 11,
  SS: 49,
  DS: 17,
  ES: 28,
  FS: 32,
  GS: 33,
  CR0: 50,
  CR2: 52,
  CR3: 53,
  CR4: 54,
  GDTR: 243,
  IDTR: 242,
  TR: 245,
  MSR: 248,
  FS_BASE: 250,
  GS_BASE: 251,
  FPSW: 31,
  FPCW: 246,
  FPTAG: 247,
  MXCSR: 249,
  /** FP0..FP7 (x87 physical registers: 80 bits as uc_x86_float80) follow. */
  FP0: 82,
  /** XMM0..XMM15 (128 bits each) follow. */
  XMM0: 122,
  FIP: 254,
  FCS: 255,
  FDP: 256,
  FDS: 257,
  FOP: 258,
} as const;

/** The general registers in the order the exception report prints them. */
export const GPR_NAMES = ['RAX', 'RBX', 'RCX', 'RDX', 'RSI', 'RDI', 'RBP', 'RSP', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'] as const;

export class UnicornError extends Error {
  constructor(
    readonly code: number,
    readonly call: string,
    text: string,
  ) {
    super(`unicorn ${call}: ${text} (error ${code})`);
  }
}

// --- koffi bindings, created once per process -------------------------------------------
const lib = koffi.load(LIBUNICORN);
koffi.opaque('uc_engine');
const OutHook = koffi.proto('void uc_out_hook(void *uc, uint32_t port, int size, uint32_t value, void *user)');
const InHook = koffi.proto('uint32_t uc_in_hook(void *uc, uint32_t port, int size, void *user)');
const IntrHook = koffi.proto('void uc_intr_hook(void *uc, uint32_t intno, void *user)');
const SyscallHook = koffi.proto('void uc_syscall_hook(void *uc, void *user)');
const InvalidInsnHook = koffi.proto('bool uc_invalid_insn_hook(void *uc, void *user)');
const CodeHook = koffi.proto('void uc_code_hook(void *uc, uint64_t address, uint32_t size, void *user)');
const MemHook = koffi.proto('bool uc_mem_hook(void *uc, int type, uint64_t address, int size, int64_t value, void *user)');

const uc_open = lib.func('int uc_open(int arch, int mode, _Out_ void **uc)');
const uc_close = lib.func('int uc_close(void *uc)');
const uc_strerror = lib.func('const char *uc_strerror(int code)');
const uc_mem_map_ptr = lib.func('int uc_mem_map_ptr(void *uc, uint64_t address, size_t size, uint32_t perms, void *ptr)');
const uc_reg_read = lib.func('int uc_reg_read(void *uc, int regid, void *value)');
const uc_reg_write = lib.func('int uc_reg_write(void *uc, int regid, void *value)');
const uc_emu_start = lib.func('int uc_emu_start(void *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)');
const uc_emu_stop = lib.func('int uc_emu_stop(void *uc)');
const uc_hook_del = lib.func('int uc_hook_del(void *uc, size_t hh)');
const uc_ctl = lib.func('int uc_ctl(void *uc, int control, ...)');
/**
 * Callback and user data as native addresses: koffi.register's callbacks and the
 * VMM's own machine code alike. Declared once: koffi mixes up two declarations of
 * this variadic function once both have been called.
 */
const uc_hook_add = lib.func('uc_hook_add', 'int', ['void *', '_Out_ size_t *', 'int', 'uintptr_t', 'uintptr_t', 'uint64_t', 'uint64_t', '...']);

/** UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0): drop every translated block. */
const UC_CTL_TB_FLUSH_WRITE = 10 | (1 << 30);
/** UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2): drop the translated blocks of a range. */
const UC_CTL_TB_REMOVE_CACHE_WRITE = 9 | (2 << 26) | (1 << 30);

/** An OUT hook's native callback for `handler` (the caller keeps it for unregistering). */
function outCallback(handler: OutHandler): bigint {
  return koffi.register((_uc: unknown, port: number, size: number, value: number) => handler(port, size, value), koffi.pointer(OutHook));
}

function check(code: number, call: string): void {
  if (code !== 0) throw new UnicornError(code, call, String(uc_strerror(code)));
}

export type OutHandler = (port: number, size: number, value: number) => void;
export type InHandler = (port: number, size: number) => number;

/** One x86-64 engine (one vCPU). Registers are read and written as bigint. */
export class Engine {
  /** The library's engine handle (register-file.ts reads through it). */
  readonly handle: unknown;
  private readonly scratch = new BigUint64Array(3); // register I/O buffer, reused: no allocation per call
  private readonly callbacks: bigint[] = [];
  private fastPath: SyscallFastPath | undefined;
  private copyPath: CopyFastPath | undefined;

  constructor() {
    const out: unknown[] = [null];
    check(uc_open(UC_ARCH_X86, UC_MODE_64, out), 'uc_open');
    this.handle = out[0];
  }

  /** Maps host memory (a view over a SharedArrayBuffer) at guest-physical `address`. */
  mapShared(address: bigint, bytes: Uint8Array): void {
    check(uc_mem_map_ptr(this.handle, address, bytes.byteLength, UC_PROT_ALL, bytes), 'uc_mem_map_ptr');
  }

  read(reg: number): bigint {
    check(uc_reg_read(this.handle, reg, this.scratch), 'uc_reg_read');
    return this.scratch[0];
  }

  write(reg: number, value: bigint): void {
    this.scratch[0] = value;
    check(uc_reg_write(this.handle, reg, this.scratch), 'uc_reg_write');
  }

  /** Reads a register wider than 64 bits (XMM, x87) as `length` bytes, as the library lays it out. */
  readBytes(reg: number, length: number): Uint8Array {
    const buf = new Uint8Array(Math.max(16, length));
    check(uc_reg_read(this.handle, reg, buf), 'uc_reg_read');
    return buf.subarray(0, length);
  }

  /** Writes a register wider than 64 bits from its bytes (readBytes' layout). */
  writeBytes(reg: number, bytes: Uint8Array): void {
    const buf = new Uint8Array(Math.max(16, bytes.length));
    buf.set(bytes);
    check(uc_reg_write(this.handle, reg, buf), 'uc_reg_write');
  }

  /** Reads a descriptor-table register (GDTR, IDTR, TR): {base, limit, selector}. */
  readTable(reg: number): { selector: number; base: bigint; limit: number } {
    const buf = new BigUint64Array(3); // uc_x86_mmr: u16 selector, u64 base, u32 limit, u32 flags
    check(uc_reg_read(this.handle, reg, buf), 'uc_reg_read');
    return { selector: Number(buf[0] & 0xffffn), base: buf[1], limit: Number(buf[2] & 0xffffffffn) };
  }

  writeTable(reg: number, base: bigint, limit: number, selector = 0, flags = 0): void {
    const buf = new BigUint64Array([BigInt(selector), base, BigInt(limit) | (BigInt(flags) << 32n)]);
    check(uc_reg_write(this.handle, reg, buf), 'uc_reg_write');
  }

  readMsr(index: number): bigint {
    const buf = new BigUint64Array([BigInt(index), 0n]); // uc_x86_msr: u32 rid, u64 value
    check(uc_reg_read(this.handle, REG.MSR, buf), 'uc_reg_read(MSR)');
    return buf[1];
  }

  writeMsr(index: number, value: bigint): void {
    const buf = new BigUint64Array([BigInt(index), value]);
    check(uc_reg_write(this.handle, REG.MSR, buf), 'uc_reg_write(MSR)');
  }

  /** Runs from `begin` until stopped, `timeoutUs` elapses (0: none) or `count` instructions. */
  start(begin: bigint, timeoutUs = 0, count = 0): void {
    check(uc_emu_start(this.handle, begin, 0xffff_ffff_ffff_ffffn, BigInt(timeoutUs), count), 'uc_emu_start');
  }

  stop(): void {
    check(uc_emu_stop(this.handle), 'uc_emu_stop');
  }

  /**
   * Drops the translated blocks of guest code in [start, end) (the code changed).
   * Safe from a hook as long as the block running is outside the range, as QEMU's
   * own self-modifying-code check does it.
   */
  invalidateTranslations(start: bigint, end: bigint): void {
    check(uc_ctl(this.handle, UC_CTL_TB_REMOVE_CACHE_WRITE, 'uint64_t', start, 'uint64_t', end), 'uc_ctl(TB_REMOVE_CACHE)');
  }

  /**
   * Drops every translated block. A counted run (an instruction count) that follows
   * uncounted ones would otherwise run blocks translated without the count's checks
   * and overshoot its count.
   */
  dropTranslations(): void {
    check(uc_ctl(this.handle, UC_CTL_TB_FLUSH_WRITE), 'uc_ctl(TB_FLUSH)');
  }

  onOut(handler: OutHandler): void {
    this.addHook(HOOK.INSN, outCallback(handler), INSN.OUT);
  }

  /**
   * Like onOut, with the COPY port handled by machine code (copy-fast-path.ts):
   * `handler` sees every other `out`, and COPY blocks that lie outside RAM.
   */
  onOutWithFastCopy(handler: OutHandler, copy: CopyFastPathOptions): CopyFastPath {
    const cb = outCallback(handler);
    this.callbacks.push(cb);
    this.copyPath = new CopyFastPath(BigInt(koffi.address(cb)), copy);
    this.addMachineCodeHook(INSN.OUT, this.copyPath);
    return this.copyPath;
  }

  onIn(handler: InHandler): void {
    const cb = koffi.register((_uc: unknown, port: number, size: number) => handler(port, size) >>> 0, koffi.pointer(InHook));
    this.addHook(HOOK.INSN, cb, INSN.IN);
  }

  /**
   * Hooks `syscall` with the machine-code transition (syscall-fast-path.ts), which
   * hands over to `slowPath` for the first call and whenever its budget runs out.
   * It stores RCX and RIP itself when this engine's register file checks out
   * (register-file.ts); `registerStores: false` makes it call the library instead,
   * and a RegisterFile is checked and used in place of the one found in the library.
   * `everyCall` sends every call to `slowPath` (--strace); `byNumber` counts calls by
   * number in machine code too (--stats; only with a register file).
   */
  onSyscallFast(
    slowPath: () => void,
    registerStores: boolean | RegisterFile = true,
    { everyCall = false, byNumber = false }: { everyCall?: boolean; byNumber?: boolean } = {},
  ): SyscallFastPath {
    const cb = koffi.register(() => slowPath(), koffi.pointer(SyscallHook));
    this.callbacks.push(cb);
    const file = registerStores === false ? undefined : forEngine(this, REG, registerStores === true ? undefined : registerStores);
    this.fastPath = new SyscallFastPath(BigInt(koffi.address(cb)), file, everyCall, byNumber);
    this.addMachineCodeHook(INSN.SYSCALL, this.fastPath);
    return this.fastPath;
  }

  /**
   * Runs `handler` before the instruction at `address` executes (a code hook bounded
   * to that one instruction: the engine calls it from there only, nothing elsewhere
   * pays for it).
   */
  onCodeAt(address: bigint, handler: () => void): void {
    const cb = koffi.register(() => handler(), koffi.pointer(CodeHook));
    this.callbacks.push(cb);
    check(uc_hook_add(this.handle, [0], HOOK.CODE, BigInt(koffi.address(cb)), 0n, address, address), 'uc_hook_add');
  }

  /** CPU exceptions and software interrupts (unicorn does not deliver them itself). */
  onInterrupt(handler: (vector: number) => void): void {
    const cb = koffi.register((_uc: unknown, intno: number) => handler(intno), koffi.pointer(IntrHook));
    this.addHook(HOOK.INTR, cb);
  }

  /** Instructions the engine cannot decode; return true to continue (after fixing state). */
  onInvalidInstruction(handler: () => boolean): void {
    const cb = koffi.register(() => handler(), koffi.pointer(InvalidInsnHook));
    this.addHook(HOOK.INSN_INVALID, cb);
  }

  /** Accesses outside every mapped region (the guest touched memory past its RAM). */
  onUnmapped(handler: (type: number, address: bigint, size: number) => boolean): void {
    const cb = koffi.register(
      (_uc: unknown, type: number, address: bigint | number, size: number) => handler(type, BigInt(address), size),
      koffi.pointer(MemHook),
    );
    this.addHook(HOOK.MEM_UNMAPPED, cb);
  }

  /**
   * Calls `handler` before each instruction in [begin, end] (inclusive) runs; the
   * result removes the hook. Translations of the range made before are dropped, so
   * the hook sees code already translated too.
   */
  onCode(begin: bigint, end: bigint, handler: (address: bigint) => void): () => void {
    const cb = koffi.register((_uc: unknown, address: bigint | number) => handler(BigInt(address)), koffi.pointer(CodeHook));
    const remove = this.addRangeHook(HOOK.CODE, cb, begin, end);
    this.invalidateTranslations(begin, end + 1n);
    return () => {
      remove();
      this.invalidateTranslations(begin, end + 1n);
    };
  }

  /** Calls `handler` for each guest read (`HOOK.MEM_READ`) or write (`HOOK.MEM_WRITE`) touching [begin, end]; the result removes the hook. */
  onMemoryAccess(type: number, begin: bigint, end: bigint, handler: (type: number, address: bigint, size: number) => void): () => void {
    const cb = koffi.register((_uc: unknown, kind: number, address: bigint | number, size: number) => {
      handler(kind, BigInt(address), size);
      return true;
    }, koffi.pointer(MemHook));
    return this.addRangeHook(type, cb, begin, end);
  }

  close(): void {
    check(uc_close(this.handle), 'uc_close');
    this.fastPath?.dispose();
    this.copyPath?.dispose();
    for (const cb of this.callbacks) koffi.unregister(cb);
    this.callbacks.length = 0;
  }

  /**
   * Runs the VMM's own machine code at the start of every translated block (the
   * library's block-hook signature: uc, address, size, user). A stop it requests
   * takes effect before the block's first instruction.
   */
  onBlockNative(callback: bigint, user = 0n): void {
    check(uc_hook_add(this.handle, [0], HOOK.BLOCK, callback, user, 1n, 0n), 'uc_hook_add');
  }

  /** Hooks instruction `insn` with the VMM's own machine code (copy-fast-path.ts, syscall-fast-path.ts). */
  private addMachineCodeHook(insn: number, hook: { readonly callback: bigint; readonly user: bigint }): void {
    check(uc_hook_add(this.handle, [0], HOOK.INSN, hook.callback, hook.user, 1n, 0n, 'int', insn), 'uc_hook_add');
  }

  /** A hook on [begin, end] that the result removes (and unregisters). */
  private addRangeHook(type: number, cb: bigint, begin: bigint, end: bigint): () => void {
    const hh = [0];
    const code = uc_hook_add(this.handle, hh, type, BigInt(koffi.address(cb)), 0n, begin, end);
    if (code !== 0) koffi.unregister(cb);
    check(code, 'uc_hook_add');
    return () => {
      check(uc_hook_del(this.handle, hh[0]), 'uc_hook_del');
      koffi.unregister(cb);
    };
  }

  private addHook(type: number, cb: bigint, insn?: number): void {
    this.callbacks.push(cb);
    const hh = [0];
    const code =
      insn === undefined
        ? uc_hook_add(this.handle, hh, type, BigInt(koffi.address(cb)), 0n, 1n, 0n)
        : uc_hook_add(this.handle, hh, type, BigInt(koffi.address(cb)), 0n, 1n, 0n, 'int', insn);
    check(code, 'uc_hook_add');
  }
}
