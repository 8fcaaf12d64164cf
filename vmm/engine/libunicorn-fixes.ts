// Two performance defects of Debian's libunicorn2 (unicorn 2.0.1), fixed in this
// process's copy of the loaded library, one instruction each. Both are found by their
// exact bytes and neighbours and changed only when the pattern occurs exactly once,
// so any other build of the library is left alone and simply runs slower.
// UNIKV_ENGINE_PATCH=off keeps the library exactly as shipped (for comparisons).
//
// 1. Every guest store took a slow path ("stores"). 2.0.1's QEMU core has its
//    dirty-memory bitmap stubbed out: cpu_physical_memory_is_clean() always answers
//    "clean", so tlb_set_page_with_attrs() marks every writable RAM page
//    TLB_NOTDIRTY and every store, forever, leaves the generated code for
//    notdirty_write(), which allocates and frees a GTree (page_collection_lock) to
//    look for translated code on the page. Measured here: a store cost about 60 ns
//    instead of 2 ns, a 4 KiB memset 55 us instead of 1 us, a system call 4 us
//    instead of 1 us. Unicorn 2.1 checks only pages mapped executable. The fix: the
//    `or r9, 0x400` (TLB_NOTDIRTY) becomes `or r9, 0`.
//    Given up: the engine no longer notices a guest store into code it has already
//    translated. The kernel covers what unmodified programs do: mprotect() adding
//    PROT_EXEC, as a JIT does before running code it wrote, makes every vCPU drop
//    its translations of the range (port CODE_CHANGED, vmm/ports/code-changed.ts).
//
// 2. Every translation flush cleared the whole 1 GiB code buffer ("flush"). 2.0.1's
//    tcg_region_assign() memsets its region, and with one region that is the whole
//    buffer; the engine flushes whenever a run without an instruction count follows
//    one with a count (uc_emu_start), which the VM loop does to time-slice threads.
//    Measured: the first flush faulted in 1 GiB of memory (about 3 s of system time
//    on this VM), every later one cost a 1 GiB memset. QEMU itself never clears the
//    buffer: new code overwrites it. The fix: that `call memset` becomes a 5-byte nop.
import koffi from './koffi.js';
import { LIBUNICORN } from './preload.js';
import { dlopen, dlsym, mprotect, PAGE_SIZE, peek, poke, PROT_READ_EXEC, PROT_READ_WRITE_EXEC, RTLD_NOW } from './libc.js';

export type FixState = 'patched' | 'not-needed' | 'disabled' | 'unrecognised';

interface Fix {
  /** An exported function at or near the code to change. */
  symbol: string;
  /** Where to search, relative to the symbol. */
  from: number;
  to: number;
  /** The bytes that must occur exactly once; null matches any byte. */
  signature: (number | null)[];
  /** Offset of the replacement within the signature, and the bytes written there. */
  at: number;
  replacement: number[];
}

const FIXES = {
  stores: {
    symbol: 'tlb_set_page_with_attrs_x86_64',
    from: 0, to: 0x800, // the function is about 0x600 bytes long
    // or r9, 0x400 ; cmp byte [rsi + 0x30], 0 (section->readonly)
    signature: [0x49, 0x81, 0xc9, 0x00, 0x04, 0x00, 0x00, 0x80, 0x7e, 0x30, 0x00],
    at: 4, replacement: [0x00], // the 0x04 of the immediate: or r9, 0
  },
  flush: {
    symbol: 'tcg_region_reset_all_x86_64',
    from: -0x3000, to: 0, // tcg_region_assign sits 0x2190 bytes before it in 2.0.1
    // sub rdx, rdi ; mov [rbx+0xc0], rdi ; mov [rbx+0xb8], rdx ; call memset ; mov [rbx+0xd0], rbp
    signature: [0x48, 0x29, 0xfa, 0x48, 0x89, 0xbb, 0xc0, 0x00, 0x00, 0x00, 0x48, 0x89, 0x93, 0xb8, 0x00, 0x00, 0x00,
      0xe8, null, null, null, null, 0x48, 0x89, 0xab, 0xd0, 0x00, 0x00, 0x00],
    at: 17, replacement: [0x0f, 0x1f, 0x44, 0x00, 0x00], // nop dword [rax + rax + 0]
  },
} satisfies Record<string, Fix>;

export type FixName = keyof typeof FIXES;

const PAGE = BigInt(PAGE_SIZE);

let applied: Record<FixName, FixState> | undefined;

/** Applies every fix once per process (idempotent); says what became of each. */
export function applyLibunicornFixes(): Record<FixName, FixState> {
  if (applied) return applied;
  const all = (state: FixState) => ({ stores: state, flush: state });
  if (process.env.UNIKV_ENGINE_PATCH === 'off') return (applied = all('disabled'));

  const unicorn = koffi.load(LIBUNICORN);
  const version = unicorn.func('unsigned int uc_version(_Out_ unsigned int *major, _Out_ unsigned int *minor)');
  const major = [0];
  const minor = [0];
  version(major, minor);
  if (major[0] !== 2 || minor[0] !== 0) return (applied = all('not-needed')); // both fixed from 2.1 on

  const handle = dlopen(LIBUNICORN, RTLD_NOW);

  const apply = (fix: Fix): FixState => {
    const base = handle ? BigInt(dlsym(handle, fix.symbol)) : 0n;
    if (base === 0n) return 'unrecognised';
    const start = base + BigInt(fix.from);
    const code = new Uint8Array(fix.to - fix.from);
    peek(code, start, code.length);
    const hits = findAll(code, fix.signature);
    if (hits.length !== 1) return 'unrecognised';
    const at = start + BigInt(hits[0] + fix.at);
    const first = at & ~(PAGE - 1n);
    const span = Number(((at + BigInt(fix.replacement.length) + PAGE - 1n) & ~(PAGE - 1n)) - first);
    if (mprotect(first, span, PROT_READ_WRITE_EXEC) !== 0) return 'unrecognised';
    poke(at, new Uint8Array(fix.replacement), fix.replacement.length);
    mprotect(first, span, PROT_READ_EXEC);
    return 'patched';
  };
  return (applied = { stores: apply(FIXES.stores), flush: apply(FIXES.flush) });
}

function findAll(haystack: Uint8Array, needle: (number | null)[]): number[] {
  const hits: number[] = [];
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (needle[j] !== null && haystack[i + j] !== needle[j]) continue outer;
    hits.push(i);
  }
  return hits;
}
