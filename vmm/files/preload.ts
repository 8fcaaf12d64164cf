// --preload DIR and --share HOST[:GUEST][:ro]: what the VMM prepares before boot.
//
// The preload archive (unpacked by guest-src/kernel/fs/preload.asm), little-endian:
//   u64 PRELOAD_MAGIC ("UKVPLD1\0")
//   records, each starting 8-byte aligned:
//     u8 type (0 end, 1 directory, 2 file, 3 symbolic link), u8 0, u16 path length,
//     u32 permission bits, u64 data length, path (relative to /, no NUL), data
//     (file contents or link target)
//   Directories come before what they contain (a pre-order walk), so the kernel can
//   create each entry in a parent that already exists.
// The archive goes right below the argument area (the kernel and its arguments take
// the top of guest RAM), page aligned; BootInfo.preload_addr and
// preload_size point at it and the kernel frees its pages once it has unpacked it.
import fs from 'node:fs';
import path from 'node:path';
import { BootInfo, MEM, MISC, ShareMount as ShareEntry } from '../generated/abi.js';
import type { GuestMemory } from '../guest-memory.js';
import { directoryProblem } from '../host-share/host-dir.js';
import { HostFilesBackend, HostFilesError } from '../host-share/backend.js';
import { mountsProblem, type ShareMount } from '../host-share/mounts.js';
import { HostShares } from '../host-share/shares.js';

const TYPE = { end: 0, dir: 1, file: 2, link: 3 } as const;
const PATH_MAX = MISC.PATH_MAX;

export class PreloadError extends Error {}

/** Packs the tree under `root` (not root itself) into an archive. */
export function packTree(root: string): Buffer {
  const problem = directoryProblem('--preload', root);
  if (problem) throw new PreloadError(problem);
  const parts: Buffer[] = [];
  const magic = Buffer.alloc(8);
  magic.writeBigUInt64LE(BigInt(MISC.PRELOAD_MAGIC));
  parts.push(magic);
  const record = (type: number, rel: string, mode: number, data: Buffer) => {
    const name = Buffer.from(rel);
    if (name.length >= PATH_MAX - 1) throw new PreloadError(`--preload: path too long: ${rel}`);
    const head = Buffer.alloc(16);
    head.writeUInt8(type, 0);
    head.writeUInt16LE(name.length, 2);
    head.writeUInt32LE(mode & 0o7777, 4);
    head.writeBigUInt64LE(BigInt(data.length), 8);
    const pad = (8 - ((16 + name.length + data.length) % 8)) % 8;
    parts.push(head, name, data, Buffer.alloc(pad));
  };
  const walk = (dir: string, rel: string) => {
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch (e) {
      throw new PreloadError(`--preload: cannot read ${dir}: ${(e as Error).message}`);
    }
    for (const name of names) {
      const full = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const s = fs.lstatSync(full);
      if (s.isDirectory()) {
        record(TYPE.dir, r, s.mode, Buffer.alloc(0));
        walk(full, r);
      } else if (s.isFile()) {
        let data: Buffer;
        try {
          data = fs.readFileSync(full);
        } catch (e) {
          throw new PreloadError(`--preload: cannot read ${full}: ${(e as Error).message}`);
        }
        record(TYPE.file, r, s.mode, data);
      } else if (s.isSymbolicLink()) {
        record(TYPE.link, r, 0o777, Buffer.from(fs.readlinkSync(full)));
      } // sockets, fifos and devices have no meaning in the guest: skipped
    }
  };
  walk(root, '');
  parts.push(Buffer.alloc(16)); // end record
  return Buffer.concat(parts);
}

const pageUp = (n: number) => Math.ceil(n / MEM.PAGE_SIZE) * MEM.PAGE_SIZE;

export interface FileSetup {
  share?: HostShares;
}

/**
 * Opens the --share directories and places the --preload archive; writes the share
 * table, the BootInfo fields for both. Returns a one-line refusal message instead
 * when either cannot be.
 */
export function prepareFiles(mem: GuestMemory, opts: { shares: ShareMount[]; preload?: string; appEnd: bigint; top: bigint }): FileSetup | string {
  const setup: FileSetup = {};
  try {
    if (opts.preload !== undefined) {
      const archive = packTree(opts.preload);
      const at = Number(opts.top) - pageUp(archive.length);
      // Leave the program, its brk window (at most 64 MiB) and a margin below it.
      const lowest = Number(opts.appEnd) + Math.min(Math.max(mem.ramSize / 16, 1 << 20), 64 << 20) + (16 << 20);
      if (at < lowest) {
        return `--preload ${opts.preload}: ${archive.length} bytes do not fit in guest RAM (raise --mem)`;
      }
      mem.copyIn(at, archive);
      mem.writeU64(MEM.BOOT_INFO_ADDR + BootInfo.preload_addr, BigInt(at));
      mem.writeU64(MEM.BOOT_INFO_ADDR + BootInfo.preload_size, BigInt(archive.length));
    }
    if (opts.shares.length > 0) {
      const problem = mountsProblem(opts.shares);
      if (problem) return problem;
      const backends: HostFilesBackend[] = [];
      try {
        for (const share of opts.shares) backends.push(new HostFilesBackend(share.host, share.readOnly));
      } catch (e) {
        for (const b of backends) b.dispose();
        throw e;
      }
      setup.share = new HostShares(backends);
      writeShareTable(mem, opts.shares);
    }
  } catch (e) {
    if (e instanceof PreloadError || e instanceof HostFilesError) return e.message;
    throw e;
  }
  return setup;
}

/** The share table at SHARE_TABLE_ADDR and BootInfo.share_count (fs/shares.asm reads them). */
function writeShareTable(mem: GuestMemory, shares: ShareMount[]): void {
  shares.forEach((share, i) => {
    const at = MEM.SHARE_TABLE_ADDR + i * ShareEntry.SIZE;
    const path = Buffer.from(share.guest);
    mem.writeU32(at + ShareEntry.flags, share.readOnly ? MISC.SHARE_READ_ONLY : 0);
    mem.writeU32(at + ShareEntry.path_len, path.length);
    mem.copyIn(at + ShareEntry.path, Buffer.concat([path, Buffer.alloc(1)]));
  });
  mem.writeU64(MEM.BOOT_INFO_ADDR + BootInfo.share_count, BigInt(shares.length));
}
