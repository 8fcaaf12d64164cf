// Ctrl-C (SIGINT) while a guest runs. The emulation loop keeps the main thread busy
// in synchronous code, where Node's own signal events never run; so the VMM installs
// a handler of a few machine-code instructions that counts the signal in a word the
// loop reads (machine.ts stops the guest, the command line writes the statistics and
// exits with 130). The count is all the handler touches, so it may run on any thread.
// A second SIGINT ends the process at once with status 130 (for a VMM that does not
// come back to the loop, such as one sleeping until a far timer deadline).
import { syscall } from '@unikv/host-libc/c';
import { mapCode, mapSlots } from './engine/libc.js';

export const STATUS_INTERRUPTED = 130;

const SIGINT = 2;
const SYS_RT_SIGACTION = 13;
const SA_RESTORER = 0x0400_0000;
const SA_RESTART = 0x1000_0000;

/** x86-64 bytes of imm64, little-endian. */
function imm64(value: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
}

/**
 * Installs the handler; the result tells whether SIGINT has come since. Later calls
 * return the same reader.
 */
export function catchInterrupt(): () => boolean {
  if (installed) return installed;
  // Word 0: the count. Words 1-4: the kernel's struct sigaction (handler, flags, restorer, mask).
  const { address, slots } = mapSlots(5, 'the SIGINT count');
  const handler = [
    ...[0x48, 0xb8, ...imm64(address)], //         movabs rax, count
    ...[0xf0, 0x48, 0xff, 0x00], //                 lock inc qword [rax]
    ...[0x48, 0x83, 0x38, 0x02], //                 cmp qword [rax], 2
    ...[0x73, 0x01], //                             jae .again
    0xc3, //                                        ret
    ...[0xbf, STATUS_INTERRUPTED, 0x00, 0x00, 0x00], // .again: mov edi, 130
    ...[0xb8, 0xe7, 0x00, 0x00, 0x00], //           mov eax, 231 (exit_group)
    ...[0x0f, 0x05], //                             syscall
  ];
  const restorerOffset = handler.length;
  const restorer = [...[0xb8, 0x0f, 0x00, 0x00, 0x00], ...[0x0f, 0x05]]; // mov eax, 15 (rt_sigreturn); syscall
  const code = mapCode([...handler, ...restorer], 'the SIGINT handler');
  slots[1] = code;
  slots[2] = BigInt(SA_RESTORER | SA_RESTART);
  slots[3] = code + BigInt(restorerOffset);
  slots[4] = 0n;
  const ok = Number(syscall(SYS_RT_SIGACTION, SIGINT, Number(address + 8n), 0, 8, 0, 0)) === 0;
  installed = ok ? () => slots[0] !== 0n : () => false;
  return installed;
}

let installed: (() => boolean) | undefined;
