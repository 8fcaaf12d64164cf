// The host side of one share: file operations confined to one host directory
// (shares.ts puts the --share directories together). It knows nothing of guest
// memory: the port device (vmm/ports/host-files.ts) decodes the guest's structs and
// calls these methods with plain values; every method returns a result or a negative
// Linux errno, never throws for a guest error.
//
// Read-only (:ro): every call that would change the directory returns EROFS, and
// every file opens read-only, so no descriptor the VMM holds can write; the guest's
// kernel refuses the same calls before they leave it.
//
// Confinement: every path is resolved by the host kernel with openat2(2) and
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS relative to a descriptor of the shared
// directory, opened once. The kernel refuses (EXDEV) any resolution that would leave
// that directory: `..` above it, absolute paths, absolute symbolic links, relative
// links that climb out. It checks during the walk itself, so a component swapped for
// a symbolic link between a check and a use cannot redirect it: there is no separate
// check. Calls that name an entry rather than open it (mkdir, unlink, rmdir, rename)
// resolve the parent directory that way and then act on the last name relative to
// that descriptor (mkdirat, unlinkat, renameat), which never follows a link in the
// last name. Node has no openat2, so it is called through koffi (syscall(2)).
import fs from 'node:fs';
import {
  close as closeFd,
  ftruncate,
  koffi,
  lseek,
  mkdirat,
  renameat,
  syncfs,
  syscall_getdents64,
  syscall_openat2,
  unlinkat,
  utimensat,
} from '@unikv/host-libc/c';
import { MISC } from '../generated/abi.js';
import { directoryProblem } from './host-dir.js';
import type { HostStat } from '../ports/host-files.js';

const SYS_OPENAT2 = 437;
const SYS_GETDENTS64 = 217;
const O_RDONLY = 0;
const O_WRONLY = 1;
const O_ACCMODE = 0o3;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_DIRECTORY = 0o200000;
const O_NOFOLLOW = 0o400000;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const O_PATH = 0o10000000;
const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_BENEATH = 0x08;
const AT_REMOVEDIR = 0x200;
const AT_EMPTY_PATH = 0x1000;
const UTIME_OMIT = (1 << 30) - 2;
const NS = 1_000_000_000n;

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  ENXIO: 6,
  EBADF: 9,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EMFILE: 24,
  EROFS: 30,
  ENAMETOOLONG: 36,
  ENOTEMPTY: 39,
} as const;

/** Open flags the guest may pass through; anything else is dropped. */
const PASSED_FLAGS = 0o3 | 0o100 | 0o200 | 0o1000 | 0o2000 | 0o4000 | O_DIRECTORY | O_NOFOLLOW;

/** Result of stat: the fields the guest's struct stat needs. */
export type { HostStat };

export class HostFilesError extends Error {}

interface Handle {
  fd: number;
  dir: boolean;
}

/** First handle number; below it the guest's WRITE/READ ports mean the console. */
export const HANDLE_BASE = 3;
const MAX_HANDLES = 4096;
const INT64_MAX = (1n << 63n) - 1n;

export class HostFilesBackend {
  private readonly rootFd: number;
  private readonly handles: (Handle | undefined)[] = [];
  private readonly how = Buffer.alloc(24); // struct open_how {u64 flags, mode, resolve}
  private readonly dents = Buffer.alloc(64 * 1024);

