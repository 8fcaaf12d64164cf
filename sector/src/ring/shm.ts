// Named POSIX shared-memory segments: create, open, map, unmap, unlink.
//
// A Segment is one mapping of one object. Other threads of the same process reach the
// same memory with Segment.attach(addr, size): a mapping belongs to the process, so a
// worker thread needs only the address, not a second mmap.
import {
  closeFd,
  fdSize,
  ftruncate,
  MAP_SHARED,
  mmap,
  munmap,
  O_CREAT,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  PROT_READ,
  PROT_WRITE,
  shmOpen,
  shmUnlink,
  view,
} from '@unikv/host-libc';

export const PAGE_SIZE = 4096;

export function pageRound(bytes: number): number {
  return Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE;
}

/** Memory that can be shared: its address (for the kernel) and a buffer (for JS). */
export interface Mapping {
  readonly addr: number;
  readonly size: number;
  readonly buffer: ArrayBuffer;
}

export class Segment implements Mapping {
  private mapped = true;

  private constructor(
    readonly name: string,
    readonly addr: number,
    readonly size: number,
    readonly buffer: ArrayBuffer,
    private readonly owned: boolean,
  ) {}

  /** Creates a new zero-filled object (failing if the name exists) and maps it. */
  static create(name: string, size: number): Segment {
    const bytes = pageRound(size);
    const fd = shmOpen(name, O_RDWR | O_CREAT | O_EXCL, 0o600);
    try {
      ftruncate(fd, bytes);
      const addr = mmap(bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
      return new Segment(name, addr, bytes, view(addr, bytes), true);
    } catch (e) {
      shmUnlink(name);
      throw e;
    } finally {
      closeFd(fd);
    }
  }

  /**
   * Maps an existing object. The object's real size is checked against `minSize`
   * before mapping: touching a page past the end of the object would be SIGBUS, and the
   * object may have been made by a peer we do not trust. Only minSize bytes are mapped.
   */
  static open(name: string, minSize: number, readOnly = false): Segment {
    const fd = shmOpen(name, readOnly ? O_RDONLY : O_RDWR);
    try {
      const actual = fdSize(fd);
      if (actual < minSize) throw new Error(`shared memory ${name} is ${actual} bytes, expected ${minSize}`);
      const bytes = pageRound(minSize);
      const addr = mmap(bytes, readOnly ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd);
      return new Segment(name, addr, bytes, view(addr, bytes), true);
    } finally {
      closeFd(fd);
    }
  }

  /** Another thread's view of a mapping this process already holds (never unmapped here). */
  static attach(name: string, addr: number, size: number): Segment {
    return new Segment(name, addr, size, view(addr, size), false);
  }

  /** Removes the name; the memory lives on until the last mapping goes. */
  static unlink(name: string): boolean {
    return shmUnlink(name);
  }

  get isMapped(): boolean {
    return this.mapped;
  }

  /** Unmaps (once). Every view of `buffer` is invalid afterwards: drop them first. */
  unmap(): void {
    if (!this.mapped || !this.owned) return;
    this.mapped = false;
    munmap(this.addr, this.size);
  }
}
