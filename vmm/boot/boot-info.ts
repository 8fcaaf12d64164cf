// The BootInfo block and the argument area: what the kernel learns from the VMM.
import { ABI_VERSION, BootInfo, MEM, MISC } from '../generated/abi.js';
import type { GuestMemory } from '../guest-memory.js';

export interface BootFacts {
  cpuCount: number;
  /** BootInfo.flags to start with (BOOT_FLAG_*); prepareFiles adds the share's. */
  flags?: number;
  kernelEnd: bigint;
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
 * Writes argv and envp (pointer arrays, then NUL-terminated strings) into the
 * argument area and the BootInfo that points at them.
 */
export function writeBootInfo(mem: GuestMemory, facts: BootFacts): void {
  const strings = [...facts.argv, ...facts.env].map((s) => Buffer.from(`${s}\0`, 'utf8'));
  const pointerBytes = (facts.argv.length + facts.env.length) * 8;
  const stringBytes = strings.reduce((n, s) => n + s.length, 0);
  if (MEM.ARGS_ADDR + pointerBytes + stringBytes > MEM.ARGS_END) {
    throw new BootInfoError(`arguments and environment take ${pointerBytes + stringBytes} bytes; at most ${MEM.ARGS_END - MEM.ARGS_ADDR} fit`);
  }
  const argvAddr = MEM.ARGS_ADDR;
  const envpAddr = argvAddr + facts.argv.length * 8;
  let at = MEM.ARGS_ADDR + pointerBytes;
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
