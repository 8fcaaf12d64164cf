// The symbol table of an ELF64 file (SHT_SYMTAB), for naming places: crash reports
// (`in main+0x1c (program)`) and the kernel addresses --strace hooks. The file is
// the user's, so every offset and index is checked; a file without a symbol table
// (stripped) gives an empty table, never an error.

const SECTION_HEADER_SIZE = 64;
const SYM_SIZE = 24;
const SHT_SYMTAB = 2;
const SHN_UNDEF = 0;
const SHN_ABS = 0xfff1;
const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_FUNC = 2;
/** More symbols than any program here has by far; a larger count is taken for garbage. */
const MAX_SYMBOLS = 2_000_000;

export interface ElfSymbol {
  name: string;
  /** Its address, moved by the bias the image was loaded with. */
  address: bigint;
  size: bigint;
}

/** A place in code: the symbol at or below an address, and the distance from it. */
export interface Place {
  symbol: string;
  offset: bigint;
}

export class SymbolTable {
  /** Code and data labels, sorted by address: the candidates for naming a place. */
  private readonly labels: ElfSymbol[];
  /** Absolute symbols by name (NASM's struc field offsets, equ constants). */
  private readonly absolute = new Map<string, bigint>();
  private readonly byName = new Map<string, bigint>();

  constructor(symbols: ElfSymbol[], absolute: [string, bigint][]) {
    this.labels = symbols.filter((s) => s.name !== '').sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    for (const s of this.labels) if (!this.byName.has(s.name)) this.byName.set(s.name, s.address);
    for (const [name, value] of absolute) this.absolute.set(name, value);
  }

  get size(): number {
    return this.labels.length;
  }

  /** A label's address (functions, NASM labels such as `syscall_exit`). */
  address(name: string): bigint | undefined {
    return this.byName.get(name);
  }

  /** An absolute symbol's value (`Task.tid`: a struc field's offset). */
  constant(name: string): bigint | undefined {
    return this.absolute.get(name);
  }

  /**
   * The function an address lies in: the nearest label at or below it that names a
   * routine, not a local label (NASM's `.done`, `..@12.retry`) or a sized symbol that
   * ends before the address. Undefined below the first label or past `limit`.
   */
  placeOf(address: bigint, limit?: bigint): Place | undefined {
    if (limit !== undefined && address >= limit) return undefined;
    let lo = 0;
    let hi = this.labels.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.labels[mid].address <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let i = found; i >= 0; i--) {
      const s = this.labels[i];
      if (s.name.includes('.') || s.name.startsWith('..@')) continue; // a local label: look further down
      if (s.size > 0n && address >= s.address + s.size) return undefined; // past the end of a sized function
      return { symbol: s.name, offset: address - s.address };
    }
    return undefined;
  }
}

/** Reads the symbol table of `file`, adding `bias` to every address (the load bias, the kernel's move). */
export function readSymbols(file: Uint8Array, bias = 0n): SymbolTable {
  const empty = new SymbolTable([], []);
  if (file.length < 64) return empty;
  const data = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const size = BigInt(file.length);
  const shoff = data.getBigUint64(40, true);
  const shentsize = data.getUint16(58, true);
  const shnum = data.getUint16(60, true);
  if (shnum === 0 || shentsize !== SECTION_HEADER_SIZE || shoff + BigInt(shnum * SECTION_HEADER_SIZE) > size) return empty;
  const header = (i: number) => {
    const at = Number(shoff) + i * SECTION_HEADER_SIZE;
    return {
      type: data.getUint32(at + 4, true),
      offset: data.getBigUint64(at + 24, true),
      size: data.getBigUint64(at + 32, true),
      link: data.getUint32(at + 40, true),
    };
  };
  for (let i = 0; i < shnum; i++) {
    const symtab = header(i);
    if (symtab.type !== SHT_SYMTAB || symtab.link >= shnum) continue;
    const strtab = header(symtab.link);
    if (symtab.offset + symtab.size > size || strtab.offset + strtab.size > size) return empty;
    const count = Number(symtab.size / BigInt(SYM_SIZE));
    if (count > MAX_SYMBOLS) return empty;
    const strings = file.subarray(Number(strtab.offset), Number(strtab.offset + strtab.size));
    const decoder = new TextDecoder('latin1');
    const nameAt = (offset: number) => {
      if (offset >= strings.length) return '';
      const end = strings.indexOf(0, offset);
      return decoder.decode(strings.subarray(offset, end < 0 ? strings.length : end));
    };
    const symbols: ElfSymbol[] = [];
    const absolute: [string, bigint][] = [];
    for (let k = 1; k < count; k++) {
      const at = Number(symtab.offset) + k * SYM_SIZE;
      const type = file[at + 4] & 0xf;
      const shndx = data.getUint16(at + 6, true);
      if (shndx === SHN_UNDEF || (type !== STT_NOTYPE && type !== STT_FUNC && type !== STT_OBJECT)) continue;
      const name = nameAt(data.getUint32(at, true));
      const value = data.getBigUint64(at + 8, true);
      if (shndx === SHN_ABS) absolute.push([name, value]);
      else symbols.push({ name, address: value + bias, size: type === STT_NOTYPE ? 0n : data.getBigUint64(at + 16, true) });
    }
    return new SymbolTable(symbols, absolute);
  }
  return empty;
}
