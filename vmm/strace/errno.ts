// Linux's errno numbers with their names and messages (asm-generic/errno-base.h,
// errno.h; the messages are glibc's strerror texts, as strace prints them), and the
// kernel-internal restart codes strace shows for an interrupted call.

const ERRNO: Record<number, [string, string]> = {
  1: ['EPERM', 'Operation not permitted'],
  2: ['ENOENT', 'No such file or directory'],
  3: ['ESRCH', 'No such process'],
  4: ['EINTR', 'Interrupted system call'],
  5: ['EIO', 'Input/output error'],
  6: ['ENXIO', 'No such device or address'],
  7: ['E2BIG', 'Argument list too long'],
  8: ['ENOEXEC', 'Exec format error'],
  9: ['EBADF', 'Bad file descriptor'],
  10: ['ECHILD', 'No child processes'],
  11: ['EAGAIN', 'Resource temporarily unavailable'],
  12: ['ENOMEM', 'Cannot allocate memory'],
  13: ['EACCES', 'Permission denied'],
  14: ['EFAULT', 'Bad address'],
  15: ['ENOTBLK', 'Block device required'],
  16: ['EBUSY', 'Device or resource busy'],
  17: ['EEXIST', 'File exists'],
  18: ['EXDEV', 'Invalid cross-device link'],
  19: ['ENODEV', 'No such device'],
  20: ['ENOTDIR', 'Not a directory'],
  21: ['EISDIR', 'Is a directory'],
  22: ['EINVAL', 'Invalid argument'],
  23: ['ENFILE', 'Too many open files in system'],
  24: ['EMFILE', 'Too many open files'],
  25: ['ENOTTY', 'Inappropriate ioctl for device'],
  26: ['ETXTBSY', 'Text file busy'],
  27: ['EFBIG', 'File too large'],
  28: ['ENOSPC', 'No space left on device'],
  29: ['ESPIPE', 'Illegal seek'],
  30: ['EROFS', 'Read-only file system'],
  31: ['EMLINK', 'Too many links'],
  32: ['EPIPE', 'Broken pipe'],
  33: ['EDOM', 'Numerical argument out of domain'],
  34: ['ERANGE', 'Numerical result out of range'],
  35: ['EDEADLK', 'Resource deadlock avoided'],
  36: ['ENAMETOOLONG', 'File name too long'],
  37: ['ENOLCK', 'No locks available'],
  38: ['ENOSYS', 'Function not implemented'],
  39: ['ENOTEMPTY', 'Directory not empty'],
  40: ['ELOOP', 'Too many levels of symbolic links'],
  42: ['ENOMSG', 'No message of desired type'],
  43: ['EIDRM', 'Identifier removed'],
  61: ['ENODATA', 'No data available'],
  62: ['ETIME', 'Timer expired'],
  71: ['EPROTO', 'Protocol error'],
  74: ['EBADMSG', 'Bad message'],
  75: ['EOVERFLOW', 'Value too large for defined data type'],
  84: ['EILSEQ', 'Invalid or incomplete multibyte or wide character'],
  88: ['ENOTSOCK', 'Socket operation on non-socket'],
  95: ['EOPNOTSUPP', 'Operation not supported'],
  97: ['EAFNOSUPPORT', 'Address family not supported by protocol'],
  98: ['EADDRINUSE', 'Address already in use'],
  104: ['ECONNRESET', 'Connection reset by peer'],
  110: ['ETIMEDOUT', 'Connection timed out'],
  111: ['ECONNREFUSED', 'Connection refused'],
  114: ['EALREADY', 'Operation already in progress'],
  115: ['EINPROGRESS', 'Operation now in progress'],
  122: ['EDQUOT', 'Disk quota exceeded'],
  125: ['ECANCELED', 'Operation canceled'],
  130: ['EOWNERDEAD', 'Owner died'],
  512: ['ERESTARTSYS', 'To be restarted if SA_RESTART is set'],
  513: ['ERESTARTNOINTR', 'To be restarted'],
  514: ['ERESTARTNOHAND', 'To be restarted if no handler'],
  516: ['ERESTART_RESTARTBLOCK', 'Interrupted by signal'],
};

/** The first restart code: results from -512 down are the kernel's, never the program's. */
const RESTART_FIRST = 512;
/** Results from -4095 to -1 are errors (Linux's MAX_ERRNO). */
const MAX_ERRNO = 4095n;

/**
 * A system call's result as strace shows it: `3`, `0x7f0000` (for calls returning
 * addresses), `-1 ENOENT (No such file or directory)`, or `? ERESTARTSYS (...)`
 * for a call a signal interrupted and that will be restarted or fail with EINTR.
 */
export function renderResult(value: bigint, asAddress: boolean): string {
  const signed = BigInt.asIntN(64, value);
  if (signed < 0n && signed >= -MAX_ERRNO) {
    const errno = Number(-signed);
    const known = ERRNO[errno];
    if (errno >= RESTART_FIRST && known) return `? ${known[0]} (${known[1]})`;
    return known ? `-1 ${known[0]} (${known[1]})` : `-1 E${errno} (Unknown error ${errno})`;
  }
  return asAddress ? `0x${BigInt.asUintN(64, value).toString(16)}` : signed.toString();
}

/** An errno's name (`ENOENT`), or undefined. */
export function errnoName(errno: number): string | undefined {
  return ERRNO[errno]?.[0];
}
