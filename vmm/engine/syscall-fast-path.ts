// The `syscall` transition in machine code. Unicorn runs a hook for every `syscall`
// (it does not implement the instruction); this one avoids entering JavaScript
// (costs: docs/architecture.md).
//
// Per `syscall` (user data: the SLOT words below, one set per engine):
//   count += 1 (and, with --stats, byNumber[RAX] += 1)
//   if LSTAR is not known yet, or --budget reaches 0: tail-call the JavaScript hook
//   RCX = RIP + 2 (the return address), RIP = LSTAR - 2 (unicorn adds the 2 back)
// so every decision (the first call, the end of a time slice) is made in JavaScript
// (cpu/syscall.ts, cpu/slice-policy.ts) once every `budget` calls or when asked.
//
// RCX and RIP are loaded and stored in the engine's register file when its layout is
// known and checked (register-file.ts), because uc_reg_write(RIP) also makes the
// engine leave and re-enter its execution loop; otherwise the hook calls
// uc_reg_read and uc_reg_write.
//
// The code is built once per process and variant into a read-and-execute page.
// UNIKV_SYSCALL_HOOK=js sends every call to JavaScript (for comparisons), and so
// does --strace, which needs to see each one.
import { LIBUNICORN } from './preload.js';
import { dlopen, dlsym, mapCode, mapSlots, mapWords, munmap, PAGE_SIZE, RTLD_NOW } from './libc.js';
import { RAX_AT, RCX_AT, RIP_AT, type RegisterFile } from './register-file.js';
import { disp8, le32, le64 } from './code-bytes.js';

/** Offsets into an engine's slots (64-bit words). */
const SLOT = { scratch: 0, lstarMinus2: 1, budget: 2, count: 3, slowPath: 4, byNumber: 5 } as const;
const SLOT_WORDS = 6;
/** Counters by system-call number (--stats); numbers from BY_NUMBER - 1 up share the last. */
export const BY_NUMBER = 1024;
const ALL_TO_JAVASCRIPT = process.env.UNIKV_SYSCALL_HOOK === 'js';

const UC_X86_REG_RIP = 41;
const UC_X86_REG_RCX = 38;

/** The transition with plain loads and stores in the register file (rbx = uc, r12 = slots). */
function directTransition(file: RegisterFile): number[] {
  const base = file.indirect ? 0 : file.env;
  const rip = base + RIP_AT;
  const rcx = base + RCX_AT;
  // biome-ignore format: machine code, one instruction per line with its assembly
  return [
    0x48, 0x8b, 0x83, ...le32(file.cpu), // mov rax, [rbx + cpu]    ; the vCPU
    ...(file.indirect ? [0x48, 0x8b, 0x80, ...le32(file.env)] : []), // mov rax, [rax + env] ; its register file
    0x48, 0x8b, 0x90, ...le32(rip), //      mov rdx, [rax + rip]    ; RIP (at the syscall)
    0x48, 0x83, 0xc2, 0x02, //              add rdx, 2              ; the return address
    0x48, 0x89, 0x90, ...le32(rcx), //      mov [rax + rcx], rdx    ; RCX = return address
    0x49, 0x8b, 0x54, 0x24, disp8(SLOT.lstarMinus2), // mov rdx, [r12 + lstarMinus2]
    0x48, 0x89, 0x90, ...le32(rip), //      mov [rax + rip], rdx    ; RIP = LSTAR - 2
    0x48, 0x83, 0xc4, 0x08, //              add rsp, 8
    0x41, 0x5c, //                          pop r12
    0x5b, //                                pop rbx
    0xc3, //                                ret
  ];
}

