// Ctrl-C (SIGINT) while a guest runs. The emulation loop keeps the main thread busy
// in synchronous code, where Node's own signal events never run; so the VMM installs
// a handler of a few machine-code instructions that counts the signal in a word the
// loop reads, and stops every engine the machine registered (uc_emu_stop only sets
// the engine's stop flags, which is what QEMU's own signal handlers do), so that a
// guest spinning without a system call comes back to the loop too. machine.ts then
// ends the run; the command line writes the statistics and exits with 130. The
// handler touches nothing else, so it may run on any thread. A second SIGINT ends the
// process at once with status 130 (for a VMM that does not come back to the loop).
import { koffi, syscall } from '@unikv/host-libc/c';
import { dlopen, dlsym, mapCode, mapSlots, RTLD_NOW } from './engine/libc.js';
import { LIBUNICORN } from './engine/preload.js';
import { MISC } from './generated/abi.js';

export const STATUS_INTERRUPTED = 130;

const SIGINT = 2;
const SYS_RT_SIGACTION = 13;
const SA_RESTORER = 0x0400_0000;
const SA_RESTART = 0x1000_0000;
/** Word 0: the count. Words 1-4: the kernel's struct sigaction. Then the engines, 0-terminated. */
const ACTION = 1;
const ENGINES = 5;

/** x86-64 bytes of imm64, little-endian. */
function imm64(value: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
}

let words: BigInt64Array | undefined;
let installed: (() => boolean) | undefined;

/**
 * Installs the handler; the result tells whether SIGINT has come since. Later calls
 * return the same reader.
 */
export function catchInterrupt(): () => boolean {
  if (installed) return installed;
  const { address, slots } = mapSlots(ENGINES + MISC.MAX_CPUS + 1, 'the SIGINT handler data');
  const stop = BigInt(dlsym(dlopen(LIBUNICORN, RTLD_NOW), 'uc_emu_stop'));
  const engines = address + BigInt(ENGINES * 8);
  // On entry rsp is 8 past a 16-byte boundary (as after a call): one push aligns the calls.
  const handler = [
    ...[0x48, 0xb8, ...imm64(address)], //          movabs rax, count
    ...[0xf0, 0x48, 0xff, 0x00], //                  lock inc qword [rax]
    ...[0x48, 0x83, 0x38, 0x02], //                  cmp qword [rax], 2
    ...[0x73, 0x27], //                              jae .again
    0x53, //                                         push rbx
    ...[0x48, 0xbb, ...imm64(engines)], //           movabs rbx, engines
    ...[0x48, 0x8b, 0x3b], //                        .next: mov rdi, [rbx]
    ...[0x48, 0x85, 0xff], //                        test rdi, rdi
    ...[0x74, 0x12], //                              jz .done
    ...[0x48, 0xb8, ...imm64(stop)], //              movabs rax, uc_emu_stop
    ...[0xff, 0xd0], //                              call rax
    ...[0x48, 0x83, 0xc3, 0x08], //                  add rbx, 8
    ...[0xeb, 0xe6], //                              jmp .next
    0x5b, //                                         .done: pop rbx
    0xc3, //                                         ret
    ...[0xbf, STATUS_INTERRUPTED, 0x00, 0x00, 0x00], // .again: mov edi, 130
    ...[0xb8, 0xe7, 0x00, 0x00, 0x00], //            mov eax, 231 (exit_group)
    ...[0x0f, 0x05], //                              syscall
  ];
  const restorerOffset = handler.length;
  const restorer = [...[0xb8, 0x0f, 0x00, 0x00, 0x00], ...[0x0f, 0x05]]; // mov eax, 15 (rt_sigreturn); syscall
  const code = mapCode([...handler, ...restorer], 'the SIGINT handler');
  slots[ACTION] = code;
  slots[ACTION + 1] = BigInt(SA_RESTORER | SA_RESTART);
  slots[ACTION + 2] = code + BigInt(restorerOffset);
  slots[ACTION + 3] = 0n;
  const ok = stop !== 0n && Number(syscall(SYS_RT_SIGACTION, SIGINT, Number(address + BigInt(ACTION * 8)), 0, 8, 0, 0)) === 0;
  words = slots;
  installed = ok ? () => slots[0] !== 0n : () => false;
  return installed;
}

/**
 * The engines (unicorn handles) SIGINT stops while they run; none (the empty list)
 * before they are closed. Does nothing unless catchInterrupt() installed the handler.
 */
export function stopOnInterrupt(handles: unknown[]): void {
  if (!words) return;
  const list = handles.slice(0, MISC.MAX_CPUS).map((h) => BigInt(koffi.address(h)));
  // The terminator first, so that the handler never reads a half-written list.
  words[ENGINES + list.length] = 0n;
  for (let i = list.length - 1; i >= 0; i--) words[ENGINES + i] = list[i];
}
