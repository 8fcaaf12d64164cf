// ELF64 loader for the kernel and the application image.
//
// Files come from the user's disk, not the guest, but are still untrusted
// input: every field is validated before use, and all arithmetic on 64-bit
// fields is done in bigint so that `offset + size` and `vaddr + memsz` cannot
// silently wrap. parseElf looks only at the file; loadElf checks the image
// against guest RAM and against what is already placed there, and copies only
// once every segment has passed, so a rejected image leaves RAM untouched.
//
// Guests run identity mapped, so an ET_EXEC's segments are placed at p_vaddr; a
// static PIE (ET_DYN without PT_INTERP) is moved as a whole by rebaseElf and then
// relocates itself at start (glibc's _dl_relocate_static_pie, musl's _dlstart), as
// under Linux. The kernel is linked with its relocations kept (ld --emit-relocs);
// relocateElf moves it to the top of RAM.

import type { GuestMemory } from './guest-memory.js';

export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

export interface LoadedSegment {
  /** Index of this segment's entry in the program header table (used in messages). */
  index: number;
  vaddr: bigint;
  memsz: bigint;
  filesz: bigint;
  offset: bigint;
  /** PF_X | PF_W | PF_R bits. */
  flags: number;
}

export interface ElfImage {
  /** ET_DYN: position independent, loaded wherever rebaseElf puts it. */
  pie: boolean;
  /** Largest p_align of the PT_LOAD segments (a PIE's load bias is a multiple of it). */
  align: bigint;
  entry: bigint;
  phoff: bigint;
  phentsize: number;
  phnum: number;
  /** Guest address of the program headers (for AT_PHDR): PT_PHDR's vaddr, else the PT_LOAD holding file offset phoff. */
  phdrAddr: bigint | undefined;
  /** The PT_LOAD segments with memsz > 0, in program header order. */
  segments: LoadedSegment[];
  /** Lowest segment start. */
  lowest: bigint;
  /** End of the highest segment (exclusive). */
  highest: bigint;
}

/** A span of guest memory [start, end) that something occupies. */
export interface Region {
  start: bigint;
  end: bigint;
  name: string;
}

// ELF constants (System V gABI and the x86-64 psABI).
const ELF_HEADER_SIZE = 64;
const PROGRAM_HEADER_SIZE = 56;
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const ET_EXEC = 2;
const ET_DYN = 3;
const EM_X86_64 = 62;
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const PT_PHDR = 6;
const PF_X = 1;
const PN_XNUM = 0xffff;

/** No real static executable has more than a dozen; anything near this is garbage. */
export const MAX_PROGRAM_HEADERS = 128;
/** Images never share a page with each other or with VMM regions. */
export const PAGE_SIZE = 4096n;
const U64_LIMIT = 1n << 64n;

const TYPE_NAMES: Record<number, string> = { 0: 'ET_NONE', 1: 'ET_REL', 2: 'ET_EXEC', 3: 'ET_DYN', 4: 'ET_CORE' };
const MACHINE_NAMES: Record<number, string> = {
  0: 'none',
  2: 'SPARC',
  3: 'i386',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'S/390',
  40: 'ARM',
  43: 'SPARC64',
  50: 'IA-64',
  183: 'AArch64',
  243: 'RISC-V',
  258: 'LoongArch',
};

