// Every C library function the project calls, declared once, as koffi binds it: the
// VMM's engine (dlopen, dlsym, mprotect, mmap and munmap of its machine-code pages,
// peek and poke), its guest memory (memmove, memset, addressOf), its host share
// (openat2, getdents64, mkdirat, unlinkat, renameat, lseek, close), its gdb stub's
// socket (socket, bind, listen, accept4, recv, send, poll) and the sector
// exercise's shared memory (shm_open, mmap, futex through syscall, poll, ...).
//
// These are the raw functions: no checks, no conversions, C's results as koffi returns
// them. The checked, number-addressed wrappers the sector exercise uses are in
// index.ts; the engine's are in vmm/engine/libc.ts. Callers on hot paths (memmove,
// memset, syscall) call these directly: a binding here costs what it cost in the
// module it came from.
//
// Address arguments are uintptr_t, which koffi takes as a number or a BigInt;
// uintptr_t results arrive as a number when exact (user-space addresses are below
// 2^47) and as a BigInt otherwise (MAP_FAILED, (void *)-1, is 2^64 - 1).
//
// koffi loads once per thread (each worker thread gets its own module instance). Each
// declaration is marked pure, so a bundle (the VMM's command line) keeps only the
// functions its code calls: declaring a function costs time at every start.
import koffi from './koffi.js';

export { koffi };

const libc = koffi.load('libc.so.6');

// glibc's syscall() is a register shuffle in assembly, so declaring it with seven
// fixed `long` arguments is exact on x86-64 and much cheaper than a variadic call.
export const syscall = /* @__PURE__ */ libc.func('syscall', 'long', ['long', 'long', 'long', 'long', 'long', 'long', 'long']);

/**
 * The socket calls (the VMM's direct network backend, vmm/net/direct-link.ts): syscall()
 * typed by where the pointers go, number first. `buf` arguments take a Uint8Array.
 */
/** (nr, fd, buf, len, flags, addr, addrlen *): read, write, recvfrom */
export const sys_io = /* @__PURE__ */ libc.func('syscall', 'long', ['long', 'long', 'void *', 'long', 'long', 'void *', 'void *']);
/** (nr, fd, buf, len, flags, addr, addrlen): sendto; bind and connect (fd, addr, len); epoll_wait (epfd, events, max, timeout) */
export const sys_to = /* @__PURE__ */ libc.func('syscall', 'long', ['long', 'long', 'void *', 'long', 'long', 'void *', 'long']);
/** (nr, fd, addr, addrlen *, flags): accept4, getsockname, getpeername */
export const sys_name = /* @__PURE__ */ libc.func('syscall', 'long', ['long', 'long', 'void *', 'void *', 'long', 'long', 'long']);
/** (nr, fd, level, name, value, len): setsockopt; epoll_ctl (epfd, op, fd, event) */
export const sys_opt = /* @__PURE__ */ libc.func('syscall', 'long', ['long', 'long', 'long', 'long', 'void *', 'long', 'long']);
/** (nr, fd, level, name, value, len *): getsockopt */
export const sys_getopt = /* @__PURE__ */ libc.func('syscall', 'long', ['long', 'long', 'long', 'long', 'void *', 'void *', 'long']);

/** openat2(2) and getdents64(2), which glibc does not wrap: syscall() typed for each (number first). */
export const syscall_openat2 = /* @__PURE__ */ libc.func('syscall', 'long', ['long', 'long', 'const char *', 'void *', 'long']);
export const syscall_getdents64 = /* @__PURE__ */ libc.func('syscall', 'long', ['long', 'long', 'void *', 'long']);

export const shm_open = /* @__PURE__ */ libc.func('int shm_open(const char *name, int oflag, uint32_t mode)');
export const shm_unlink = /* @__PURE__ */ libc.func('int shm_unlink(const char *name)');
export const ftruncate = /* @__PURE__ */ libc.func('int ftruncate(int fd, int64_t length)');
export const lseek = /* @__PURE__ */ libc.func('int64_t lseek(int fd, int64_t offset, int whence)');
export const close = /* @__PURE__ */ libc.func('int close(int fd)');
export const mkdirat = /* @__PURE__ */ libc.func('int mkdirat(int dirfd, const char *path, uint32_t mode)');
export const unlinkat = /* @__PURE__ */ libc.func('int unlinkat(int dirfd, const char *path, int flags)');
export const renameat = /* @__PURE__ */ libc.func('int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)');
export const utimensat = /* @__PURE__ */ libc.func('int utimensat(int dirfd, const char *path, const uint8_t *times, int flags)');
export const syncfs = /* @__PURE__ */ libc.func('int syncfs(int fd)');
export const poll = /* @__PURE__ */ libc.func('int poll(void *fds, unsigned long nfds, int timeout)');

// TCP on loopback for the VMM's gdb stub (vmm/debug/socket.ts): synchronous calls, since
// the emulation loop runs where Node's event loop does not.
export const socket = /* @__PURE__ */ libc.func('int socket(int domain, int type, int protocol)');
export const setsockopt = /* @__PURE__ */ libc.func('int setsockopt(int fd, int level, int name, const int *value, uint32_t len)');
export const bind = /* @__PURE__ */ libc.func('int bind(int fd, const uint8_t *addr, uint32_t len)');
export const getsockname = /* @__PURE__ */ libc.func('int getsockname(int fd, _Inout_ uint8_t *addr, _Inout_ uint32_t *len)');
export const listen = /* @__PURE__ */ libc.func('int listen(int fd, int backlog)');
export const accept4 = /* @__PURE__ */ libc.func('int accept4(int fd, void *addr, void *len, int flags)');
export const recv = /* @__PURE__ */ libc.func('intptr_t recv(int fd, _Out_ uint8_t *buf, size_t len, int flags)');
export const send = /* @__PURE__ */ libc.func('intptr_t send(int fd, const uint8_t *buf, size_t len, int flags)');

export const mmap = /* @__PURE__ */ libc.func('uintptr_t mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, intptr_t offset)');
export const munmap = /* @__PURE__ */ libc.func('int munmap(uintptr_t addr, size_t len)');
export const mprotect = /* @__PURE__ */ libc.func('int mprotect(uintptr_t addr, size_t len, int prot)');
export const madvise = /* @__PURE__ */ libc.func('int madvise(uintptr_t addr, size_t len, int advice)');

export const dlopen = /* @__PURE__ */ libc.func('void *dlopen(const char *file, int mode)');
export const dlsym = /* @__PURE__ */ libc.func('uintptr_t dlsym(void *handle, const char *name)');

/** memcpy from a native address into a buffer. */
export const peek = /* @__PURE__ */ libc.func('memcpy', 'void *', ['_Out_ uint8_t *', 'uintptr_t', 'size_t']);
/** memcpy from a buffer to a native address. */
export const poke = /* @__PURE__ */ libc.func('memcpy', 'void *', ['uintptr_t', 'const uint8_t *', 'size_t']);
/** memmove between native addresses (numbers: exact below 2^53). */
export const memmove = /* @__PURE__ */ libc.func('memmove', 'void', ['uintptr_t', 'uintptr_t', 'size_t']);
/** memset at a native address. */
export const memset = /* @__PURE__ */ libc.func('memset', 'void', ['uintptr_t', 'int', 'size_t']);
/** memmove with n = 0 returns its first argument: the address koffi passes for a buffer. */
export const addressOf = /* @__PURE__ */ libc.func('memmove', 'uintptr_t', ['void *', 'void *', 'size_t']);
