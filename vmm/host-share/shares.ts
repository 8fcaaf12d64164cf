// The --share directories together, as the guest's file ports see them: calls that
// name a path carry the share's index (its place in the share table), calls on an
// open file carry a handle. Handles are one numbering for all shares (the kernel's
// Files hold them without knowing the share); each maps to its share's own handle.
import type { HostShare, HostStat } from '../ports/host-files.js';
import { ERRNO, HANDLE_BASE, type HostFilesBackend } from './backend.js';

const MAX_HANDLES = 4096;

interface Handle {
  share: HostFilesBackend;
  local: number;
}

export class HostShares implements HostShare {
  private readonly handles: (Handle | undefined)[] = [];

  /** `shares[i]` is share i of the share table. */
  constructor(readonly shares: HostFilesBackend[]) {}

  /** Share i, or undefined for an index the table does not have (a hostile guest's). */
  private share(i: number): HostFilesBackend | undefined {
    return Number.isInteger(i) && i >= 0 ? this.shares[i] : undefined;
  }

  private handle(h: number): Handle | undefined {
    return Number.isInteger(h) && h >= HANDLE_BASE ? this.handles[h - HANDLE_BASE] : undefined;
  }

  /** Runs `body` on share i's backend: -EINVAL for an index that names none. */
  private on<T>(i: number, body: (b: HostFilesBackend) => T): T | number {
    const b = this.share(i);
    return b ? body(b) : -ERRNO.EINVAL;
  }

  /** Runs `body` on an open handle's share and local handle: -EBADF for none. */
  private at<T>(h: number, body: (b: HostFilesBackend, local: number) => T): T | number {
    const entry = this.handle(h);
    return entry ? body(entry.share, entry.local) : -ERRNO.EBADF;
  }

  open(share: number, path: string, flags: number, mode: number): number {
    const b = this.share(share);
    if (!b) return -ERRNO.EINVAL;
    let slot = this.handles.indexOf(undefined);
    if (slot < 0) slot = this.handles.length;
    if (slot >= MAX_HANDLES) return -ERRNO.EMFILE;
    const local = b.open(path, flags, mode);
    if (local < 0) return local;
    this.handles[slot] = { share: b, local };
    return slot + HANDLE_BASE;
  }

  close(h: number): number {
    const r = this.at(h, (b, local) => b.close(local));
    if (r === 0) this.handles[h - HANDLE_BASE] = undefined;
    return r;
  }

  read(h: number, into: Uint8Array): number {
    return this.at(h, (b, local) => b.read(local, into));
  }

  write(h: number, bytes: Uint8Array): number {
    return this.at(h, (b, local) => b.write(local, bytes));
  }

  lseek(h: number, offset: bigint, whence: number): bigint {
    const entry = this.handle(h);
    return entry ? entry.share.lseek(entry.local, offset, whence) : BigInt(-ERRNO.EBADF);
  }

  unlink(share: number, path: string): number {
    return this.on(share, (b) => b.unlink(path));
  }

  rmdir(share: number, path: string): number {
    return this.on(share, (b) => b.rmdir(path));
  }

  mkdir(share: number, path: string, mode: number): number {
    return this.on(share, (b) => b.mkdir(path, mode));
  }

  rename(share: number, from: string, to: string): number {
    return this.on(share, (b) => b.rename(from, to));
  }

  stat(share: number, path: string | null, h: number, nofollow: boolean): HostStat | number {
    if (path === null) return this.at(h, (b, local) => b.stat(null, local, nofollow));
    return this.on(share, (b) => b.stat(path, 0, nofollow));
  }

  getdents(h: number, max: number): Uint8Array | number {
    return this.at(h, (b, local) => b.getdents(local, max));
  }

  truncate(share: number, path: string | null, h: number, length: bigint): number {
    if (path === null) return this.at(h, (b, local) => b.truncate(null, local, length));
    return this.on(share, (b) => b.truncate(path, 0, length));
  }

  utimens(share: number, path: string | null, h: number, nofollow: boolean, atimeNs: bigint | null, mtimeNs: bigint | null): number {
    if (path === null) return this.at(h, (b, local) => b.utimens(null, local, nofollow, atimeNs, mtimeNs));
    return this.on(share, (b) => b.utimens(path, 0, nofollow, atimeNs, mtimeNs));
  }

  sync(h: number, op: number): number {
    return this.at(h, (b, local) => b.sync(local, op));
  }

  /** Closes every share's handles and directory. */
  dispose(): void {
    for (const b of this.shares) b.dispose();
    this.handles.length = 0;
  }
}
