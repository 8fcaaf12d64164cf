// Two performance defects of libunicorn, fixed in this process's copy of the loaded
// library by applyEngineFixes(), called once at machine start before any engine exists.
// Each fix is gated on its code signature, never on the library's version:
//   - the defect's bytes found exactly once: they are patched ("patched");
//   - the bytes as this code patches them found exactly once: already done ("patched");
//   - the defect absent and a positive check finding it absent: "not needed" (flush:
//     the same code without the call; stores: stores measured as fast as loads);
//   - anything else: "unrecognised", left alone, with one warning line in the log.
// UNIKV_ENGINE_PATCH=off keeps the library as shipped ("disabled").
// docs/architecture.md says what each defect costs; docs/history.md how it was found.
//
// stores: tlb_set_page_with_attrs() marks every writable page TLB_NOTDIRTY (2.0.1
//   stubs out the dirty bitmap), so every guest store leaves generated code for a
//   helper that looks for translated code on the page. The fix turns `or r9, 0x400`
//   into `or r9, 0`. It gives up self-modifying-code detection; the kernel's
//   CODE_CHANGED port covers mprotect(PROT_EXEC) instead (vmm/ports/code-changed.ts).
// flush: tcg_region_assign() memsets the whole 1 GiB code buffer on every flush, and
//   the engine flushes whenever a counted run follows an uncounted one. The fix turns
//   the `call memset` into a 5-byte nop; new code overwrites the buffer anyway.
import { LIBUNICORN } from './preload.js';
import { dlopen, dlsym, mprotect, PAGE_SIZE, peek, poke, PROT_READ_EXEC, PROT_READ_WRITE_EXEC, RTLD_NOW } from './libc.js';
import { registerFileState, type RegisterFileState } from './register-file.js';
import { storesAreFast } from './store-probe.js';

export type FixState = 'patched' | 'not-needed' | 'disabled' | 'unrecognised';

export interface Fix {
  /** An exported function at or near the code to change, and the search window relative to it. */
  symbol: string;
  from: number;
  to: number;
  /** The defect's bytes, which must occur exactly once; null matches any byte. */
  signature: (number | null)[];
  /** Offset of the replacement within the signature, and the bytes written there. */
  at: number;
  replacement: number[];
  /** The same code without the defect, as a build that fixed it would have it (a positive check). */
  fixed?: (number | null)[];
  /** A behavioural positive check, for code matching neither form: true when the defect is absent. */
  probe?: () => boolean;
  /** The warning line when the defect could not be patched. */
  warning: string;
}

const FLUSH_STORES = [0x48, 0x29, 0xfa, 0x48, 0x89, 0xbb, 0xc0, 0x00, 0x00, 0x00, 0x48, 0x89, 0x93, 0xb8, 0x00, 0x00, 0x00];
const FLUSH_NEXT = [0x48, 0x89, 0xab, 0xd0, 0x00, 0x00, 0x00];

export const FIXES = {
  stores: {
    symbol: 'tlb_set_page_with_attrs_x86_64',
    from: 0,
    to: 0x800, // the function is about 0x600 bytes long
    // or r9, 0x400 ; cmp byte [rsi + 0x30], 0 (section->readonly)
    signature: [0x49, 0x81, 0xc9, 0x00, 0x04, 0x00, 0x00, 0x80, 0x7e, 0x30, 0x00],
    at: 4,
    replacement: [0x00], // the 0x04 of the immediate: or r9, 0
    probe: storesAreFast,
    warning: "unikv: warning: libunicorn's store slow path could not be patched (unrecognised build); guest stores may run ~30x slower",
  },
  flush: {
    symbol: 'tcg_region_reset_all_x86_64',
    from: -0x3000,
    to: 0, // tcg_region_assign lies before it (0x2190 bytes in 2.0.1)
    // sub rdx, rdi ; mov [rbx+0xc0], rdi ; mov [rbx+0xb8], rdx ; call memset ; mov [rbx+0xd0], rbp
    signature: [...FLUSH_STORES, 0xe8, null, null, null, null, ...FLUSH_NEXT],
    at: 17,
    replacement: [0x0f, 0x1f, 0x44, 0x00, 0x00], // nop dword [rax + rax + 0]
    // The same stores with no call between them: the region is assigned without a memset.
    fixed: [...FLUSH_STORES, ...FLUSH_NEXT],
    warning: "unikv: warning: libunicorn's code-buffer flush could not be patched (unrecognised build); each translation flush may clear 1 GiB",
  },
} satisfies Record<string, Fix>;

export type FixName = keyof typeof FIXES;

export interface EngineFixReport {
  stores: FixState;
  flush: FixState;
  /** Whether the syscall hook stores registers itself (register-file.ts) or falls back to uc_reg_write. */
  registerFile: RegisterFileState;
  /** The lines written to the log: one per defect left unpatched in an unrecognised build. */
  warnings: string[];
}

