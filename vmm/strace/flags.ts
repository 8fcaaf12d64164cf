// Linux's x86-64 flag and command values, rendered by name as strace does:
// `O_WRONLY|O_CREAT|O_TRUNC`, `PROT_READ|PROT_WRITE`, `SIGTERM`, `F_GETFL`. Bits
// without a name stay in hex at the end (`O_RDONLY|0x40000000`).

type Bits = readonly [string, number][];

/** `value` as NAME|NAME|0xrest; `zero` when no bit is set. */
function bits(value: bigint, table: Bits, zero = '0'): string {
  let rest = BigInt.asUintN(64, value);
  const names: string[] = [];
  for (const [name, bit] of table) {
    const b = BigInt(bit);
    if (b !== 0n && (rest & b) === b) {
      names.push(name);
      rest &= ~b;
    }
  }
  if (rest !== 0n) names.push(`0x${rest.toString(16)}`);
  return names.length === 0 ? zero : names.join('|');
}

/** `value` by name from a table of values, else decimal. */
function oneOf(value: bigint, table: Record<number, string>): string {
  const v = Number(BigInt.asIntN(32, value));
  return table[v] ?? v.toString();
}

const OPEN_FLAGS: Bits = [
  ['O_CREAT', 0o100],
  ['O_EXCL', 0o200],
  ['O_NOCTTY', 0o400],
  ['O_TRUNC', 0o1000],
  ['O_APPEND', 0o2000],
  ['O_NONBLOCK', 0o4000],
  ['O_DSYNC', 0o10000],
  ['O_ASYNC', 0o20000],
  ['O_DIRECT', 0o40000],
  ['O_LARGEFILE', 0o100000],
  ['O_DIRECTORY', 0o200000],
  ['O_NOFOLLOW', 0o400000],
  ['O_NOATIME', 0o1000000],
  ['O_CLOEXEC', 0o2000000],
  ['O_SYNC', 0o4010000],
  ['O_PATH', 0o10000000],
  ['O_TMPFILE', 0o20200000],
];

/** open's flags: the access mode by name, then the other bits. */
export function openFlags(value: bigint): string {
  const v = BigInt.asUintN(32, value);
  const mode = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][Number(v & 3n)];
  const rest = bits(v & ~3n, OPEN_FLAGS, '');
  return rest === '' ? mode : `${mode}|${rest}`;
}

const PROT: Bits = [
  ['PROT_READ', 1],
  ['PROT_WRITE', 2],
  ['PROT_EXEC', 4],
  ['PROT_GROWSDOWN', 0x01000000],
  ['PROT_GROWSUP', 0x02000000],
];
export const prot = (v: bigint) => bits(v, PROT, 'PROT_NONE');

const MAP: Bits = [
  ['MAP_SHARED_VALIDATE', 3],
  ['MAP_SHARED', 1],
  ['MAP_PRIVATE', 2],
  ['MAP_FIXED', 0x10],
  ['MAP_ANONYMOUS', 0x20],
  ['MAP_32BIT', 0x40],
  ['MAP_GROWSDOWN', 0x100],
  ['MAP_DENYWRITE', 0x800],
  ['MAP_EXECUTABLE', 0x1000],
  ['MAP_LOCKED', 0x2000],
  ['MAP_NORESERVE', 0x4000],
  ['MAP_POPULATE', 0x8000],
  ['MAP_NONBLOCK', 0x10000],
  ['MAP_STACK', 0x20000],
  ['MAP_HUGETLB', 0x40000],
  ['MAP_SYNC', 0x80000],
  ['MAP_FIXED_NOREPLACE', 0x100000],
];
export const mapFlags = (v: bigint) => bits(v, MAP);

const CLONE: Bits = [
  ['CLONE_VM', 0x100],
  ['CLONE_FS', 0x200],
  ['CLONE_FILES', 0x400],
  ['CLONE_SIGHAND', 0x800],
  ['CLONE_PIDFD', 0x1000],
  ['CLONE_PTRACE', 0x2000],
  ['CLONE_VFORK', 0x4000],
  ['CLONE_PARENT', 0x8000],
  ['CLONE_THREAD', 0x10000],
  ['CLONE_NEWNS', 0x20000],
  ['CLONE_SYSVSEM', 0x40000],
  ['CLONE_SETTLS', 0x80000],
  ['CLONE_PARENT_SETTID', 0x100000],
  ['CLONE_CHILD_CLEARTID', 0x200000],
  ['CLONE_DETACHED', 0x400000],
  ['CLONE_UNTRACED', 0x800000],
  ['CLONE_CHILD_SETTID', 0x1000000],
  ['CLONE_NEWCGROUP', 0x2000000],
  ['CLONE_NEWUTS', 0x4000000],
  ['CLONE_NEWIPC', 0x8000000],
  ['CLONE_NEWUSER', 0x10000000],
  ['CLONE_NEWPID', 0x20000000],
  ['CLONE_NEWNET', 0x40000000],
  ['CLONE_IO', 0x80000000],
];

