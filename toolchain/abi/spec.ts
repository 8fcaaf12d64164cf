// The guest ABI, written once. Every port number, system-call number, shared struct
// layout and memory-map address that both the guest (NASM kernel, C library) and the
// host (TypeScript VMM) must agree on lives here; toolchain/abi/generate.ts turns it
// into guest-src/kernel/generated/abi.inc and syscall_table.inc (the kernel's dispatch
// table), guest-src/app/include/unikernel/abi.h, vmm/generated/abi*.ts and
// channel/kv-limits.ts. A test fails when any generated file is stale, and one when
// the spec changes without a new ABI_VERSION in toolchain/abi/version.json.

export type { Constant, Field, FieldType, StructSpec, Syscall } from './types.js';
import type { Constant, Syscall } from './types.js';

/**
 * Version of this ABI; the boot info carries it so a mismatched kernel is refused.
 * toolchain/abi/version.json records it with a hash of the spec; a test fails when
 * the spec changes and the two are not updated together.
 */
export const ABI_VERSION = 4;

/**
 * Hypercall ports. The guest writes, with a 32-bit `out`, the guest-physical address of
 * the call's packed argument struct (HermitCore's uhyve convention). uhyve's numbers are
 * kept where uhyve has the call; new calls continue its 0x40 stride.
 */
export const PORTS: Constant[] = [
  {
    name: 'PREEMPT',
    value: 0x80,
    doc: "the kernel's preemption stub (CSTAR) says: this vCPU's time slice may end here (8-bit port: `out 0x80, al` clobbers nothing)",
  },
  { name: 'WRITE', value: 0x400, doc: 'write to a host stream (console: fd 1 and 2; fd >= 3: a host-share handle) {HcWrite}' },
  { name: 'OPEN', value: 0x440, doc: 'host share: open a path under the shared directory {HcOpen}' },
  { name: 'CLOSE', value: 0x480, doc: 'host share: close a handle {HcClose}' },
  { name: 'READ', value: 0x500, doc: 'read from a host stream (console: fd 0; fd >= 3: a host-share handle) {HcRead}' },
  { name: 'EXIT', value: 0x540, doc: 'end the VM; the value written is the exit status itself' },
  { name: 'LSEEK', value: 0x580, doc: "host share: move a handle's offset {HcLseek}" },
  { name: 'CMDSIZE', value: 0x740, doc: 'uhyve argument sizes (arguments travel in the boot info instead)' },
  { name: 'CMDVAL', value: 0x780, doc: 'uhyve argument values (arguments travel in the boot info instead)' },
  { name: 'UNLINK', value: 0x840, doc: 'host share: remove a file {HcUnlink}' },
  { name: 'KV_PUT', value: 0x900, doc: 'key-value put or delete: submit the request {HcKv}' },
  { name: 'KV_GET', value: 0x940, doc: 'key-value get: submit the request {HcKv}' },
  { name: 'CLOCK', value: 0x980, doc: 'read the host clocks {HcClock}' },
  { name: 'RANDOM', value: 0x9c0, doc: 'fill a buffer with host randomness {HcRandom}' },
  { name: 'NOP', value: 0xa00, doc: 'does nothing: the floor of a hypercall round trip (benchmarks)' },
  { name: 'PANIC', value: 0xa40, doc: 'the kernel died (exception report already printed); value is the status' },
  { name: 'HOST_MKDIR', value: 0xa80, doc: 'host share: make a directory {HcMkdir}' },
  { name: 'HOST_RMDIR', value: 0xac0, doc: 'host share: remove an empty directory {HcRmdir}' },
  { name: 'HOST_RENAME', value: 0xb00, doc: 'host share: rename inside the share {HcRename}' },
  { name: 'HOST_STAT', value: 0xb40, doc: 'host share: stat a path or a handle {HcStat}' },
  { name: 'HOST_GETDENTS', value: 0xb80, doc: 'host share: linux_dirent64 records of a directory handle {HcGetdents}' },
  { name: 'HOST_FTRUNCATE', value: 0xbc0, doc: 'host share: set the size of a handle or a path {HcFtruncate}' },
  { name: 'COPY', value: 0xd80, doc: 'copy bytes within guest RAM at host speed (memmove semantics) {HcCopy}' },
  { name: 'FILL', value: 0xdc0, doc: 'fill bytes of guest RAM with one value at host speed {HcFill}' },
  { name: 'TIMER', value: 0xd00, doc: "arm this vCPU's one-shot timer: VEC_TIMER at a CLOCK_MONOTONIC deadline {HcTimer}" },
  { name: 'IPI', value: 0xd40, doc: 'send VEC_IPI to the vCPU whose number is the value written' },
  {
    name: 'CODE_CHANGED',
    value: 0xe00,
    doc: 'code in a range may have changed (mprotect with PROT_EXEC): every vCPU drops its translations of it {HcCodeRange}',
  },
  {
    name: 'SWITCH',
    value: 0xe40,
    doc: 'the kernel is about to give this vCPU to another thread, while BootInfo.switch_exit asks; the value written is where it continues (the VMM ends the time slice there)',
  },
];