/** Validates the ELF header and program headers; touches no guest memory. */
export function parseElf(file: Uint8Array, name: string): ElfImage {
  const fail = (problem: string): never => {
    throw new ElfError(`${name}: ${problem}`);
  };
  const fileSize = BigInt(file.length);
  const data = new DataView(file.buffer, file.byteOffset, file.byteLength);

  if (file.length < 4 || file[0] !== 0x7f || file[1] !== 0x45 || file[2] !== 0x4c || file[3] !== 0x46) {
    fail('not an ELF file (bad magic)');
  }
  if (file.length < ELF_HEADER_SIZE) {
    fail(`truncated (the ELF header needs ${ELF_HEADER_SIZE} bytes, the file has ${file.length})`);
  }
  const elfClass = file[4];
  if (elfClass === ELFCLASS32) fail('32-bit ELF; a 64-bit x86-64 executable is required');
  if (elfClass !== ELFCLASS64) fail(`unknown ELF class ${elfClass}; a 64-bit x86-64 executable is required`);
  const encoding = file[5];
  if (encoding === ELFDATA2MSB) fail('big-endian ELF; a little-endian x86-64 executable is required');
  if (encoding !== ELFDATA2LSB) fail(`unknown ELF data encoding ${encoding}; a little-endian x86-64 executable is required`);

  const type = data.getUint16(16, true);
  const machine = data.getUint16(18, true);
  const entry = data.getBigUint64(24, true);
  const phoff = data.getBigUint64(32, true);
  const phentsize = data.getUint16(54, true);
  const phnum = data.getUint16(56, true);

  if (machine !== EM_X86_64) {
    fail(`ELF machine ${machine} (${MACHINE_NAMES[machine] ?? 'unknown'}) is not x86-64`);
  }
  if (type !== ET_EXEC && type !== ET_DYN) {
    fail(`type ${TYPE_NAMES[type] ?? type}; a static executable (ET_EXEC, or ET_DYN built with -static-pie) is required`);
  }
  if (phentsize !== PROGRAM_HEADER_SIZE) {
    fail(`program header entry size ${phentsize}; ELF64 requires ${PROGRAM_HEADER_SIZE}`);
  }
  if (phnum === 0) fail('no program headers');
  if (phnum === PN_XNUM) fail(`phnum ${PN_XNUM} (PN_XNUM, extended numbering) is not supported`);
  if (phnum > MAX_PROGRAM_HEADERS) fail(`${phnum} program headers is absurd (at most ${MAX_PROGRAM_HEADERS} are accepted)`);

  const segments: LoadedSegment[] = [];
  let phdrVaddr: bigint | undefined;
  let dynamic: { offset: bigint; size: bigint } | undefined;
  let align = PAGE_SIZE;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + BigInt(i * PROGRAM_HEADER_SIZE);
    if (at + BigInt(PROGRAM_HEADER_SIZE) > fileSize) {
      fail(`truncated (program header ${i} lies past the end of the file)`);
    }
    const ph = Number(at); // < file.length, so exact
    const pType = data.getUint32(ph, true);
    const flags = data.getUint32(ph + 4, true);
    const offset = data.getBigUint64(ph + 8, true);
    const vaddr = data.getBigUint64(ph + 16, true);
    const filesz = data.getBigUint64(ph + 32, true);
    const memsz = data.getBigUint64(ph + 40, true);
    const pAlign = data.getBigUint64(ph + 48, true);

    if (pType === PT_INTERP) fail(`dynamically linked (interpreter ${interpreterName(file, offset, filesz)}); build it static (-static or -static-pie)`);
    if (pType === PT_PHDR) phdrVaddr = vaddr;
    if (pType === PT_DYNAMIC) dynamic = { offset, size: filesz };
    if (pType !== PT_LOAD) continue;

    if (filesz > memsz) fail(`segment ${i} has filesz 0x${hex(filesz)} > memsz 0x${hex(memsz)}`);
    if (offset + filesz >= U64_LIMIT) fail(`segment ${i}: arithmetic overflow in offset 0x${hex(offset)} + filesz 0x${hex(filesz)}`);
    if (vaddr + memsz >= U64_LIMIT) fail(`segment ${i}: arithmetic overflow in vaddr 0x${hex(vaddr)} + memsz 0x${hex(memsz)}`);
    if (offset + filesz > fileSize) {
      fail(`truncated (segment ${i} file range [0x${hex(offset)}-0x${hex(offset + filesz)}) lies past the end of the file, ${file.length} bytes)`);
    }
    if (memsz === 0n) continue; // occupies nothing
    if (pAlign > align && pAlign <= 1n << 30n && (pAlign & (pAlign - 1n)) === 0n) align = pAlign;
    segments.push({ index: i, vaddr, memsz, filesz, offset, flags });
  }

  if (segments.length === 0) fail('no PT_LOAD segment');
  if (dynamic) {
    const needed = neededLibrary(file, dynamic.offset, dynamic.size, segments);
    if (needed !== undefined) fail(`needs the shared library ${needed} but names no interpreter; build it static (-static or -static-pie)`);
  }
  checkNoOverlapWithin(segments, fail);

  const inExecutableCode = segments.some((s) => (s.flags & PF_X) !== 0 && entry >= s.vaddr && entry < s.vaddr + s.filesz);
  if (!inExecutableCode) fail(`entry point 0x${hex(entry)} is not inside an executable PT_LOAD segment`);

  const tableSize = BigInt(phnum * PROGRAM_HEADER_SIZE);
  let phdrAddr: bigint | undefined;
  if (phdrVaddr !== undefined) {
    const at = phdrVaddr;
    const covered = segments.some((s) => at >= s.vaddr && at + tableSize <= s.vaddr + s.filesz);
    if (!covered) fail(`PT_PHDR at 0x${hex(at)} is not inside the file part of a PT_LOAD segment`);
    phdrAddr = at;
  } else {
    const holder = segments.find((s) => phoff >= s.offset && phoff + tableSize <= s.offset + s.filesz);
    phdrAddr = holder ? holder.vaddr + (phoff - holder.offset) : undefined;
  }

  let lowest = segments[0].vaddr;
  let highest = 0n;
  for (const s of segments) {
    if (s.vaddr < lowest) lowest = s.vaddr;
    if (s.vaddr + s.memsz > highest) highest = s.vaddr + s.memsz;
  }
  return { pie: type === ET_DYN, align, entry, phoff, phentsize, phnum, phdrAddr, segments, lowest, highest };
}

