// ELF64 loader for the kernel and the application image.
//
// Files come from the user's disk, not the guest, but are still untrusted
// input: every field is validated before use, and all arithmetic on 64-bit
// fields is done in bigint so that `offset + size` and `vaddr + memsz` cannot
// silently wrap. parseElf looks only at the file; loadElf checks the image
// against guest RAM and against what is already placed there, and copies only
// once every segment has passed, so a rejected image leaves RAM untouched.
//
// Guests run identity mapped, so segments are placed at p_vaddr.

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
const EM_X86_64 = 62;
const PT_LOAD = 1;
const PT_INTERP = 3;
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
  if (type !== ET_EXEC) {
    fail(`type ${TYPE_NAMES[type] ?? type}; a static ET_EXEC executable is required (build with npm run cc)`);
  }
  if (phentsize !== PROGRAM_HEADER_SIZE) {
    fail(`program header entry size ${phentsize}; ELF64 requires ${PROGRAM_HEADER_SIZE}`);
  }
  if (phnum === 0) fail('no program headers');
  if (phnum === PN_XNUM) fail(`phnum ${PN_XNUM} (PN_XNUM, extended numbering) is not supported`);
  if (phnum > MAX_PROGRAM_HEADERS) fail(`${phnum} program headers is absurd (at most ${MAX_PROGRAM_HEADERS} are accepted)`);

  const segments: LoadedSegment[] = [];
  let phdrVaddr: bigint | undefined;
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

    if (pType === PT_INTERP) fail(`segment ${i} is PT_INTERP (asks for a dynamic linker); a static executable is required`);
    if (pType === PT_PHDR) phdrVaddr = vaddr;
    if (pType !== PT_LOAD) continue;

    if (filesz > memsz) fail(`segment ${i} has filesz 0x${hex(filesz)} > memsz 0x${hex(memsz)}`);
    if (offset + filesz >= U64_LIMIT) fail(`segment ${i}: arithmetic overflow in offset 0x${hex(offset)} + filesz 0x${hex(filesz)}`);
    if (vaddr + memsz >= U64_LIMIT) fail(`segment ${i}: arithmetic overflow in vaddr 0x${hex(vaddr)} + memsz 0x${hex(memsz)}`);
    if (offset + filesz > fileSize) {
      fail(`truncated (segment ${i} file range [0x${hex(offset)}-0x${hex(offset + filesz)}) lies past the end of the file, ${file.length} bytes)`);
    }
    if (memsz === 0n) continue; // occupies nothing
    segments.push({ index: i, vaddr, memsz, filesz, offset, flags });
  }

  if (segments.length === 0) fail('no PT_LOAD segment');
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
  return { entry, phoff, phentsize, phnum, phdrAddr, segments, lowest, highest };
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