/** Packed argument structs of the hypercalls and the boot info (structs.ts). */
export { STRUCTS } from './structs.js';

/** The guest-physical memory map (identity mapped: virtual = physical). */
export const MEMORY: Constant[] = [
  { name: 'PAGE_SIZE', value: 0x1000, doc: 'bytes per page' },
  { name: 'NULL_GUARD_END', value: 0x1000, doc: '[0, 0x1000) is never mapped: NULL dereferences fault' },
  { name: 'BOOT_INFO_ADDR', value: 0x1000, doc: 'BootInfo (VMM-written)' },
  { name: 'BOOT_GDT_ADDR', value: 0x2000, doc: "the VMM's boot GDT (the kernel loads its own)" },
  { name: 'PML4_ADDR', value: 0x3000, doc: 'page-map level 4' },
  { name: 'PDPT_ADDR', value: 0x4000, doc: 'page-directory pointer table (one: 512 GiB reach)' },
  { name: 'PD_ADDR', value: 0x5000, doc: 'four page directories of 2 MiB pages: up to 4 GiB of RAM' },
  { name: 'PT0_ADDR', value: 0x9000, doc: '4 KiB page table for the first 2 MiB (leaves page 0 unmapped)' },
  { name: 'BOOT_AREA_END', value: 0x10000, doc: "end of the VMM's boot area (BootInfo, GDT, page tables); programs may load from here up" },
  { name: 'ARGS_MAX', value: 0xf0000, doc: 'most bytes of argv/envp pointers and strings (the VMM writes them just below the kernel)' },
  {
    name: 'KERNEL_BASE',
    value: 0x180000,
    doc: "the kernel image is linked here and moved up by whole MiB to the top of RAM (below KERNEL_TOP) with its link-time relocations; whole MiB, so that its pages keep the upper half of each MiB in the engine's TLB (256 entries, chosen by page number mod 256) and a program at 4 MiB the lower",
  },
  { name: 'KERNEL_TOP', value: 0x80000000, doc: 'the moved kernel ends at or below this (its 32-bit sign-extended absolute addresses reach 2 GiB)' },
  { name: 'APP_BASE_MIN', value: 0x10000, doc: 'application images load at or above this (64 KiB; GNU ld links at 0x400000, lld at 0x200000)' },
  { name: 'APP_PIE_BASE', value: 0x400000, doc: 'where the VMM loads a static PIE (ET_DYN without PT_INTERP)' },
  { name: 'MAX_RAM', value: 0x100000000, doc: 'largest guest RAM the page tables can map (4 GiB)' },
  { name: 'MIN_RAM', value: 0x1000000, doc: 'smallest guest RAM (16 MiB)' },
];

