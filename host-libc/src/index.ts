// The checked wrappers over the C library that shared memory between processes needs
// (the sector exercise's rings): shm_open, mmap, futex, poll, with numbers for
// addresses and C failures turned into ErrnoError. The functions themselves are
// declared once, in c.ts, which the VMM's engine and guest memory use as well.
//
// Node has no mmap, shm_open or futex, and koffi is the FFI the project already ships.
// Addresses are kept as numbers: user-space addresses on x86-64 fit in 47 bits, well
// inside 2^53.
//
// koffi loads once per thread (each worker thread gets its own module instance), so the
// scratch page below is per thread as well.
import * as c from './c.js';
import {
  close as c_close,
  ftruncate as c_ftruncate,
  lseek as c_lseek,
  mmap as c_mmap,
  munmap as c_munmap,
  poll as c_poll,
  shm_open as c_shm_open,
  shm_unlink as c_shm_unlink,
  syscall as sys,
} from './c.js';
import koffi from './koffi.js';

export { c, koffi };

// x86-64 Linux system call numbers.
export const SYS = {
  io_setup: 206,
  io_destroy: 207,
  io_getevents: 208,
  io_submit: 209,
  futex: 202,
  sched_yield: 24,
  pidfd_open: 434,
} as const;

export const O_RDONLY = 0;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const MAP_PRIVATE = 2;
export const MAP_ANONYMOUS = 0x20;
export const POLLIN = 1;
const SEEK_END = 2;
const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const EAGAIN = 11;
const EINTR = 4;
const ETIMEDOUT = 110;
export const ENOENT = 2;
export const ESRCH = 3;

export class ErrnoError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    super(`${call}: ${errnoName(errno)}`);
  }
}

/** A short readable name for the errno values this code meets. */
export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(koffi.os.errno)) if (value === errno) return name;
  return `errno ${errno}`;
}

export function errno(): number {
  return koffi.errno();
}

/** Raw system call; returns the kernel's result or -1 with errno() set. */
export function syscall(nr: number, a = 0, b = 0, c = 0, d = 0, e = 0, f = 0): number {
  return Number(sys(nr, a, b, c, d, e, f));
}

export function shmOpen(name: string, flags: number, mode = 0o600): number {
  const fd = c_shm_open(name, flags, mode) as number;
  if (fd < 0) throw new ErrnoError(`shm_open ${name}`, errno());
  return fd;
}

/** Removes a shared-memory name; false when it did not exist. */
export function shmUnlink(name: string): boolean {
  if ((c_shm_unlink(name) as number) === 0) return true;
  const e = errno();
  if (e === ENOENT) return false;
  throw new ErrnoError(`shm_unlink ${name}`, e);
}

export function ftruncate(fd: number, length: number): void {
  if ((c_ftruncate(fd, length) as number) !== 0) throw new ErrnoError('ftruncate', errno());
}

/** The size of the object behind fd (lseek to the end: no struct stat to decode). */
export function fdSize(fd: number): number {
  const size = Number(c_lseek(fd, 0, SEEK_END));
  if (size < 0) throw new ErrnoError('lseek', errno());
  return size;
}

export function closeFd(fd: number): void {
  c_close(fd);
}

export function mmap(length: number, prot: number, flags: number, fd: number, offset = 0): number {
  const p = c_mmap(0, length, prot, flags, fd, offset) as number | bigint;
  // MAP_FAILED is (void *)-1, which koffi hands back as the BigInt 2^64 - 1.
  if (typeof p === 'bigint') throw new ErrnoError('mmap', errno());
  return Number(p);
}

export function munmap(addr: number, length: number): void {
  if ((c_munmap(addr, length) as number) !== 0) throw new ErrnoError('munmap', errno());
}

/** An ArrayBuffer over memory this process has mapped (no copy). */
export function view(addr: number, length: number): ArrayBuffer {
  return koffi.view(addr, length);
}

export function poll(fdsAddr: number, nfds: number, timeoutMs: number): number {
  const n = c_poll(fdsAddr, nfds, timeoutMs) as number;
  if (n < 0 && errno() !== EINTR) throw new ErrnoError('poll', errno());
  return Math.max(n, 0);
}

// A page of private scratch memory for arguments the kernel reads by pointer (a
// timespec, a pollfd array): typed arrays on the V8 heap may move, a mapping does not.
// Bytes 0-15 hold futexWait's timespec; callers may use the rest (from SCRATCH_FREE on).
export const SCRATCH_BYTES = 4096;
export const SCRATCH_FREE = 16;
let scratchAddr = 0;
let scratchWords: Int32Array | undefined;
let scratchView: DataView | undefined;

function scratchInit(): Int32Array {
  scratchAddr = mmap(SCRATCH_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  const buffer = view(scratchAddr, SCRATCH_BYTES);
  scratchView = new DataView(buffer);
  scratchWords = new Int32Array(buffer);
  return scratchWords;
}

/** This thread's scratch page; offsets below SCRATCH_FREE are taken. */
export function scratchPage(): { addr: number; dv: DataView } {
  if (scratchWords === undefined) scratchInit();
  return { addr: scratchAddr, dv: scratchView! };
}

/** Writes a relative struct timespec at scratch offset 0 and returns its address (no allocation: this is on every sleep). */
function timespec(ms: number): number {
  const w = scratchWords ?? scratchInit();
  const sec = Math.floor(ms / 1000);
  w[0] = sec; // tv_sec, low half (a sleep never needs the high half)
  w[1] = 0;
  w[2] = Math.floor((ms - sec * 1000) * 1e6); // tv_nsec < 1e9 fits
  w[3] = 0;
  return scratchAddr;
}

/**
 * FUTEX_WAIT on a word of a shared mapping (no FUTEX_PRIVATE_FLAG: the waker may be
 * another process). Returns false on timeout, true when woken or when the word no
 * longer held `expected` (the caller re-checks its condition either way).
 */
export function futexWait(addr: number, expected: number, timeoutMs: number): boolean {
  const r = syscall(SYS.futex, addr, FUTEX_WAIT, expected, timeoutMs < 0 ? 0 : timespec(timeoutMs));
  if (r === 0) return true;
  const e = errno();
  if (e === ETIMEDOUT) return false;
  if (e === EAGAIN || e === EINTR) return true;
  throw new ErrnoError('futex wait', e);
}

/** FUTEX_WAKE: wakes up to `count` waiters; returns how many were woken. */
export function futexWake(addr: number, count = 0x7fffffff): number {
  const r = syscall(SYS.futex, addr, FUTEX_WAKE, count);
  if (r < 0) throw new ErrnoError('futex wake', errno());
  return r;
}
