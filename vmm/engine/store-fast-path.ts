// Puts guest stores back on the engine's fast path.
//
// Debian's libunicorn2 is unicorn 2.0.1, whose QEMU core has its dirty-memory
// bitmap stubbed out: cpu_physical_memory_is_clean() always answers "clean". So
// tlb_set_page_with_attrs() marks every writable RAM page TLB_NOTDIRTY, and every
// guest store, forever, leaves the generated code for notdirty_write(), which
// allocates and frees a GTree (page_collection_lock) to look for translated code
// on the page. Measured here: a store costs about 60 ns instead of 2 ns, a 4 KiB
// memset about 55 us instead of 1 us, and a system call (which saves a register
// frame) about 4 us instead of 1 us. Unicorn 2.1 fixed this by checking only pages
// mapped executable; 2.0.1 cannot be configured to.
//
// The fix here changes one instruction of the loaded library, in this process only:
// the `or r9, 0x400` (TLB_NOTDIRTY) in tlb_set_page_with_attrs_x86_64 becomes
// `or r9, 0`. The instruction is found by its exact bytes and their neighbours
// and patched only when it occurs exactly once; any other build of the library is
// left alone and simply runs slower.
//
// What is given up: the engine no longer notices a guest store into code it has
// already translated (self-modifying code). The kernel covers the case that
// matters for unmodified programs: mprotect() adding PROT_EXEC asks the VMM to drop
// every translation (port CODE_CHANGED), which is what a JIT does before running
// code it wrote. UNIKV_ENGINE_PATCH=off keeps the library as shipped.
import koffi from 'koffi';

/** `or r9, 0x400` followed by `cmpb [rsi+0x30], 0` (section->readonly). */
const SIGNATURE = [0x49, 0x81, 0xc9, 0x00, 0x04, 0x00, 0x00, 0x80, 0x7e, 0x30, 0x00];
const IMMEDIATE_OFFSET = 4; // the 0x04 of the 32-bit immediate 0x00000400
const SEARCH_BYTES = 0x800; // the function is about 0x600 bytes long
const PAGE = 0x1000n;
const PROT_READ_EXEC = 5;
const PROT_READ_WRITE_EXEC = 7;
const RTLD_NOW = 2;

export type StorePathState = 'patched' | 'not-needed' | 'disabled' | 'unrecognised';

let state: StorePathState | undefined;

/** Applies the patch once per process (idempotent); says what was done. */
export function enableFastStores(): StorePathState {
  if (state) return state;
  if (process.env.UNIKV_ENGINE_PATCH === 'off') return (state = 'disabled');
  const libc = koffi.load('libc.so.6');
  const dlopen = libc.func('void *dlopen(const char *file, int mode)');
  const dlsym = libc.func('uintptr_t dlsym(void *handle, const char *name)');
  const mprotect = libc.func('int mprotect(uintptr_t addr, size_t len, int prot)');
  const peek = libc.func('memcpy', 'void *', ['_Out_ uint8_t *', 'uintptr_t', 'size_t']);
  const poke = libc.func('memcpy', 'void *', ['uintptr_t', 'const uint8_t *', 'size_t']);

  const unicorn = koffi.load('libunicorn.so.2');
  const version = unicorn.func('unsigned int uc_version(_Out_ unsigned int *major, _Out_ unsigned int *minor)');
  const major = [0];
  const minor = [0];
  version(major, minor);
  if (major[0] !== 2 || minor[0] !== 0) return (state = 'not-needed'); // fixed from 2.1 on

  const handle = dlopen('libunicorn.so.2', RTLD_NOW);
  const fn = handle ? BigInt(dlsym(handle, 'tlb_set_page_with_attrs_x86_64')) : 0n;
  if (fn === 0n) return (state = 'unrecognised');
  const code = new Uint8Array(SEARCH_BYTES);
  peek(code, fn, code.length);
  const hits = findAll(code, SIGNATURE);
  if (hits.length !== 1) return (state = 'unrecognised');

  const at = fn + BigInt(hits[0] + IMMEDIATE_OFFSET);
  const first = at & ~(PAGE - 1n);
  const span = Number(((at + 1n + PAGE - 1n) & ~(PAGE - 1n)) - first);
  if (mprotect(first, span, PROT_READ_WRITE_EXEC) !== 0) return (state = 'unrecognised');
  poke(at, new Uint8Array([0x00]), 1);
  mprotect(first, span, PROT_READ_EXEC);
  return (state = 'patched');
}

function findAll(haystack: Uint8Array, needle: number[]): number[] {
  const hits: number[] = [];
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    hits.push(i);
  }
  return hits;
}
