// How each system call's arguments are shown: one kind per argument, in order.
// Arguments the kernel fills in (a read's buffer) are shown when the call returns,
// and so is every argument after the first of those, as strace does.
import type { GuestMemory } from '../guest-memory.js';
import * as F from './flags.js';
import { buffer, cString, hex, pointer, word } from './render.js';

/**
 * d: int, u: unsigned, x: hex, p: pointer, fd, path, str (a string cut at 32 bytes),
 * wbuf (bytes the program hands in, length in the next argument), rbuf (bytes the
 * kernel filled, length = the result: shown at exit), iovw / iovr (writev's and
 * readv's iovec arrays, count in the next argument), out (a pointer the kernel fills:
 * shown at exit), and the flag kinds of flags.ts.
 */
type Kind =
  | 'd'
  | 'u'
  | 'x'
  | 'p'
  | 'fd'
  | 'path'
  | 'str'
  | 'wbuf'
  | 'rbuf'
  | 'iovw'
  | 'iovr'
  | 'out'
  | 'fdpair'
  | 'ts'
  | 'tsout'
  | 'oflags'
  | 'mode'
  | 'prot'
  | 'mflags'
  | 'clone'
  | 'sig'
  | 'fcntl'
  | 'epollop'
  | 'futexop'
  | 'whence'
  | 'sighow'
  | 'archprctl'
  | 'clock'
  | 'dirfd'
  | 'access'
  | 'atflags';

const AT_EXIT = new Set<Kind>(['rbuf', 'iovr', 'out', 'fdpair', 'tsout']);