/** What a fix's code window holds: the defect once (at `offset`), the fix already in place, the fixed code, or none of these. */
export type Finding = { kind: 'defect'; offset: number } | { kind: 'already-patched' } | { kind: 'fixed' } | { kind: 'unrecognised' };

/** Looks at a code window for `fix` (pure: unit-tested on synthetic buffers). */
export function examine(code: Uint8Array, fix: Fix): Finding {
  const defects = findAll(code, fix.signature);
  const patchedForm = fix.signature.map((b, i) => (i >= fix.at && i < fix.at + fix.replacement.length ? fix.replacement[i - fix.at] : b));
  const patched = findAll(code, patchedForm);
  if (defects.length === 1 && patched.length === 0) return { kind: 'defect', offset: defects[0] };
  if (defects.length === 0 && patched.length === 1) return { kind: 'already-patched' };
  if (defects.length === 0 && patched.length === 0 && fix.fixed && findAll(code, fix.fixed).length === 1) return { kind: 'fixed' };
  return { kind: 'unrecognised' };
}

/**
 * The state a finding leads to; `patch` applies a defect's replacement and says
 * whether it could; `probe`, if any, is asked only about unrecognised code.
 */
export function stateOf(finding: Finding, patch: (offset: number) => boolean, probe?: () => boolean): FixState {
  switch (finding.kind) {
    case 'defect':
      return patch(finding.offset) ? 'patched' : 'unrecognised';
    case 'already-patched':
      return 'patched';
    case 'fixed':
      return 'not-needed';
    default:
      return probe?.() ? 'not-needed' : 'unrecognised';
  }
}

/** The warnings for a set of states: one line per fix left unrecognised, and the register file's fallback. */
export function warningsFor(states: Record<FixName, FixState>, registerFile: RegisterFileState): string[] {
  const lines = (Object.keys(FIXES) as FixName[]).filter((name) => states[name] === 'unrecognised').map((name) => FIXES[name].warning);
  if (registerFile === 'fallback') {
    lines.push(
      "unikv: warning: libunicorn's register file was not found (unrecognised build); the syscall hook calls uc_reg_write instead (slower system calls)",
    );
  }
  return lines;
}

const PAGE = BigInt(PAGE_SIZE);

let applied: EngineFixReport | undefined;

/**
 * Applies every fix once per process (idempotent; later calls return the first
 * report) and writes the report's warnings to `log`.
 */
export function applyEngineFixes(log?: (line: string) => void): EngineFixReport {
  applied ??= patchAll();
  for (const line of applied.warnings) log?.(line);
  return applied;
}

function patchAll(): EngineFixReport {
  const registerFile = registerFileState();
  let states: Record<FixName, FixState>;
  if (process.env.UNIKV_ENGINE_PATCH === 'off') states = { stores: 'disabled', flush: 'disabled' };
  else {
    const handle = dlopen(LIBUNICORN, RTLD_NOW);
    const apply = (fix: Fix): FixState => {
      const base = handle ? BigInt(dlsym(handle, fix.symbol)) : 0n;
      if (base === 0n) return stateOf({ kind: 'unrecognised' }, () => false, fix.probe);
      const start = base + BigInt(fix.from);
      const code = new Uint8Array(fix.to - fix.from);
      peek(code, start, code.length);
      return stateOf(examine(code, fix), (offset) => write(start + BigInt(offset + fix.at), fix.replacement), fix.probe);
    };
    const flush = apply(FIXES.flush);
    states = { stores: apply(FIXES.stores), flush };
  }
  return { ...states, registerFile, warnings: warningsFor(states, registerFile) };
}

/** Writes `bytes` into the library's code at `at`. */
function write(at: bigint, bytes: number[]): boolean {
  const first = at & ~(PAGE - 1n);
  const span = Number(((at + BigInt(bytes.length) + PAGE - 1n) & ~(PAGE - 1n)) - first);
  if (mprotect(first, span, PROT_READ_WRITE_EXEC) !== 0) return false;
  poke(at, new Uint8Array(bytes), bytes.length);
  mprotect(first, span, PROT_READ_EXEC);
  return true;
}

function findAll(haystack: Uint8Array, needle: (number | null)[]): number[] {
  // Candidates come from Buffer.indexOf on the needle's leading literal bytes (native,
  // fast over a library's code; an empty prefix matches everywhere), each then checked
  // whole, wildcards skipped.
  let lead = 0;
  while (lead < needle.length && needle[lead] !== null) lead++;
  const hay = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength);
  const prefix = Buffer.from(needle.slice(0, lead) as number[]);
  const hits: number[] = [];
  for (let i = hay.indexOf(prefix); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(prefix, i + 1)) {
    if (needle.every((b, j) => b === null || hay[i + j] === b)) hits.push(i);
  }
  return hits;
}