/**
 * The first shared library a PT_DYNAMIC asks for (DT_NEEDED), or undefined: a
 * static PIE has a dynamic section for its own relocations and needs none. A
 * program linked against libc.so without an interpreter would only crash.
 */
function neededLibrary(file: Uint8Array, offset: bigint, size: bigint, segments: LoadedSegment[]): string | undefined {
  const data = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const end = offset + size < BigInt(file.length) ? offset + size : BigInt(file.length);
  let needed: bigint | undefined;
  let strtab: bigint | undefined;
  for (let at = offset; at + 16n <= end; at += 16n) {
    const tag = data.getBigUint64(Number(at), true);
    const value = data.getBigUint64(Number(at) + 8, true);
    if (tag === DT_NULL) break;
    if (tag === DT_NEEDED && needed === undefined) needed = value;
    if (tag === DT_STRTAB) strtab = value;
  }
  if (needed === undefined) return undefined;
  // The name lies in the string table, given by its address: find it in the file.
  const holder = strtab === undefined ? undefined : segments.find((s) => strtab >= s.vaddr && strtab < s.vaddr + s.filesz);
  if (holder === undefined || strtab === undefined) return '(unnamed)';
  const name = interpreterName(file, holder.offset + (strtab - holder.vaddr) + needed, 200n);
  return name === 'unreadable' ? '(unnamed)' : name;
}

/** The interpreter path a PT_INTERP names, for the refusal message (printable, at most 200 bytes). */
function interpreterName(file: Uint8Array, offset: bigint, size: bigint): string {
  if (offset >= BigInt(file.length) || size === 0n) return 'unreadable';
  const start = Number(offset);
  const end = Math.min(file.length, start + Math.min(Number(size > 200n ? 200n : size), 200));
  const bytes = file.subarray(start, end);
  const nul = bytes.indexOf(0);
  const text = Buffer.from(nul >= 0 ? bytes.subarray(0, nul) : bytes).toString('latin1');
  return /^[\x20-\x7e]+$/.test(text) ? text : 'unreadable';
}

/**
 * The same image moved by `bias` bytes (every address: entry, program headers,
 * segments). Used for a static PIE, which the loader places, and for the kernel,
 * which relocateElf then patches.
 */
export function rebaseElf(image: ElfImage, bias: bigint): ElfImage {
  return {
    ...image,
    entry: image.entry + bias,
    phdrAddr: image.phdrAddr === undefined ? undefined : image.phdrAddr + bias,
    segments: image.segments.map((s) => ({ ...s, vaddr: s.vaddr + bias })),
    lowest: image.lowest + bias,
    highest: image.highest + bias,
  };
}

// Section header and relocation constants (gABI, x86-64 psABI).
const SECTION_HEADER_SIZE = 64;
const SHT_SYMTAB = 2;
const SHT_RELA = 4;
const SHF_ALLOC = 2;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
const RELA_SIZE = 24;
const SYM_SIZE = 24;
const R_X86_64_NONE = 0;
const R_X86_64_64 = 1;
const R_X86_64_PC32 = 2;
const R_X86_64_PLT32 = 4;
const R_X86_64_32 = 10;
const R_X86_64_32S = 11;