const SIGNATURES: Record<string, Kind[]> = {
  read: ['fd', 'rbuf', 'u'],
  write: ['fd', 'wbuf', 'u'],
  open: ['path', 'oflags', 'mode'],
  close: ['fd'],
  stat: ['path', 'out'],
  fstat: ['fd', 'out'],
  lstat: ['path', 'out'],
  poll: ['p', 'u', 'd'],
  lseek: ['fd', 'd', 'whence'],
  mmap: ['p', 'u', 'prot', 'mflags', 'fd', 'd'],
  mprotect: ['p', 'u', 'prot'],
  munmap: ['p', 'u'],
  brk: ['p'],
  rt_sigaction: ['sig', 'p', 'out', 'u'],
  rt_sigprocmask: ['sighow', 'p', 'out', 'u'],
  rt_sigreturn: [],
  ioctl: ['fd', 'x', 'x'],
  pread64: ['fd', 'rbuf', 'u', 'd'],
  pwrite64: ['fd', 'wbuf', 'u', 'd'],
  readv: ['fd', 'iovr', 'u'],
  writev: ['fd', 'iovw', 'u'],
  access: ['path', 'access'],
  pipe: ['fdpair'],
  pipe2: ['fdpair', 'oflags'],
  select: ['d', 'p', 'p', 'p', 'p'],
  sched_yield: [],
  mremap: ['p', 'u', 'u', 'x', 'p'],
  msync: ['p', 'u', 'x'],
  madvise: ['p', 'u', 'd'],
  dup: ['fd'],
  dup2: ['fd', 'fd'],
  dup3: ['fd', 'fd', 'oflags'],
  pause: [],
  nanosleep: ['ts', 'out'],
  getitimer: ['d', 'out'],
  alarm: ['u'],
  setitimer: ['d', 'p', 'out'],
  getpid: [],
  sendfile: ['fd', 'fd', 'p', 'u'],
  clone: ['clone', 'p', 'p', 'p', 'x'],
  fork: [],
  vfork: [],
  execve: ['path', 'p', 'p'],
  exit: ['d'],
  wait4: ['d', 'p', 'x', 'p'],
  kill: ['d', 'sig'],
  uname: ['out'],
  fcntl: ['fd', 'fcntl', 'x'],
  flock: ['fd', 'x'],
  fsync: ['fd'],
  fdatasync: ['fd'],
  truncate: ['path', 'd'],
  ftruncate: ['fd', 'd'],
  getcwd: ['out', 'u'],
  chdir: ['path'],
  fchdir: ['fd'],
  rename: ['path', 'path'],
  mkdir: ['path', 'mode'],
  rmdir: ['path'],
  creat: ['path', 'mode'],
  link: ['path', 'path'],
  unlink: ['path'],
  symlink: ['path', 'path'],
  readlink: ['path', 'rbuf', 'u'],
  chmod: ['path', 'mode'],
  fchmod: ['fd', 'mode'],
  chown: ['path', 'd', 'd'],
  fchown: ['fd', 'd', 'd'],
  lchown: ['path', 'd', 'd'],
  umask: ['mode'],
  gettimeofday: ['out', 'p'],
  getrlimit: ['d', 'out'],
  getrusage: ['d', 'out'],
  sysinfo: ['out'],
  times: ['out'],
  getuid: [],
  getgid: [],
  geteuid: [],
  getegid: [],
  getppid: [],
  getgroups: ['d', 'out'],
  rt_sigpending: ['out', 'u'],
  rt_sigtimedwait: ['p', 'out', 'p', 'u'],
  rt_sigqueueinfo: ['d', 'sig', 'p'],
  rt_sigsuspend: ['p', 'u'],
  sigaltstack: ['p', 'out'],
  getpriority: ['d', 'd'],
  setpriority: ['d', 'd', 'd'],
  sched_getparam: ['d', 'out'],
  sched_getscheduler: ['d'],
  sched_get_priority_max: ['d'],
  sched_get_priority_min: ['d'],
  prctl: ['d', 'x', 'x', 'x', 'x'],
  arch_prctl: ['archprctl', 'p'],
  setrlimit: ['d', 'p'],
  gettid: [],
  tkill: ['d', 'sig'],
  time: ['out'],
  futex: ['p', 'futexop', 'd', 'ts', 'p', 'd'],
  sched_setaffinity: ['d', 'u', 'p'],
  sched_getaffinity: ['d', 'u', 'out'],
  epoll_create: ['d'],
  getdents64: ['fd', 'out', 'u'],
  set_tid_address: ['p'],
  clock_gettime: ['clock', 'tsout'],
  clock_getres: ['clock', 'tsout'],
  clock_nanosleep: ['clock', 'x', 'ts', 'out'],
  exit_group: ['d'],
  epoll_wait: ['fd', 'out', 'd', 'd'],
  epoll_ctl: ['fd', 'epollop', 'fd', 'p'],
  tgkill: ['d', 'd', 'sig'],
  waitid: ['d', 'd', 'p', 'x', 'p'],
  openat: ['dirfd', 'path', 'oflags', 'mode'],
  mkdirat: ['dirfd', 'path', 'mode'],
  fchownat: ['dirfd', 'path', 'd', 'd', 'atflags'],
  newfstatat: ['dirfd', 'path', 'out', 'atflags'],
  unlinkat: ['dirfd', 'path', 'atflags'],
  renameat: ['dirfd', 'path', 'dirfd', 'path'],
  linkat: ['dirfd', 'path', 'dirfd', 'path', 'atflags'],
  symlinkat: ['path', 'dirfd', 'path'],
  readlinkat: ['dirfd', 'path', 'rbuf', 'u'],
  fchmodat: ['dirfd', 'path', 'mode'],
  faccessat: ['dirfd', 'path', 'access'],
  faccessat2: ['dirfd', 'path', 'access', 'atflags'],
  pselect6: ['d', 'p', 'p', 'p', 'p', 'p'],
  ppoll: ['p', 'u', 'ts', 'p', 'u'],
  set_robust_list: ['p', 'u'],
  utimensat: ['dirfd', 'path', 'p', 'atflags'],
  epoll_pwait: ['fd', 'out', 'd', 'd', 'p', 'u'],
  epoll_pwait2: ['fd', 'out', 'd', 'p', 'p', 'u'],
  eventfd: ['u'],
  eventfd2: ['u', 'x'],
  epoll_create1: ['x'],
  prlimit64: ['d', 'd', 'p', 'out'],
  syncfs: ['fd'],
  getcpu: ['out', 'out', 'p'],
  renameat2: ['dirfd', 'path', 'dirfd', 'path', 'x'],
  getrandom: ['out', 'u', 'x'],
  membarrier: ['d', 'x', 'd'],
  copy_file_range: ['fd', 'p', 'fd', 'p', 'u', 'x'],
  statx: ['dirfd', 'path', 'atflags', 'x', 'out'],
  rseq: ['p', 'u', 'x', 'x'],
  clone3: ['p', 'u'],
  kv_put: ['str', 'wbuf', 'u'],
  kv_get: ['str', 'out', 'p'],
};

/** The six argument registers of a call and what the tracer needs to show it. */
export interface CallArgs {
  name: string;
  args: bigint[];
}

/** Calls whose result is an address (shown in hex). */
const RETURNS_ADDRESS = new Set(['mmap', 'mremap', 'brk']);

export const returnsAddress = (name: string) => RETURNS_ADDRESS.has(name);

function iovec(mem: GuestMemory, address: bigint, count: bigint, total: bigint | undefined): string {
  const n = BigInt.asIntN(64, count);
  if (n < 0n || n > 1024n) return pointer(address);
  const shown = n > 8n ? 8 : Number(n);
  const items: string[] = [];
  let left = total;
  for (let i = 0; i < shown; i++) {
    const base = word(mem, address + BigInt(16 * i));
    const len = word(mem, address + BigInt(16 * i + 8));
    if (base === undefined || len === undefined) return pointer(address);
    let bytes = len;
    if (left !== undefined) {
      if (left < len) bytes = left;
      left -= bytes;
    }
    items.push(`{iov_base=${buffer(mem, base, bytes)}, iov_len=${len}}`);
  }
  return `[${items.join(', ')}${shown < Number(n) ? ', ...' : ''}]`;
}

/** A struct timespec: {tv_sec=1, tv_nsec=500000000}, NULL, or the pointer when it cannot be read. */
function timespec(mem: GuestMemory, address: bigint): string {
  if (address < 0x1000n || !mem.contains(address, 16)) return pointer(address);
  return `{tv_sec=${mem.readI64(address)}, tv_nsec=${mem.readI64(address + 8n)}}`;
}