/** One more on the counter of this call's number (RAX from the register file): --stats' counts by call. */
function countByNumber(file: RegisterFile): number[] {
  const base = file.indirect ? 0 : file.env;
  const last = BY_NUMBER - 1;
  // biome-ignore format: machine code, one instruction per line with its assembly
  return [
    0x48, 0x8b, 0x83, ...le32(file.cpu), // mov rax, [rbx + cpu]    ; the vCPU
    ...(file.indirect ? [0x48, 0x8b, 0x80, ...le32(file.env)] : []), // mov rax, [rax + env] ; its register file
    0x48, 0x8b, 0x90, ...le32(base + RAX_AT), // mov rdx, [rax + rax]   ; the call's number
    0x48, 0x81, 0xfa, ...le32(last), //     cmp rdx, BY_NUMBER - 1
    0x76, 0x05, //                          jbe .counter
    0xba, ...le32(last), //                 mov edx, BY_NUMBER - 1  ; every larger number
    0x49, 0x8b, 0x44, 0x24, disp8(SLOT.byNumber), // .counter: mov rax, [r12 + byNumber]
    0x48, 0xff, 0x04, 0xd0, //              inc qword [rax + rdx * 8]
  ];
}

/** The hook's instructions, as bytes; the comments are the assembly. `byNumber` (needs `file`) counts each call by number too. */
function hookCode(ucRegRead: bigint, ucRegWrite: bigint, file?: RegisterFile, byNumber = false): number[] {
  // biome-ignore format: machine code, one instruction per line with its assembly
  const transition = file ? directTransition(file) : [
    0xbe, UC_X86_REG_RIP, 0, 0, 0, //       mov esi, RIP
    0x4c, 0x89, 0xe2, //                    mov rdx, r12            ; &scratch
    0x48, 0xb8, ...le64(ucRegRead), //      mov rax, uc_reg_read
    0xff, 0xd0, //                          call rax                ; scratch = RIP (at the syscall)
    0x49, 0x83, 0x04, 0x24, 0x02, //        add qword [r12], 2      ; scratch = return address
    0x48, 0x89, 0xdf, //                    mov rdi, rbx
    0xbe, UC_X86_REG_RCX, 0, 0, 0, //       mov esi, RCX
    0x4c, 0x89, 0xe2, //                    mov rdx, r12
    0x48, 0xb8, ...le64(ucRegWrite), //     mov rax, uc_reg_write
    0xff, 0xd0, //                          call rax                ; RCX = return address
    0x48, 0x89, 0xdf, //                    mov rdi, rbx
    0xbe, UC_X86_REG_RIP, 0, 0, 0, //       mov esi, RIP
    0x49, 0x8d, 0x54, 0x24, disp8(SLOT.lstarMinus2), // lea rdx, [r12 + lstarMinus2]
    0x48, 0xb8, ...le64(ucRegWrite), //     mov rax, uc_reg_write
    0xff, 0xd0, //                          call rax                ; RIP = LSTAR - 2
    0x48, 0x83, 0xc4, 0x08, //              add rsp, 8
    0x41, 0x5c, //                          pop r12
    0x5b, //                                pop rbx
    0xc3, //                                ret
  ];
  // biome-ignore format: machine code, one instruction per line with its assembly
  const budget = [
    0x49, 0xff, 0x4c, 0x24, disp8(SLOT.budget), //     dec qword [r12 + budget]
    0x74, transition.length, //             jz .slow                ; time for the VMM to look
  ];
  // biome-ignore format: machine code, one instruction per line with its assembly
  return [
    0x53, //                                push rbx
    0x41, 0x54, //                          push r12
    0x48, 0x83, 0xec, 0x08, //              sub rsp, 8              ; calls need a 16-byte aligned stack
    0x48, 0x89, 0xfb, //                    mov rbx, rdi            ; rbx = uc
    0x49, 0x89, 0xf4, //                    mov r12, rsi            ; r12 = slots
    0x49, 0xff, 0x44, 0x24, disp8(SLOT.count), //      inc qword [r12 + count]
    ...(byNumber && file ? countByNumber(file) : []),
    0x49, 0x83, 0x7c, 0x24, disp8(SLOT.lstarMinus2), 0x00, // cmp qword [r12 + lstarMinus2], 0
    0x74, budget.length + transition.length, // je .slow            ; the kernel's entry is not known yet
    ...budget,
    ...transition,
    // .slow: the JavaScript hook, with the same arguments (rdi = uc, rsi = slots)
    0x48, 0x89, 0xdf, //                    mov rdi, rbx
    0x4c, 0x89, 0xe6, //                    mov rsi, r12
    0x49, 0x8b, 0x44, 0x24, disp8(SLOT.slowPath), //   mov rax, [r12 + slowPath]
    0x48, 0x83, 0xc4, 0x08, //              add rsp, 8
    0x41, 0x5c, //                          pop r12
    0x5b, //                                pop rbx
    0xff, 0xe0, //                          jmp rax
  ];
}