/** clone's flags: the bits, and the exit signal in the low byte (`CLONE_VM|...|SIGCHLD`). */
export function cloneFlags(value: bigint): string {
  const v = BigInt.asUintN(64, value);
  const named = bits(v & ~0xffn, CLONE, '');
  const exit = v & 0xffn;
  const parts = [named, exit === 0n ? '' : signal(exit)].filter((p) => p !== '');
  return parts.length === 0 ? '0' : parts.join('|');
}

const SIGNALS = [
  '',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

/** A signal number by name: SIGTERM, SIGRTMIN+3, else decimal. */
export function signal(value: bigint): string {
  const n = Number(BigInt.asIntN(32, value));
  if (n > 0 && n < SIGNALS.length) return SIGNALS[n];
  if (n >= 32 && n <= 64) return n === 32 ? 'SIGRTMIN' : `SIGRTMIN+${n - 32}`;
  return n.toString();
}

export const fcntlCommand = (v: bigint) =>
  oneOf(v, {
    0: 'F_DUPFD',
    1: 'F_GETFD',
    2: 'F_SETFD',
    3: 'F_GETFL',
    4: 'F_SETFL',
    5: 'F_GETLK',
    6: 'F_SETLK',
    7: 'F_SETLKW',
    8: 'F_SETOWN',
    9: 'F_GETOWN',
    36: 'F_OFD_GETLK',
    37: 'F_OFD_SETLK',
    38: 'F_OFD_SETLKW',
    1024: 'F_SETLEASE',
    1025: 'F_GETLEASE',
    1030: 'F_DUPFD_CLOEXEC',
    1031: 'F_SETPIPE_SZ',
    1032: 'F_GETPIPE_SZ',
  });

export const epollOp = (v: bigint) => oneOf(v, { 1: 'EPOLL_CTL_ADD', 2: 'EPOLL_CTL_DEL', 3: 'EPOLL_CTL_MOD' });

const FUTEX_OPS: Record<number, string> = {
  0: 'FUTEX_WAIT',
  1: 'FUTEX_WAKE',
  2: 'FUTEX_FD',
  3: 'FUTEX_REQUEUE',
  4: 'FUTEX_CMP_REQUEUE',
  5: 'FUTEX_WAKE_OP',
  6: 'FUTEX_LOCK_PI',
  7: 'FUTEX_UNLOCK_PI',
  8: 'FUTEX_TRYLOCK_PI',
  9: 'FUTEX_WAIT_BITSET',
  10: 'FUTEX_WAKE_BITSET',
};

/** futex's op: the command, with _PRIVATE and |FUTEX_CLOCK_REALTIME as strace writes them. */
export function futexOp(value: bigint): string {
  const v = Number(BigInt.asUintN(32, value));
  const cmd = FUTEX_OPS[v & 0x7f] ?? String(v & 0x7f);
  return `${cmd}${v & 0x80 ? '_PRIVATE' : ''}${v & 0x100 ? '|FUTEX_CLOCK_REALTIME' : ''}${v & ~0x1ff ? `|0x${(v & ~0x1ff).toString(16)}` : ''}`;
}

export const whence = (v: bigint) => oneOf(v, { 0: 'SEEK_SET', 1: 'SEEK_CUR', 2: 'SEEK_END', 3: 'SEEK_DATA', 4: 'SEEK_HOLE' });
export const sigprocmaskHow = (v: bigint) => oneOf(v, { 0: 'SIG_BLOCK', 1: 'SIG_UNBLOCK', 2: 'SIG_SETMASK' });
export const archPrctlCode = (v: bigint) => oneOf(v, { 4097: 'ARCH_SET_GS', 4098: 'ARCH_SET_FS', 4099: 'ARCH_GET_FS', 4100: 'ARCH_GET_GS' });
export const clockId = (v: bigint) =>
  oneOf(v, {
    0: 'CLOCK_REALTIME',
    1: 'CLOCK_MONOTONIC',
    2: 'CLOCK_PROCESS_CPUTIME_ID',
    3: 'CLOCK_THREAD_CPUTIME_ID',
    4: 'CLOCK_MONOTONIC_RAW',
    5: 'CLOCK_REALTIME_COARSE',
    6: 'CLOCK_MONOTONIC_COARSE',
    7: 'CLOCK_BOOTTIME',
  });

/** A directory descriptor: AT_FDCWD by name. */
export const dirfd = (v: bigint) => (BigInt.asIntN(32, v) === -100n ? 'AT_FDCWD' : BigInt.asIntN(32, v).toString());

const ACCESS: Bits = [
  ['R_OK', 4],
  ['W_OK', 2],
  ['X_OK', 1],
];
export const accessMode = (v: bigint) => bits(v, ACCESS, 'F_OK');

const AT_FLAGS: Bits = [
  ['AT_SYMLINK_NOFOLLOW', 0x100],
  ['AT_REMOVEDIR', 0x200],
  ['AT_SYMLINK_FOLLOW', 0x400],
  ['AT_NO_AUTOMOUNT', 0x800],
  ['AT_EMPTY_PATH', 0x1000],
];
export const atFlags = (v: bigint) => bits(v, AT_FLAGS);

/** A file mode in octal, as strace writes it (0644). */
export const mode = (v: bigint) => (BigInt.asUintN(32, v) === 0n ? '0' : `0${BigInt.asUintN(32, v).toString(8)}`);
