// The BootInfo block and the argument area: what the kernel learns from the VMM.
import { ABI_VERSION, BootInfo, MEM, MISC } from '../generated/abi.js';
import type { GuestMemory } from '../guest-memory.js';

export interface BootFacts {
  cpuCount: number;
  /** BootInfo.flags to start with (BOOT_FLAG_*); prepareFiles adds the share's. */
  flags?: number;
  kernelStart: bigint;
  kernelEnd: bigint;
  /** Where the argument area starts (argumentArea() says how far below the kernel). */
  argsAddr: bigint;
  appStart: bigint;
  appEnd: bigint;
  appEntry: bigint;
  appPhdr: bigint;
  appPhnum: number;
  appPhent: number;
  argv: string[];
  env: string[];
  random: Uint8Array; // 16 bytes for AT_RANDOM
}

export class BootInfoError extends Error {}

/**
 * Bytes the argument area needs for argv and envp (pointer arrays, then the
 * NUL-terminated strings), rounded up to whole pages; refused above ARGS_MAX.
 */
export function argumentArea(argv: string[], env: string[]): number {
  const pointerBytes = (argv.length + env.length) * 8;
  const stringBytes = [...argv, ...env].reduce((n, s) => n + Buffer.byteLength(s, 'utf8') + 1, 0);
  if (pointerBytes + stringBytes > MEM.ARGS_MAX) {
    throw new BootInfoError(`arguments and environment take ${pointerBytes + stringBytes} bytes; at most ${MEM.ARGS_MAX} fit`);
  }
  return Math.ceil((pointerBytes + stringBytes) / MEM.PAGE_SIZE) * MEM.PAGE_SIZE;
}

/**
 * Writes argv and envp (pointer arrays, then NUL-terminated strings) into the
 * argument area at facts.argsAddr and the BootInfo that points at them.
 */
export function writeBootInfo(mem: GuestMemory, facts: BootFacts): void {
  argumentArea(facts.argv, facts.env);
  const strings = [...facts.argv, ...facts.env].map((s) => Buffer.from(`${s}\0`, 'utf8'));
  const pointerBytes = (facts.argv.length + facts.env.length) * 8;
  const argvAddr = Number(facts.argsAddr);
  const envpAddr = argvAddr + facts.argv.length * 8;
  let at = argvAddr + pointerBytes;
  strings.forEach((s, i) => {
    mem.writeU64(argvAddr + i * 8, BigInt(at)); // argv and envp arrays are adjacent
    mem.copyIn(at, s);
    at += s.length;
  });

  const b = MEM.BOOT_INFO_ADDR;
  mem.writeU64(b + BootInfo.magic, MISC.BOOT_MAGIC);
  mem.writeU32(b + BootInfo.abi_version, ABI_VERSION);
  mem.writeU32(b + BootInfo.cpu_count, facts.cpuCount);
  mem.writeU64(b + BootInfo.ram_size, BigInt(mem.ramSize));
  mem.writeU64(b + BootInfo.kernel_start, facts.kernelStart);
  mem.writeU64(b + BootInfo.kernel_end, facts.kernelEnd);
  mem.writeU64(b + BootInfo.app_start, facts.appStart);
  mem.writeU64(b + BootInfo.app_end, facts.appEnd);
  mem.writeU64(b + BootInfo.app_entry, facts.appEntry);
  mem.writeU64(b + BootInfo.app_phdr, facts.appPhdr);
  mem.writeU32(b + BootInfo.app_phnum, facts.appPhnum);
  mem.writeU32(b + BootInfo.app_phent, facts.appPhent);
  mem.writeU64(b + BootInfo.argc, BigInt(facts.argv.length));
  mem.writeU64(b + BootInfo.argv, BigInt(argvAddr));
  mem.writeU64(b + BootInfo.envc, BigInt(facts.env.length));
  mem.writeU64(b + BootInfo.envp, BigInt(envpAddr));
  mem.copyIn(b + BootInfo.random, facts.random);
  mem.writeU32(b + BootInfo.cpu_online, 0);
  mem.writeU32(b + BootInfo.flags, facts.flags ?? 0);
  mem.writeU64(b + BootInfo.tsc_hz, 0n);
}
