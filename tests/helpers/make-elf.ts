// Builds small ELF64 files in memory for loader tests. Every header field can
// be overridden, including to values a real linker would never write, so that
// each validation in vmm/elf.ts can be reached on purpose.

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_PHDR = 6;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export interface SegmentSpec {
  type?: number; // default PT_LOAD
  flags?: number; // default PF_R
  vaddr: bigint;
  /** Bytes stored in the file for this segment; placed after the headers. */
  data?: Uint8Array;
  /** Defaults: the offset where `data` was placed, data.length, and filesz. */
  offset?: bigint;
  filesz?: bigint;
  memsz?: bigint;
}

export interface ElfSpec {
  segments: SegmentSpec[];
  /** Default: the vaddr of the first executable segment. */
  entry?: bigint;
  elfClass?: number; // default 2 (ELFCLASS64)
  encoding?: number; // default 1 (little-endian)
  machine?: number; // default 62 (x86-64)
  type?: number; // default 2 (ET_EXEC)
  phentsize?: number; // default 56
  /** Overrides the count written to the header (the table still holds `segments`). */
  phnum?: number;
  /** Default 64, right after the ELF header. */
  phoff?: bigint;
  /** Cut the finished file to this many bytes. */
  truncateTo?: number;
  /** Append zero bytes until the file is at least this long. */
  padTo?: number;
}

const EHDR = 64;
const PHDR = 56;

export function makeElf(spec: ElfSpec): Uint8Array {
  const phoff = spec.phoff ?? BigInt(EHDR);
  // A phoff far outside any file (to test the loader) gets no table written.
  const writeTable = phoff < 1n << 20n;
  const tableEnd = writeTable ? Number(phoff) + spec.segments.length * PHDR : EHDR;
  // Segment contents follow the header and the table, each at its own offset.
  let cursor = Math.max(EHDR, tableEnd);
  const placed = spec.segments.map((seg) => {
    const data = seg.data ?? new Uint8Array(0);
    const at = cursor;
    cursor += data.length;
    return { seg, data, at };
  });
  const size = Math.max(cursor, tableEnd, spec.padTo ?? 0);
  const file = new Uint8Array(size);
  const view = new DataView(file.buffer);

  file.set([0x7f, 0x45, 0x4c, 0x46], 0);
  file[4] = spec.elfClass ?? 2;
  file[5] = spec.encoding ?? 1;
  file[6] = 1; // EI_VERSION
  view.setUint16(16, spec.type ?? 2, true);
  view.setUint16(18, spec.machine ?? 62, true);
  view.setUint32(20, 1, true);
  const firstExec = spec.segments.find((s) => ((s.flags ?? PF_R) & PF_X) !== 0);
  view.setBigUint64(24, spec.entry ?? firstExec?.vaddr ?? 0n, true);
  view.setBigUint64(32, phoff, true);
  view.setUint16(52, EHDR, true);
  view.setUint16(54, spec.phentsize ?? PHDR, true);
  view.setUint16(56, spec.phnum ?? spec.segments.length, true);

  placed.forEach(({ seg, data, at }, i) => {
    file.set(data, at);
    if (!writeTable) return;
    const ph = Number(phoff) + i * PHDR;
    const filesz = seg.filesz ?? BigInt(data.length);
    view.setUint32(ph, seg.type ?? PT_LOAD, true);
    view.setUint32(ph + 4, seg.flags ?? PF_R, true);
    view.setBigUint64(ph + 8, seg.offset ?? BigInt(at), true);
    view.setBigUint64(ph + 16, seg.vaddr, true);
    view.setBigUint64(ph + 24, seg.vaddr, true);
    view.setBigUint64(ph + 32, filesz, true);
    view.setBigUint64(ph + 40, seg.memsz ?? filesz, true);
    view.setBigUint64(ph + 48, 0x1000n, true);
  });

  return spec.truncateTo === undefined ? file : file.slice(0, spec.truncateTo);
}

/** A minimal valid image: one executable segment of `code` at `vaddr`. */
export function simpleElf(vaddr = 0x400000n, code: Uint8Array = new Uint8Array([0xf4])): Uint8Array {
  return makeElf({ segments: [{ vaddr, data: code, flags: PF_R | PF_X }] });
}
