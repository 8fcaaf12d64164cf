// Parsing of the VMM's option values; every bad value becomes one clear line.
import { MEM, MISC } from './generated/abi.js';

export class OptionError extends Error {}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** "256M", "1G", "65536K" or a byte count -> bytes; within the guest's RAM limits. */
export function parseMemSize(text: string): number {
  const m = /^(\d+)\s*([KMG]?)(i?B)?$/i.exec(String(text).trim());
  if (!m) throw new OptionError(`--mem ${text}: not a size (use a number with K, M or G, such as 256M or 1G)`);
  const bytes = Number(m[1]) * UNITS[m[2].toUpperCase()];
  if (!Number.isSafeInteger(bytes) || bytes % MEM.PAGE_SIZE !== 0) throw new OptionError(`--mem ${text}: must be a whole number of 4 KiB pages`);
  if (bytes < MEM.MIN_RAM) throw new OptionError(`--mem ${text}: at least ${MEM.MIN_RAM / 1024 ** 2}M is needed`);
  if (bytes > MEM.MAX_RAM) throw new OptionError(`--mem ${text}: at most ${MEM.MAX_RAM / 1024 ** 3}G is supported`);
  return bytes;
}

/** A vCPU count: an integer from 1 to MAX_CPUS. */
export function parseCpuCount(text: unknown): number {
  const s = String(text).trim();
  if (!/^-?\d+$/.test(s)) throw new OptionError(`--cpus ${s}: not a whole number`);
  const n = Number(s);
  if (n < 1) throw new OptionError(`--cpus ${s}: at least 1 CPU is needed`);
  if (n > MISC.MAX_CPUS) throw new OptionError(`--cpus ${s}: at most ${MISC.MAX_CPUS} CPUs are supported`);
  return n;
}