export const MISC: Constant[] = [
  { name: 'BOOT_MAGIC', value: 0x4b56554e494b4f42n, doc: 'BootInfo.magic' },
  { name: 'MAX_CPUS', value: 16, doc: 'most vCPUs the kernel supports' },
  { name: 'IST_STACK_SIZE', value: 0x4000, doc: 'bytes of each per-CPU interrupt stack' },
  { name: 'KERNEL_STACK_SIZE', value: 0x4000, doc: 'bytes of each kernel stack' },
  { name: 'USER_STACK_SIZE', value: 0x200000, doc: "bytes of the application's main stack" },
  { name: 'VEC_TIMER', value: 0x20, doc: "interrupt vector: the vCPU's timer (one-shot deadline, or the VMM's preemption tick)" },
  { name: 'VEC_IPI', value: 0x21, doc: 'interrupt vector: another vCPU asked this one to look at its run queue' },
  { name: 'VEC_IO', value: 0x22, doc: 'interrupt vector: an I/O request finished' },
  { name: 'TICK_NS', value: 10000000, doc: 'the VMM raises VEC_TIMER after every 10 ms a vCPU runs (preemption)' },
  { name: 'MAX_TASKS', value: 4096, doc: 'most threads alive at once' },
  { name: 'TASK_SIZE', value: 0x4000, doc: 'bytes per task: its Task block and its kernel stack' },
  { name: 'KV_OP_GET', value: 1, doc: 'HcKv.op: read a key' },
  { name: 'KV_OP_PUT', value: 2, doc: 'HcKv.op: store a value (1 .. KV_VALUE_MAX bytes)' },
  { name: 'KV_OP_DELETE', value: 3, doc: 'HcKv.op: remove a key (missing keys succeed)' },
  { name: 'KV_OK', value: 0, doc: 'HcKv.status: done' },
  { name: 'KV_ABSENT', value: -1, doc: 'HcKv.status: no such key, or the request failed' },
  { name: 'KV_TOO_SMALL', value: -2, doc: 'HcKv.status: the get buffer is too small (result_len says how big)' },
  { name: 'KV_KEY_MAX', value: 1024, doc: 'longest key, in bytes before the NUL' },
  { name: 'KV_VALUE_MAX', value: 4096, doc: 'longest value, in bytes' },
  { name: 'PATH_MAX', value: 4096, doc: 'longest path the kernel and the host share take, its NUL included' },
  { name: 'BOOT_FLAG_HOST_SHARE', value: 1, doc: 'BootInfo.flags: --share is on; the kernel mounts it at /host' },
  { name: 'HOST_HANDLE_BASE', value: 3, doc: 'host-share handles start here (below: the console streams)' },
  { name: 'PRELOAD_MAGIC', value: 0x31444c50564b55n, doc: 'first 8 bytes of a --preload archive ("UKVPLD1\\0")' },
];

/**
 * System calls. Linux x86-64 numbers (the kernel runs unmodified musl binaries); the
 * project's own calls sit far above Linux's range so they can never collide. `handler`
 * names the kernel routine (NASM label) that answers the call: the generator builds the
 * kernel's dispatch table from it (guest-src/kernel/generated/syscall_table.inc), and
 * every number below SYSCALL_TABLE_SIZE that is not listed goes to sys_unknown.
 */