/** The hook's machine code as built for the given library addresses (for tests that disassemble it). */
export const syscallHookCodeFor = hookCode;

const codeAddresses = new Map<string, bigint>();

/** The hook's address for one variant, building it on first use. */
function hookAddress(file?: RegisterFile, byNumber = false): bigint {
  const key = `${file ? `stores ${file.cpu} ${file.env} ${file.indirect === true}` : 'calls'}${byNumber ? ' by number' : ''}`;
  const known = codeAddresses.get(key);
  if (known !== undefined) return known;
  const unicorn = dlopen(LIBUNICORN, RTLD_NOW);
  const read = BigInt(dlsym(unicorn, 'uc_reg_read'));
  const write = BigInt(dlsym(unicorn, 'uc_reg_write'));
  if (read === 0n || write === 0n) throw new Error(`${LIBUNICORN}: uc_reg_read or uc_reg_write not found`);
  const address = mapCode(hookCode(read, write, file, byNumber), 'the syscall hook');
  codeAddresses.set(key, address);
  return address;
}

/** One engine's fast path: the hook's address and its slots, readable and writable from here. */
export class SyscallFastPath {
  /** The native callback and its user data, for uc_hook_add. */
  readonly callback: bigint;
  readonly user: bigint;
  private readonly slots: BigInt64Array;

  /**
   * `slowPath` is the JavaScript hook's native address (koffi.register); `file`, this
   * engine's checked register file, when there is one (else the hook calls the library).
   */
  /** Calls by number (BY_NUMBER counters), when the hook counts them. */
  private readonly numbers: { address: bigint; words: BigInt64Array } | undefined;

  constructor(
    slowPath: bigint,
    readonly file?: RegisterFile,
    /** Every call to the JavaScript hook (--strace): the hook never jumps to the kernel itself. */
    private everyCall = false,
    /** Count each call by its number as well (--stats; only with a register file to read RAX from). */
    byNumber = false,
  ) {
    this.callback = hookAddress(file, byNumber && file !== undefined);
    const { address, slots } = mapSlots(SLOT_WORDS, "the syscall hook's slots");
    this.user = address;
    this.slots = slots;
    this.slots[SLOT.slowPath] = slowPath;
    this.slots[SLOT.budget] = 1n;
    if (byNumber && file !== undefined) {
      const table = mapWords(BY_NUMBER, "the syscall hook's counters");
      this.numbers = { address: table.address, words: table.slots };
      this.slots[SLOT.byNumber] = table.address;
    }
  }

  /** Calls seen by number (the last counter: every number from BY_NUMBER - 1 up); undefined when the hook does not count them. */
  get byNumber(): BigInt64Array | undefined {
    return this.numbers?.words;
  }

  /** From now on every call goes to the JavaScript hook (before the first call: setEntry then does nothing). */
  sendEveryCall(): void {
    this.everyCall = true;
    this.slots[SLOT.lstarMinus2] = 0n;
  }

  /** The kernel's system-call entry (LSTAR): from now on the hook jumps there itself. */
  setEntry(lstar: bigint): void {
    if (this.everyCall || ALL_TO_JAVASCRIPT) return;
    this.slots[SLOT.lstarMinus2] = BigInt.asIntN(64, lstar - 2n);
  }

  /** The next `budget` system calls: the last of them goes to the JavaScript hook. */
  setBudget(budget: number): void {
    this.slots[SLOT.budget] = BigInt(Math.max(1, budget));
  }

  /** System calls seen since the engine started, fast and slow. */
  get count(): number {
    return Number(this.slots[SLOT.count]);
  }

  /** Frees the slots; only after the engine is closed (the hook must never run again). */
  dispose(): void {
    munmap(this.user, PAGE_SIZE);
    if (this.numbers) munmap(this.numbers.address, BY_NUMBER * 8);
  }
}
