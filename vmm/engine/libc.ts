// The C library calls the engine's modules make on the engine's own process: finding
// library symbols (the fixes, the syscall hook), loading libunicorn in the background
// (preload.ts), and reading, writing and protecting raw memory (patching the
// library's code, the machine-code hooks' pages and slots). The functions are bound
// once, for the whole project, in host-libc/src/c.ts.
import { dlopen, dlsym, koffi, mmap, mprotect, munmap, peek, poke } from '@unikv/host-libc/c';

export { dlopen, dlsym, mprotect, munmap, peek, poke };

export const RTLD_NOW = 2;
export const PROT_READ_WRITE = 3;
export const PROT_READ_EXEC = 5;
export const PROT_READ_WRITE_EXEC = 7;
export const PAGE_SIZE = 4096;
const MAP_PRIVATE_ANONYMOUS = 0x22;

/** Fresh private pages (`bytes`, whole pages), readable and writable; `what` names them in the error. */
function mapPage(what: string, bytes = PAGE_SIZE): bigint {
  const page = BigInt(mmap(0n, bytes, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0));
  if (page === 0n || page === 0xffff_ffff_ffff_ffffn) throw new Error(`mmap failed for ${what}`);
  return page;
}

/** A page of the VMM's own machine code: `code` copied in, then made read-and-execute only. */
export function mapCode(code: number[], what: string): bigint {
  if (code.length > PAGE_SIZE) throw new RangeError(`${what} does not fit in a page`);
  const page = mapPage(what);
  poke(page, Uint8Array.from(code), code.length);
  if (mprotect(page, PAGE_SIZE, PROT_READ_EXEC) !== 0) throw new Error(`mprotect failed for ${what}`);
  return page;
}

/** A page of 64-bit words that machine code reads and writes (its user data), and a view of them. */
export function mapSlots(words: number, what: string): { address: bigint; slots: BigInt64Array } {
  const address = mapPage(what);
  return { address, slots: new BigInt64Array(koffi.view(address, words * 8) as ArrayBuffer) };
}

/** Zeroed 64-bit words that machine code counts in, over as many pages as they need (munmap with words * 8). */
export function mapWords(words: number, what: string): { address: bigint; slots: BigInt64Array } {
  const address = mapPage(what, Math.ceil((words * 8) / PAGE_SIZE) * PAGE_SIZE);
  return { address, slots: new BigInt64Array(koffi.view(address, words * 8) as ArrayBuffer) };
}