/**
 * Moves an image loaded `delta` bytes above its link address by patching its
 * link-time relocations (ld --emit-relocs keeps them in .rela.<section>). Absolute
 * references to the image's own sections (R_X86_64_64, _32, _32S) grow by delta;
 * PC-relative ones (PC32, PLT32) stay as they are, since both ends moved. A
 * relocation against anything but a defined section symbol, or any other type, is
 * refused: the kernel must not reach outside itself by link-time address.
 * `image` is the rebased image (for the bounds of every patch). Returns the count.
 */
export function relocateElf(file: Uint8Array, image: ElfImage, mem: GuestMemory, delta: bigint, name: string): number {
  const fail = (problem: string): never => {
    throw new ElfError(`${name}: ${problem}`);
  };
  const data = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const fileSize = BigInt(file.length);
  const shoff = data.getBigUint64(40, true);
  const shentsize = data.getUint16(58, true);
  const shnum = data.getUint16(60, true);
  if (shnum === 0) fail('no section headers: link the kernel with ld --emit-relocs');
  if (shentsize !== SECTION_HEADER_SIZE) fail(`section header entry size ${shentsize}; ELF64 requires ${SECTION_HEADER_SIZE}`);
  if (shoff + BigInt(shnum * SECTION_HEADER_SIZE) > fileSize) fail('truncated (section headers past the end of the file)');
  interface Section {
    type: number;
    flags: bigint;
    offset: bigint;
    size: bigint;
    link: number;
    info: number;
  }
  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = Number(shoff) + i * SECTION_HEADER_SIZE;
    sections.push({
      type: data.getUint32(at + 4, true),
      flags: data.getBigUint64(at + 8, true),
      offset: data.getBigUint64(at + 24, true),
      size: data.getBigUint64(at + 32, true),
      link: data.getUint32(at + 40, true),
      info: data.getUint32(at + 44, true),
    });
  }
  const inFile = (s: Section) => s.offset + s.size <= fileSize;
  // Numbers, not BigInts, in the loop (it runs at every start over a few thousand
  // entries): the kernel and its moves lie below 2 GiB, so every address is exact.
  if (delta < 0n || delta >= 1n << 32n) fail(`cannot move the kernel by 0x${hex(delta)}`);
  const d = Number(delta);
  const ramSize = mem.ramSize;
  const images = image.segments.map((s) => ({ start: Number(s.vaddr), end: Number(s.vaddr + s.filesz) }));
  const inImage = (addr: number, bytes: number) => addr + bytes <= ramSize && images.some((s) => addr >= s.start && addr + bytes <= s.end);
  let count = 0;
  let found = false;
  for (const rela of sections) {
    if (rela.type !== SHT_RELA) continue;
    const target = sections[rela.info];
    if (!target || (target.flags & BigInt(SHF_ALLOC)) === 0n) continue; // relocations of debug data
    found = true;
    const symtab = sections[rela.link];
    if (!symtab || symtab.type !== SHT_SYMTAB || !inFile(symtab) || !inFile(rela)) fail('malformed relocation section');
    const symCount = Number(symtab.size / BigInt(SYM_SIZE));
    const symBase = Number(symtab.offset);
    const first = Number(rela.offset);
    const end = first + Number(rela.size) - RELA_SIZE;
    for (let at = first; at <= end; at += RELA_SIZE) {
      if (data.getUint32(at + 4, true) !== 0) fail(`relocation at 0x${hex(data.getBigUint64(at, true))} lies outside the image's file bytes`);
      const where = data.getUint32(at, true) + d;
      const kind = data.getUint32(at + 8, true);
      const sym = data.getUint32(at + 12, true);
      if (kind === R_X86_64_NONE || kind === R_X86_64_PC32 || kind === R_X86_64_PLT32) continue;
      if (sym >= symCount) fail(`relocation at 0x${where.toString(16)} names symbol ${sym}, past the symbol table`);
      const shndx = data.getUint16(symBase + sym * SYM_SIZE + 6, true);
      if (shndx === SHN_UNDEF || shndx >= SHN_LORESERVE) fail(`relocation at 0x${where.toString(16)} refers to an absolute or undefined symbol`);
      if (kind === R_X86_64_64) {
        if (!inImage(where, 8)) fail(`relocation at 0x${where.toString(16)} lies outside the image's file bytes`);
        const low = mem.readU32(where) + d;
        mem.writeU32(where, low >>> 0);
        if (low > 0xffffffff) mem.writeU32(where + 4, (mem.readU32(where + 4) + 1) >>> 0); // the carry
      } else if (kind === R_X86_64_32 || kind === R_X86_64_32S) {
        if (!inImage(where, 4)) fail(`relocation at 0x${where.toString(16)} lies outside the image's file bytes`);
        const value = mem.readU32(where) + d;
        const limit = kind === R_X86_64_32 ? 2 ** 32 : 2 ** 31;
        if (value >= limit) fail(`relocation at 0x${where.toString(16)} cannot reach 0x${value.toString(16)} in 32 bits`);
        mem.writeU32(where, value);
      } else {
        fail(`relocation type ${kind} at 0x${where.toString(16)} is not supported`);
      }
      count++;
    }
  }
  if (!found && delta !== 0n) fail('no relocations: link the kernel with ld --emit-relocs');
  return count;
}

