// Parsing of the VMM's option values; every bad value becomes one clear line.
import { MEM, MISC } from './generated/abi.js';

export class OptionError extends Error {}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

/**
 * "256M", "1G", "1GiB", "65536K" or a byte count -> bytes; within the guest's RAM
 * limits. `label` names where the text came from in messages (--mem, UNIKV_MEM=).
 */
export function parseMemSize(text: string, label = '--mem '): number {
  const m = /^(\d+)\s*([KMGTP]?)(i?B)?$/i.exec(String(text).trim());
  if (!m) throw new OptionError(`${label}${text}: not a size (use a number with K, M or G, such as 256M or 1G)`);
  const bytes = Number(m[1]) * UNITS[m[2].toUpperCase()];
  if (bytes > MEM.MAX_RAM) throw new OptionError(`${label}${text}: too large (at most ${MEM.MAX_RAM / 1024 ** 3}G is supported)`);
  if (bytes % MEM.PAGE_SIZE !== 0) throw new OptionError(`${label}${text}: must be a whole number of 4 KiB pages`);
  if (bytes < MEM.MIN_RAM) throw new OptionError(`${label}${text}: at least ${MEM.MIN_RAM / 1024 ** 2}M is needed`);
  return bytes;
}

/** A TCP port for --gdb: 0 (any free port, which the VMM prints) to 65535. */
export function parsePort(text: unknown, label = '--gdb '): number {
  const s = String(text).trim();
  if (!/^\d{1,5}$/.test(s) || Number(s) > 65535) throw new OptionError(`${label}${s}: not a TCP port (0 to 65535)`);
  return Number(s);
}

/** A vCPU count: an integer from 1 to MAX_CPUS; `label` as for parseMemSize. */
export function parseCpuCount(text: unknown, label = '--cpus '): number {
  const s = String(text).trim();
  if (!/^-?\d+$/.test(s)) throw new OptionError(`${label}${s}: not a whole number`);
  const n = Number(s);
  if (n < 1) throw new OptionError(`${label}${s}: at least 1 CPU is needed`);
  if (n > MISC.MAX_CPUS) throw new OptionError(`${label}${s}: at most ${MISC.MAX_CPUS} CPUs are supported`);
  return n;
}