  /** Opens the shared directory; throws HostFilesError (one line) when it cannot. */
  constructor(
    readonly root: string,
    readonly readOnly = false,
  ) {
    const problem = directoryProblem('--share', root);
    if (problem) throw new HostFilesError(problem);
    this.rootFd = fs.openSync(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  }

  /** openat2 beneath the share; returns a host descriptor or -errno. */
  private resolve(path: string, flags: number, mode = 0): number {
    if (Buffer.byteLength(path) >= MISC.PATH_MAX) return -ERRNO.ENAMETOOLONG;
    this.how.writeBigUInt64LE(BigInt(flags | O_CLOEXEC), 0);
    // openat2 is strict where open(2) is lenient: a mode without O_CREAT is EINVAL.
    this.how.writeBigUInt64LE(BigInt(flags & O_CREAT ? mode & 0o7777 : 0), 8);
    this.how.writeBigUInt64LE(BigInt(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), 16);
    const fd = Number(syscall_openat2(SYS_OPENAT2, this.rootFd, path === '' ? '.' : path, this.how, 24));
    return fd < 0 ? -koffi.errno() : fd;
  }

  /** The parent directory's descriptor and the last name, for calls that act on a name. */
  private parent(path: string): { fd: number; name: string } | number {
    const trimmed = path.replace(/\/+$/, '');
    if (trimmed === '' || trimmed === '.') return -ERRNO.EBUSY; // the share itself
    const cut = trimmed.lastIndexOf('/');
    const dir = cut < 0 ? '.' : trimmed.slice(0, cut) || '/';
    const name = trimmed.slice(cut + 1);
    if (name === '.' || name === '..') return -ERRNO.EINVAL;
    const fd = this.resolve(dir, O_PATH | O_DIRECTORY);
    return fd < 0 ? fd : { fd, name };
  }

  private withParent(path: string, body: (fd: number, name: string) => number): number {
    const p = this.parent(path);
    if (typeof p === 'number') return p;
    try {
      return body(p.fd, p.name) < 0 ? -koffi.errno() : 0;
    } finally {
      closeFd(p.fd);
    }
  }

  private handle(h: number): Handle | undefined {
    return Number.isInteger(h) && h >= HANDLE_BASE ? this.handles[h - HANDLE_BASE] : undefined;
  }

  open(path: string, flags: number, mode: number): number {
    if (this.readOnly) return this.openReadOnly(path, flags);
    // Never blocking: the emulation thread opens for every vCPU, so a FIFO (or a
    // device) in the share must not wait for a peer. Only regular files and
    // directories are shared; O_NONBLOCK does nothing to those.
    return this.install(this.resolve(path, (flags & PASSED_FLAGS) | O_NONBLOCK, mode));
  }

  /**
   * open on a read-only share, as Linux answers on a read-only mount: write access
   * and O_TRUNC are EROFS; O_CREAT opens what exists (EEXIST with O_EXCL) and is
   * EROFS where it would create.
   */
  private openReadOnly(path: string, flags: number): number {
    if (flags & (O_ACCMODE | O_TRUNC)) return -ERRNO.EROFS;
    const fd = this.resolve(path, (flags & PASSED_FLAGS & ~(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC)) | O_NONBLOCK);
    if (flags & O_CREAT) {
      if (fd === -ERRNO.ENOENT) return -ERRNO.EROFS;
      if (fd >= 0 && flags & O_EXCL) {
        closeFd(fd);
        return -ERRNO.EEXIST;
      }
    }
    return this.install(fd);
  }

  /** A handle for a host descriptor just opened (regular files and directories only), or -errno. */
  private install(fd: number): number {
    if (fd < 0) return fd;
    let kind: fs.Stats;
    try {
      kind = fs.fstatSync(fd);
    } catch (e) {
      closeFd(fd);
      return errnoOfError(e);
    }
    if (!kind.isFile() && !kind.isDirectory()) {
      closeFd(fd);
      return -ERRNO.ENXIO;
    }
    let slot = this.handles.indexOf(undefined);
    if (slot < 0) slot = this.handles.length;
    if (slot >= MAX_HANDLES) {
      closeFd(fd);
      return -ERRNO.EMFILE;
    }
    this.handles[slot] = { fd, dir: kind.isDirectory() };
    return slot + HANDLE_BASE;
  }

  close(h: number): number {
    const entry = this.handle(h);
    if (!entry) return -ERRNO.EBADF;
    this.handles[h - HANDLE_BASE] = undefined;
    closeFd(entry.fd);
    return 0;
  }

  read(h: number, into: Uint8Array): number {
    const entry = this.handle(h);
    if (!entry) return -ERRNO.EBADF;
    if (entry.dir) return -ERRNO.EISDIR;
    return errnoOf(() => fs.readSync(entry.fd, into, 0, into.length, null));
  }

  write(h: number, bytes: Uint8Array): number {
    const entry = this.handle(h);
    if (!entry) return -ERRNO.EBADF;
    return errnoOf(() => fs.writeSync(entry.fd, bytes, 0, bytes.length, null));
  }

  lseek(h: number, offset: bigint, whence: number): bigint {
    const entry = this.handle(h);
    if (!entry) return BigInt(-ERRNO.EBADF);
    const r = BigInt(lseek(entry.fd, offset, whence));
    return r < 0n ? BigInt(-koffi.errno()) : r;
  }

  unlink(path: string): number {
    if (this.readOnly) return -ERRNO.EROFS;
    return this.withParent(path, (fd, name) => unlinkat(fd, name, 0));
  }

  rmdir(path: string): number {
    if (this.readOnly) return -ERRNO.EROFS;
    return this.withParent(path, (fd, name) => unlinkat(fd, name, AT_REMOVEDIR));
  }

  mkdir(path: string, mode: number): number {
    if (this.readOnly) return -ERRNO.EROFS;
    const p = this.parent(path);
    if (p === -ERRNO.EBUSY) return -ERRNO.EEXIST; // mkdir of the share itself
    return this.withParent(path, (fd, name) => mkdirat(fd, name, mode & 0o7777));
  }

  rename(from: string, to: string): number {
    if (this.readOnly) return -ERRNO.EROFS;
    const a = this.parent(from);
    if (typeof a === 'number') return a;
    try {
      const b = this.parent(to);
      if (typeof b === 'number') return b;
      try {
        return renameat(a.fd, a.name, b.fd, b.name) < 0 ? -koffi.errno() : 0;
      } finally {
        closeFd(b.fd);
      }
    } finally {
      closeFd(a.fd);
    }
  }

  /** stat by path (lstat when nofollow) or, with path null, by handle. */
  stat(path: string | null, h: number, nofollow: boolean): HostStat | number {
    return this.withFd(path, h, nofollow, (fd) => {
      try {
        const st = fs.fstatSync(fd, { bigint: true });
        return {
          mode: Number(st.mode),
          nlink: Number(st.nlink),
          size: st.size,
          ino: st.ino,
          blocks: st.blocks,
          atimeNs: st.atimeNs,
          mtimeNs: st.mtimeNs,
          ctimeNs: st.ctimeNs,
        };
      } catch (e) {
        return errnoOfError(e);
      }
    });
  }

  /**
   * Runs `body` on a host descriptor for a path beneath the share (opened O_PATH, no
   * symbolic link followed at the end with `nofollow`, closed afterwards) or, with
   * path null, for an open handle; -errno when there is none.
   */
  private withFd<T>(path: string | null, h: number, nofollow: boolean, body: (fd: number) => T): T | number {
    if (path === null) {
      const entry = this.handle(h);
      return entry ? body(entry.fd) : -ERRNO.EBADF;
    }
    const fd = this.resolve(path, O_PATH | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0) return fd;
    try {
      return body(fd);
    } finally {
      closeFd(fd);
    }
  }

  /** linux_dirent64 records (at most `max` bytes), or -errno. */
  getdents(h: number, max: number): Uint8Array | number {
    const entry = this.handle(h);
    if (!entry) return -ERRNO.EBADF;
    if (!entry.dir) return -ERRNO.ENOTDIR;
    const n = Number(syscall_getdents64(SYS_GETDENTS64, entry.fd, this.dents, Math.min(max, this.dents.length)));
    if (n < 0) return -koffi.errno();
    return this.dents.subarray(0, n);
  }

  /** truncate by path, or ftruncate by handle when path is null. */
  truncate(path: string | null, h: number, length: bigint): number {
    if (this.readOnly) return -ERRNO.EROFS;
    if (length < 0n || length > INT64_MAX) return -ERRNO.EINVAL;
    // The C library's ftruncate takes all 64 bits: the host answers a length it cannot
    // hold with EFBIG or EINVAL, where Node's own would throw past 2^53.
    const cut = (fd: number) => (ftruncate(fd, length) < 0 ? -koffi.errno() : 0);
    if (path === null) {
      const entry = this.handle(h);
      return entry ? cut(entry.fd) : -ERRNO.EBADF;
    }
    const fd = this.resolve(path, O_WRONLY | O_NONBLOCK); // (a FIFO: ENXIO, not a wait)
    if (fd < 0) return fd;
    try {
      return cut(fd);
    } finally {
      closeFd(fd);
    }
  }

  /**
   * Sets the access and modification times (ns since the epoch; null: unchanged)
   * of a path (its final link itself when nofollow) or, with path null, a handle.
   * The path is opened beneath the share (O_PATH) and the times set on that
   * descriptor, so a link never leads the change outside the share.
   */
  utimens(path: string | null, h: number, nofollow: boolean, atimeNs: bigint | null, mtimeNs: bigint | null): number {
    if (this.readOnly) return -ERRNO.EROFS;
    const times = Buffer.alloc(32); // struct timespec[2]
    const put = (i: number, ns: bigint | null) => {
      if (ns === null) {
        times.writeBigInt64LE(0n, i * 16);
        times.writeBigInt64LE(BigInt(UTIME_OMIT), i * 16 + 8);
        return;
      }
      let sec = ns / NS;
      let nsec = ns % NS;
      if (nsec < 0n) {
        nsec += NS;
        sec -= 1n;
      }
      times.writeBigInt64LE(sec, i * 16);
      times.writeBigInt64LE(nsec, i * 16 + 8);
    };
    put(0, atimeNs);
    put(1, mtimeNs);
    return this.withFd(path, h, nofollow, (fd) => (utimensat(fd, '', times, AT_EMPTY_PATH) < 0 ? -koffi.errno() : 0));
  }

  /** fsync (op 0), fdatasync (1) or syncfs (2) on a handle's host descriptor. */
  sync(h: number, op: number): number {
    const entry = this.handle(h);
    if (!entry) return -ERRNO.EBADF;
    if (op === 2) return syncfs(entry.fd) < 0 ? -koffi.errno() : 0;
    if (op !== 0 && op !== 1) return -ERRNO.EINVAL;
    return errnoOf(() => {
      if (op === 1) fs.fdatasyncSync(entry.fd);
      else fs.fsyncSync(entry.fd);
      return 0;
    });
  }

  /** Closes every handle and the share's own descriptor. */
  dispose(): void {
    for (const entry of this.handles) if (entry) closeFd(entry.fd);
    this.handles.length = 0;
    closeFd(this.rootFd);
  }
}

/**
 * -errno for a failed host call. An error without an errno (Node refusing a value
 * before the call, such as a length past 2^53) is the guest's bad argument, never an
 * exception through the emulation thread: EINVAL for a range, EIO for anything else.
 */
function errnoOfError(e: unknown): number {
  const errno = (e as NodeJS.ErrnoException).errno;
  if (typeof errno !== 'number') return e instanceof RangeError || (e as NodeJS.ErrnoException).code === 'ERR_OUT_OF_RANGE' ? -ERRNO.EINVAL : -ERRNO.EIO;
  return errno < 0 ? errno : -errno; // libuv reports -errno on Linux
}

function errnoOf(body: () => number): number {
  try {
    return body();
  } catch (e) {
    return errnoOfError(e);
  }
}

export { O_RDONLY };
