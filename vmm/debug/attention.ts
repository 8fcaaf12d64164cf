// How the debugger gets the loop's attention while the guest runs uncounted: the
// stub's sockets raise SIGIO when bytes (or a connection) arrive; a handler of two
// machine-code instructions sets a word; a machine-code block hook on every engine
// reads the word at the start of each translated block and, when set, stops the
// engine there. A stop from a block hook takes effect before the block's first
// instruction, so it is exact, unlike the engine's asynchronous stops (which re-run
// part of a block: docs/architecture.md, "Where a slice can end").
import { syscall } from '@unikv/host-libc/c';
import { dlopen, dlsym, mapCode, mapSlots, RTLD_NOW } from '../engine/libc.js';
import { LIBUNICORN } from '../engine/preload.js';
import type { Engine } from '../engine/unicorn.js';

const SIGIO = 29;
const SYS_RT_SIGACTION = 13;
const SYS_FCNTL = 72;
const SYS_GETPID = 39;
const F_GETFL = 3;
const F_SETFL = 4;
const F_SETOWN = 8;
const O_ASYNC = 0o20000;
const SA_RESTORER = 0x0400_0000;
const SA_RESTART = 0x1000_0000;
/** Word 0: the flag. Words 1-4: the kernel's struct sigaction. */
const ACTION = 1;

/** x86-64 bytes of imm64, little-endian. */
function imm64(value: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
}

export class Attention {
  private readonly slots: BigInt64Array;
  private readonly blockHook: bigint;

  constructor() {
    const { address, slots } = mapSlots(ACTION + 4, 'the debugger attention word');
    this.slots = slots;
    const stop = BigInt(dlsym(dlopen(LIBUNICORN, RTLD_NOW), 'uc_emu_stop'));
    if (stop === 0n) throw new Error('uc_emu_stop not found in the engine library');
    this.blockHook = mapCode(
      [
        ...[0x48, 0xb8, ...imm64(address)], //  movabs rax, flag
        ...[0x48, 0x83, 0x38, 0x00], //          cmp qword [rax], 0
        ...[0x75, 0x01], //                      jne .stop
        0xc3, //                                 ret
        ...[0x48, 0xb8, ...imm64(stop)], //      .stop: movabs rax, uc_emu_stop
        ...[0xff, 0xe0], //                      jmp rax (rdi is still the engine)
      ],
      'the debugger block hook',
    );
    const handler = [
      ...[0x48, 0xb8, ...imm64(address)], //    movabs rax, flag
      ...[0x48, 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00], // mov qword [rax], 1
      0xc3, //                                  ret
    ];
    const restorerOffset = handler.length;
    const code = mapCode([...handler, ...[0xb8, 0x0f, 0x00, 0x00, 0x00], ...[0x0f, 0x05]], 'the SIGIO handler'); // mov eax, 15 (rt_sigreturn); syscall
    slots[ACTION] = code;
    slots[ACTION + 1] = BigInt(SA_RESTORER | SA_RESTART);
    slots[ACTION + 2] = code + BigInt(restorerOffset);
    slots[ACTION + 3] = 0n;
    if (Number(syscall(SYS_RT_SIGACTION, SIGIO, Number(address + BigInt(ACTION * 8)), 0, 8, 0, 0)) !== 0) {
      throw new Error('cannot install the SIGIO handler');
    }
  }

  /** Stops `engine` at its next block once attention is raised. */
  watch(engine: Engine): void {
    engine.onBlockNative(this.blockHook);
  }

  /** Makes input on socket `fd` raise attention. */
  signalOnInput(fd: number): void {
    const flags = Number(syscall(SYS_FCNTL, fd, F_GETFL, 0, 0, 0, 0));
    syscall(SYS_FCNTL, fd, F_SETOWN, Number(syscall(SYS_GETPID, 0, 0, 0, 0, 0, 0)), 0, 0, 0);
    syscall(SYS_FCNTL, fd, F_SETFL, flags | O_ASYNC, 0, 0, 0);
  }

  get raised(): boolean {
    return this.slots[0] !== 0n;
  }

  raise(): void {
    this.slots[0] = 1n;
  }

  clear(): void {
    this.slots[0] = 0n;
  }
}
