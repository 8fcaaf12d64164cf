// Values from guest memory as strace prints them: strings quoted with C escapes and
// cut at a length (`"hello\n"...`), pointers in hex, NULL by name. Every address is
// the guest's and goes through GuestMemory's checks; what cannot be read stays a
// pointer, as strace shows a bad address.
import type { GuestMemory } from '../guest-memory.js';

/** Bytes of a buffer or a string shown before `...` (strace's default -s 32). */
export const STRING_LIMIT = 32;
/** Longest path read (PATH_MAX with its NUL). */
const PATH_LIMIT = 4096;
/** Page 0 is never mapped: a pointer into it is a fault, not data. */
const NULL_GUARD_END = 0x1000n;

export const hex = (v: bigint) => `0x${BigInt.asUintN(64, v).toString(16)}`;

/** A pointer: NULL, or hex. */
export const pointer = (v: bigint) => (v === 0n ? 'NULL' : hex(v));

const ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

/** Bytes as a C string literal; `more` adds strace's `...` for a cut string. */
export function quote(bytes: Uint8Array, more = false): string {
  let s = '"';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const named = ESCAPES[b];
    if (named) s += named;
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else {
      // Octal, as short as the next character allows (a digit after it needs all three).
      const next = bytes[i + 1];
      const digitNext = next !== undefined && next >= 0x30 && next <= 0x37;
      s += `\\${digitNext ? b.toString(8).padStart(3, '0') : b.toString(8)}`;
    }
  }
  return `${s}"${more ? '...' : ''}`;
}

function readable(mem: GuestMemory, address: bigint, length: bigint): boolean {
  return address >= NULL_GUARD_END && mem.contains(address, length);
}

/** `length` bytes at `address`, cut at STRING_LIMIT; the pointer when they cannot be read. */
export function buffer(mem: GuestMemory, address: bigint, length: bigint): string {
  if (length <= 0n) return length === 0n && address !== 0n ? '""' : pointer(address);
  const shown = length > BigInt(STRING_LIMIT) ? BigInt(STRING_LIMIT) : length;
  if (!readable(mem, address, shown)) return pointer(address);
  return quote(mem.view(address, shown).slice(), shown < length);
}

/** A NUL-terminated string: in full for paths, cut at STRING_LIMIT otherwise. */
export function cString(mem: GuestMemory, address: bigint, isPath: boolean): string {
  if (!readable(mem, address, 1n)) return pointer(address);
  const limit = isPath ? PATH_LIMIT : STRING_LIMIT;
  const start = Number(address);
  const end = Math.min(mem.size, start + limit + 1);
  const window = mem.view(start, end - start);
  const nul = window.indexOf(0);
  if (nul >= 0) return quote(window.slice(0, nul));
  return quote(window.slice(0, limit), true);
}

/** A 64-bit word at `address`, or undefined when it cannot be read. */
export function word(mem: GuestMemory, address: bigint): bigint | undefined {
  return readable(mem, address, 8n) ? mem.readU64(address) : undefined;
}