/**
 * Places a parsed image in guest RAM. Checks every segment against the RAM
 * size and against `occupied` (page-rounded, so two images never share a
 * page) before copying anything; copies filesz bytes and zero-fills the rest
 * of memsz, unless `zeroed` says the RAM is still all zeros (a new
 * SharedArrayBuffer is): then the fill would only make the host fault in pages
 * the guest may never touch (such as the kernel's 1 MiB of .bss).
 * Returns the page-rounded regions the image now occupies.
 */
export function loadElf(image: ElfImage, file: Uint8Array, mem: GuestMemory, occupied: Region[], name: string, zeroed = false): Region[] {
  const fail = (problem: string): never => {
    throw new ElfError(`${name}: ${problem}`);
  };
  const ramSize = BigInt(mem.ramSize);
  const regions: Region[] = [];

  for (const s of image.segments) {
    const end = s.vaddr + s.memsz;
    const range = `[0x${hex(s.vaddr)}-0x${hex(end)})`;
    // parseElf checked these, but an ElfImage is a plain object: re-check what the copy relies on.
    const malformed = s.vaddr < 0n || s.offset < 0n || s.filesz < 0n || s.filesz > s.memsz;
    if (malformed || s.offset + s.filesz > BigInt(file.length)) {
      fail(`segment ${s.index} ${range} does not match the file it was parsed from`);
    }
    if (end > ramSize) fail(`segment ${s.index} ${range} lies outside guest RAM (${formatSize(mem.ramSize)})`);

    const region: Region = { start: pageDown(s.vaddr), end: pageUp(end), name: `${name} segment ${s.index}` };
    for (const other of occupied) {
      if (region.start < other.end && other.start < region.end) {
        fail(`segment ${s.index} ${range} overlaps ${other.name} [0x${hex(other.start)}-0x${hex(other.end)})`);
      }
    }
    regions.push(region);
  }

  for (const s of image.segments) {
    const offset = Number(s.offset);
    mem.copyIn(s.vaddr, file.subarray(offset, offset + Number(s.filesz)));
    if (!zeroed) mem.view(s.vaddr + s.filesz, s.memsz - s.filesz).fill(0);
  }
  return regions;
}

/** Segments of one image may share a page, but their bytes must not overlap. */
function checkNoOverlapWithin(segments: LoadedSegment[], fail: (problem: string) => never): void {
  const sorted = [...segments].sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.vaddr < prev.vaddr + prev.memsz) {
      fail(
        `segment ${cur.index} [0x${hex(cur.vaddr)}-0x${hex(cur.vaddr + cur.memsz)}) overlaps segment ${prev.index} [0x${hex(prev.vaddr)}-0x${hex(prev.vaddr + prev.memsz)})`,
      );
    }
  }
}

function pageDown(addr: bigint): bigint {
  return addr - (addr % PAGE_SIZE);
}

function pageUp(addr: bigint): bigint {
  return pageDown(addr + PAGE_SIZE - 1n);
}

function hex(value: bigint): string {
  return value.toString(16);
}

function formatSize(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
