// The C library calls the engine's modules make on the engine's own process: finding
// library symbols (the fixes, the syscall hook), loading libunicorn in the background
// (preload.ts), and reading, writing and protecting raw memory (patching the
// library's code, the machine-code hooks' pages and slots). Bound once, here.
import koffi from './koffi.js';

const libc = koffi.load('libc.so.6');

export const RTLD_NOW = 2;
export const PROT_READ_WRITE = 3;
export const PROT_READ_EXEC = 5;
export const PROT_READ_WRITE_EXEC = 7;
export const PAGE_SIZE = 4096;
const MAP_PRIVATE_ANONYMOUS = 0x22;

export const dlopen = libc.func('void *dlopen(const char *file, int mode)');
export const dlsym = libc.func('uintptr_t dlsym(void *handle, const char *name)');
export const mprotect = libc.func('int mprotect(uintptr_t addr, size_t len, int prot)');
export const munmap = libc.func('int munmap(uintptr_t addr, size_t len)');
/** memcpy from a native address into a buffer. */
export const peek = libc.func('memcpy', 'void *', ['_Out_ uint8_t *', 'uintptr_t', 'size_t']);
/** memcpy from a buffer to a native address. */
export const poke = libc.func('memcpy', 'void *', ['uintptr_t', 'const uint8_t *', 'size_t']);
const mmap = libc.func('uintptr_t mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, intptr_t offset)');

/** A fresh private page, readable and writable; `what` names it in the error. */
function mapPage(what: string): bigint {
  const page = BigInt(mmap(0n, PAGE_SIZE, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0));
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