/** One argument shown by its kind; `next` is the following argument (a buffer's length), `result` the call's at exit. */
function render(mem: GuestMemory, kind: Kind, value: bigint, next: bigint, result: bigint | undefined): string {
  const int = () => BigInt.asIntN(32, value).toString();
  switch (kind) {
    case 'd':
      return BigInt.asIntN(64, value).toString();
    case 'u':
      return BigInt.asUintN(64, value).toString();
    case 'x':
      return hex(value);
    case 'p':
    case 'out':
      return pointer(value);
    case 'ts':
      return timespec(mem, value);
    case 'tsout':
      return result !== undefined && BigInt.asIntN(64, result) === 0n ? timespec(mem, value) : pointer(value);
    case 'fdpair': {
      const ok = result !== undefined && BigInt.asIntN(64, result) === 0n && value >= 0x1000n && mem.contains(value, 8);
      return ok ? `[${mem.readI32(value)}, ${mem.readI32(value + 4n)}]` : pointer(value);
    }
    case 'fd':
      return int();
    case 'path':
      return cString(mem, value, true);
    case 'str':
      return cString(mem, value, false);
    case 'wbuf':
      return buffer(mem, value, next);
    case 'rbuf':
      return result !== undefined && BigInt.asIntN(64, result) >= 0n ? buffer(mem, value, result) : pointer(value);
    case 'iovw':
      return iovec(mem, value, next, undefined);
    case 'iovr':
      return result !== undefined && BigInt.asIntN(64, result) >= 0n ? iovec(mem, value, next, result) : pointer(value);
    case 'oflags':
      return F.openFlags(value);
    case 'mode':
      return F.mode(value);
    case 'prot':
      return F.prot(value);
    case 'mflags':
      return F.mapFlags(value);
    case 'clone':
      return F.cloneFlags(value);
    case 'sig':
      return F.signal(value);
    case 'fcntl':
      return F.fcntlCommand(value);
    case 'epollop':
      return F.epollOp(value);
    case 'futexop':
      return F.futexOp(value);
    case 'whence':
      return F.whence(value);
    case 'sighow':
      return F.sigprocmaskHow(value);
    case 'archprctl':
      return F.archPrctlCode(value);
    case 'clock':
      return F.clockId(value);
    case 'dirfd':
      return F.dirfd(value);
    case 'access':
      return F.accessMode(value);
    case 'atflags':
      return F.atFlags(value);
  }
}

const SIX_HEX: Kind[] = ['x', 'x', 'x', 'x', 'x', 'x'];
/** open's mode means something only with O_CREAT or O_TMPFILE (strace leaves it out otherwise). */
const O_CREAT = 0o100n;
const O_TMPFILE = 0o20000000n;
/** futex's arguments past the third count only for some operations (strace shows only those). */
const FUTEX_ARGS: Record<number, number> = { 0: 4, 1: 3, 9: 6, 10: 6 };

/** The kinds of a call's arguments, as many as this call uses; a call without a signature shows six in hex. */
function kindsOf(call: CallArgs): Kind[] {
  const kinds = SIGNATURES[call.name] ?? SIX_HEX;
  const flagsAt = call.name === 'open' ? 1 : call.name === 'openat' ? 2 : -1;
  if (flagsAt >= 0 && (call.args[flagsAt] & (O_CREAT | O_TMPFILE)) === 0n) return kinds.slice(0, flagsAt + 1);
  if (call.name === 'futex') return kinds.slice(0, FUTEX_ARGS[Number(call.args[1] & 0x7fn)] ?? 6);
  return kinds;
}

/** Calls that never return to the program: their line ends with `= ?` at once. */
const NO_RETURN = new Set(['exit', 'exit_group']);
export const neverReturns = (name: string) => NO_RETURN.has(name);

/**
 * The arguments shown when the call is made: those before the first the kernel
 * fills in. `complete` says whether that was all of them.
 */
export function entryArgs(mem: GuestMemory, call: CallArgs): { text: string; complete: boolean } {
  const kinds = kindsOf(call);
  const shown: string[] = [];
  for (let i = 0; i < kinds.length; i++) {
    if (AT_EXIT.has(kinds[i])) return { text: shown.join(', '), complete: false };
    shown.push(render(mem, kinds[i], call.args[i], call.args[i + 1] ?? 0n, undefined));
  }
  return { text: shown.join(', '), complete: true };
}

/** The arguments shown when the call returns: from the first the kernel fills in to the end. */
export function exitArgs(mem: GuestMemory, call: CallArgs, result: bigint): string {
  const kinds = kindsOf(call);
  const first = kinds.findIndex((k) => AT_EXIT.has(k));
  if (first < 0) return '';
  const shown: string[] = [];
  for (let i = first; i < kinds.length; i++) shown.push(render(mem, kinds[i], call.args[i], call.args[i + 1] ?? 0n, result));
  return shown.join(', ');
}