export const SYSCALLS: Syscall[] = [
  { name: 'read', value: 0, handler: 'sys_fs_read', doc: '' },
  { name: 'write', value: 1, handler: 'sys_fs_write', doc: '' },
  { name: 'close', value: 3, handler: 'sys_fs_close', doc: '' },
  { name: 'fstat', value: 5, handler: 'sys_fs_fstat', doc: '' },
  { name: 'poll', value: 7, handler: 'sys_unknown', doc: 'not implemented: sys_unknown answers -ENOSYS (reported once per number)' },
  { name: 'lseek', value: 8, handler: 'sys_fs_lseek', doc: '' },
  { name: 'mmap', value: 9, handler: 'sys_mmap', doc: '' },
  { name: 'mprotect', value: 10, handler: 'sys_mprotect', doc: '' },
  { name: 'munmap', value: 11, handler: 'sys_munmap', doc: '' },
  { name: 'brk', value: 12, handler: 'sys_brk', doc: '' },
  { name: 'rt_sigaction', value: 13, handler: 'sys_zero', doc: '' },
  { name: 'rt_sigprocmask', value: 14, handler: 'sys_zero', doc: '' },
  { name: 'ioctl', value: 16, handler: 'sys_fs_ioctl', doc: '' },
  { name: 'readv', value: 19, handler: 'sys_fs_readv', doc: '' },
  { name: 'writev', value: 20, handler: 'sys_fs_writev', doc: '' },
  { name: 'sched_yield', value: 24, handler: 'sys_sched_yield', doc: '' },
  { name: 'madvise', value: 28, handler: 'sys_accept', doc: '' },
  { name: 'nanosleep', value: 35, handler: 'sys_nanosleep', doc: '' },
  { name: 'getpid', value: 39, handler: 'sys_getpid', doc: '' },
  { name: 'clone', value: 56, handler: 'sys_clone', doc: '' },
  { name: 'exit', value: 60, handler: 'sys_exit_thread', doc: '' },
  { name: 'uname', value: 63, handler: 'sys_uname', doc: '' },
  { name: 'getuid', value: 102, handler: 'sys_zero', doc: '' },
  { name: 'getgid', value: 104, handler: 'sys_zero', doc: '' },
  { name: 'geteuid', value: 107, handler: 'sys_zero', doc: '' },
  { name: 'getegid', value: 108, handler: 'sys_zero', doc: '' },
  { name: 'getppid', value: 110, handler: 'sys_zero', doc: '' },
  { name: 'sigaltstack', value: 131, handler: 'sys_zero', doc: '' },
  { name: 'arch_prctl', value: 158, handler: 'sys_arch_prctl', doc: '' },
  { name: 'gettid', value: 186, handler: 'sys_gettid', doc: '' },
  { name: 'tkill', value: 200, handler: 'sys_tkill', doc: '' },
  { name: 'futex', value: 202, handler: 'sys_futex', doc: '' },
  { name: 'set_tid_address', value: 218, handler: 'sys_set_tid_address', doc: '' },
  {
    name: 'clock_gettime',
    value: 228,
    handler: 'sys_clock_gettime',
    doc: 'CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID count run time (the vDSO makes the system call for them)',
  },
  { name: 'clock_getres', value: 229, handler: 'sys_clock_getres', doc: '' },
  { name: 'clock_nanosleep', value: 230, handler: 'sys_clock_nanosleep', doc: '' },
  { name: 'exit_group', value: 231, handler: 'sys_exit', doc: '' },
  { name: 'tgkill', value: 234, handler: 'sys_tgkill', doc: '' },
  { name: 'set_robust_list', value: 273, handler: 'sys_zero', doc: '' },
  { name: 'prlimit64', value: 302, handler: 'sys_prlimit64', doc: 'stack 8 MiB, open files FD_MAX, the rest unlimited; new limits accepted, not enforced' },
  { name: 'getrlimit', value: 97, handler: 'sys_getrlimit', doc: 'as prlimit64' },
  { name: 'setrlimit', value: 160, handler: 'sys_setrlimit', doc: 'accepted, not enforced' },
  { name: 'sched_getaffinity', value: 204, handler: 'sys_sched_getaffinity', doc: 'every vCPU (--cpus)' },
  { name: 'sched_setaffinity', value: 203, handler: 'sys_sched_setaffinity', doc: 'accepted, not enforced: the scheduler places threads' },
  { name: 'sched_getscheduler', value: 145, handler: 'sys_sched_getscheduler', doc: 'SCHED_OTHER' },
  { name: 'sched_getparam', value: 143, handler: 'sys_sched_getparam', doc: 'priority 0' },
  { name: 'getgroups', value: 115, handler: 'sys_getgroups', doc: 'no supplementary groups' },
  { name: 'wait4', value: 61, handler: 'sys_wait4', doc: 'ECHILD: the program has no children' },
  { name: 'waitid', value: 247, handler: 'sys_waitid', doc: 'ECHILD: the program has no children' },
  { name: 'getcpu', value: 309, handler: 'sys_getcpu', doc: 'the vCPU the thread runs on; node 0 (also __vdso_getcpu)' },
  { name: 'time', value: 201, handler: 'sys_time', doc: 'CLOCK_REALTIME in seconds (also __vdso_time)' },
  { name: 'gettimeofday', value: 96, handler: 'sys_gettimeofday', doc: 'CLOCK_REALTIME; the time zone is UTC (also __vdso_gettimeofday)' },
  { name: 'sysinfo', value: 99, handler: 'sys_sysinfo', doc: 'uptime, RAM and free RAM from the page allocator, threads as procs, mem_unit 1' },
  { name: 'times', value: 100, handler: 'sys_times', doc: "the process's run time in clock ticks (USER_HZ 100), as user time" },
  {
    name: 'getrusage',
    value: 98,
    handler: 'sys_getrusage',
    doc: 'RUSAGE_SELF and RUSAGE_THREAD: run time as ru_utime, ru_maxrss from the allocator; RUSAGE_CHILDREN: zeros',
  },
  {
    name: 'prctl',
    value: 157,
    handler: 'sys_prctl',
    doc: 'thread names (PR_SET_NAME, PR_GET_NAME) and harmless flags kept, not enforced; other options -EINVAL',
  },
  {
    name: 'membarrier',
    value: 324,
    handler: 'sys_membarrier',
    doc: 'QUERY and the global and private expedited commands: vCPUs take turns on one host thread, so the barrier holds already',
  },
  { name: 'sched_get_priority_max', value: 146, handler: 'sys_sched_get_priority_max', doc: '99 for SCHED_FIFO and SCHED_RR, else 0' },
  { name: 'sched_get_priority_min', value: 147, handler: 'sys_sched_get_priority_min', doc: '1 for SCHED_FIFO and SCHED_RR, else 0' },
  { name: 'getpriority', value: 140, handler: 'sys_getpriority', doc: 'one nice value for the process, as 20 - nice' },
  { name: 'setpriority', value: 141, handler: 'sys_setpriority', doc: 'kept and reported back; the scheduler treats threads alike' },
  { name: 'fork', value: 57, handler: 'sys_unknown', doc: 'out of scope: one program per unikernel (reported by name)' },
  { name: 'vfork', value: 58, handler: 'sys_unknown', doc: 'out of scope: one program per unikernel (reported by name)' },
  { name: 'execve', value: 59, handler: 'sys_unknown', doc: 'out of scope: one program per unikernel (reported by name)' },
  {
    name: 'rseq',
    value: 334,
    handler: 'sys_refuse_quietly',
    doc: 'refused without a report: glibc registers restartable sequences at start and goes on without them',
  },
  { name: 'getrandom', value: 318, handler: 'sys_getrandom', doc: '' },
  { name: 'open', value: 2, handler: 'sys_fs_open', doc: 'file system (fs/)' },
  { name: 'stat', value: 4, handler: 'sys_fs_stat', doc: 'file system (fs/)' },
  { name: 'lstat', value: 6, handler: 'sys_fs_lstat', doc: 'file system (fs/)' },
  { name: 'pread64', value: 17, handler: 'sys_fs_pread64', doc: 'file system (fs/)' },
  { name: 'pwrite64', value: 18, handler: 'sys_fs_pwrite64', doc: 'file system (fs/)' },
  { name: 'access', value: 21, handler: 'sys_fs_access', doc: 'file system (fs/)' },
  { name: 'dup', value: 32, handler: 'sys_fs_dup', doc: 'file system (fs/)' },
  { name: 'dup2', value: 33, handler: 'sys_fs_dup2', doc: 'file system (fs/)' },
  { name: 'fcntl', value: 72, handler: 'sys_fs_fcntl', doc: 'file system (fs/)' },
  { name: 'fsync', value: 74, handler: 'sys_fs_fsync', doc: 'file system (fs/)' },
  { name: 'fdatasync', value: 75, handler: 'sys_fs_fsync', doc: 'file system (fs/)' },
  { name: 'truncate', value: 76, handler: 'sys_fs_truncate', doc: 'file system (fs/)' },
  { name: 'ftruncate', value: 77, handler: 'sys_fs_ftruncate', doc: 'file system (fs/)' },
  { name: 'getcwd', value: 79, handler: 'sys_fs_getcwd', doc: 'file system (fs/)' },
  { name: 'chdir', value: 80, handler: 'sys_fs_chdir', doc: 'file system (fs/)' },
  { name: 'fchdir', value: 81, handler: 'sys_fs_fchdir', doc: 'file system (fs/)' },
  { name: 'rename', value: 82, handler: 'sys_fs_rename', doc: 'file system (fs/)' },
  { name: 'mkdir', value: 83, handler: 'sys_fs_mkdir', doc: 'file system (fs/)' },
  { name: 'rmdir', value: 84, handler: 'sys_fs_rmdir', doc: 'file system (fs/)' },
  { name: 'creat', value: 85, handler: 'sys_fs_creat', doc: 'file system (fs/)' },
  { name: 'link', value: 86, handler: 'sys_fs_link', doc: 'file system (fs/)' },
  { name: 'unlink', value: 87, handler: 'sys_fs_unlink', doc: 'file system (fs/)' },
  { name: 'symlink', value: 88, handler: 'sys_fs_symlink', doc: 'file system (fs/)' },
  { name: 'readlink', value: 89, handler: 'sys_fs_readlink', doc: 'file system (fs/)' },
  { name: 'chmod', value: 90, handler: 'sys_fs_chmod', doc: 'file system (fs/)' },
  { name: 'fchmod', value: 91, handler: 'sys_fs_fchmod', doc: 'file system (fs/)' },
  { name: 'umask', value: 95, handler: 'sys_fs_umask', doc: 'file system (fs/)' },
  { name: 'getdents64', value: 217, handler: 'sys_fs_getdents64', doc: 'file system (fs/)' },
  { name: 'openat', value: 257, handler: 'sys_fs_openat', doc: 'file system (fs/)' },
  { name: 'mkdirat', value: 258, handler: 'sys_fs_mkdirat', doc: 'file system (fs/)' },
  { name: 'newfstatat', value: 262, handler: 'sys_fs_newfstatat', doc: 'file system (fs/)' },
  { name: 'unlinkat', value: 263, handler: 'sys_fs_unlinkat', doc: 'file system (fs/)' },
  { name: 'renameat', value: 264, handler: 'sys_fs_renameat', doc: 'file system (fs/)' },
  { name: 'linkat', value: 265, handler: 'sys_fs_linkat', doc: 'file system (fs/)' },
  { name: 'symlinkat', value: 266, handler: 'sys_fs_symlinkat', doc: 'file system (fs/)' },
  { name: 'readlinkat', value: 267, handler: 'sys_fs_readlinkat', doc: 'file system (fs/)' },
  { name: 'fchmodat', value: 268, handler: 'sys_fs_fchmodat', doc: 'file system (fs/)' },
  { name: 'faccessat', value: 269, handler: 'sys_fs_faccessat', doc: 'file system (fs/)' },
  { name: 'dup3', value: 292, handler: 'sys_fs_dup3', doc: 'file system (fs/)' },
  { name: 'renameat2', value: 316, handler: 'sys_fs_renameat2', doc: 'file system (fs/)' },
  { name: 'faccessat2', value: 439, handler: 'sys_fs_faccessat', doc: 'file system (fs/)' },
  { name: 'kv_put', value: 1000, handler: 'sys_kv_put', doc: 'project call: put(key, value, len)' },
  { name: 'kv_get', value: 1001, handler: 'sys_kv_get', doc: 'project call: get(key, value, &len)' },
];

/** Size of the kernel's dispatch table: every number below this is looked up. */
export const SYSCALL_TABLE_SIZE = 1002;
