// The guest ABI, written once. Every port number, system-call number, shared struct
// layout and memory-map address that both the guest (NASM kernel, C library) and the
// host (TypeScript VMM) must agree on lives here; toolchain/abi/generate.ts turns it
// into guest-src/kernel/generated/abi.inc, guest-src/app/include/unikernel/abi.h and
// vmm/generated/abi.ts. A test fails when any generated file is stale.

export type FieldType = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'i64' | { bytes: number };
export interface Field { name: string; type: FieldType; doc: string }
export interface StructSpec { name: string; doc: string; fields: Field[] }
export interface Constant { name: string; value: number | bigint; doc: string }

/** Version of this ABI; the boot info carries it so a mismatched kernel is refused. */
export const ABI_VERSION = 1;

/**
 * Hypercall ports. The guest writes, with a 32-bit `out`, the guest-physical address of
 * the call's packed argument struct (HermitCore's uhyve convention). uhyve's numbers are
 * kept where uhyve has the call; new calls continue its 0x40 stride.
 */
export const PORTS: Constant[] = [
  { name: 'WRITE', value: 0x400, doc: 'write to a host stream (console: fd 1 and 2) {HcWrite}' },
  { name: 'OPEN', value: 0x440, doc: 'uhyve open (reserved for the host share)' },
  { name: 'CLOSE', value: 0x480, doc: 'uhyve close (reserved for the host share)' },
  { name: 'READ', value: 0x500, doc: 'read from a host stream (console: fd 0) {HcRead}' },
  { name: 'EXIT', value: 0x540, doc: 'end the VM; the value written is the exit status itself' },
  { name: 'LSEEK', value: 0x580, doc: 'uhyve lseek (reserved for the host share)' },
  { name: 'CMDSIZE', value: 0x740, doc: 'uhyve argument sizes (arguments travel in the boot info instead)' },
  { name: 'CMDVAL', value: 0x780, doc: 'uhyve argument values (arguments travel in the boot info instead)' },
  { name: 'UNLINK', value: 0x840, doc: 'uhyve unlink (reserved for the host share)' },
  { name: 'KV_PUT', value: 0x900, doc: 'key-value put (reserved for the key-value device)' },
  { name: 'KV_GET', value: 0x940, doc: 'key-value get (reserved for the key-value device)' },
  { name: 'CLOCK', value: 0x980, doc: 'read the host clocks {HcClock}' },
  { name: 'RANDOM', value: 0x9c0, doc: 'fill a buffer with host randomness {HcRandom}' },
  { name: 'NOP', value: 0xa00, doc: 'does nothing: the floor of a hypercall round trip (benchmarks)' },
  { name: 'PANIC', value: 0xa40, doc: 'the kernel died (exception report already printed); value is the status' },
];

/** Packed argument structs of the hypercalls. All pointers are guest-physical. */
export const STRUCTS: StructSpec[] = [
  {
    name: 'HcWrite', doc: 'WRITE: host writes the byte count (or -errno) back into len',
    fields: [
      { name: 'fd', type: 'i32', doc: 'host stream: 1 stdout, 2 stderr' },
      { name: 'buf', type: 'u64', doc: 'guest-physical address of the bytes' },
      { name: 'len', type: 'i64', doc: 'in: byte count; out: bytes written or -errno' },
    ],
  },
  {
    name: 'HcRead', doc: 'READ: host reads into buf and stores the count (or -errno) in ret',
    fields: [
      { name: 'fd', type: 'i32', doc: 'host stream: 0 stdin' },
      { name: 'buf', type: 'u64', doc: 'guest-physical destination' },
      { name: 'len', type: 'u64', doc: 'capacity of buf' },
      { name: 'ret', type: 'i64', doc: 'out: bytes read (0 at end of input) or -errno' },
    ],
  },
  {
    name: 'HcClock', doc: 'CLOCK: host fills both clocks',
    fields: [
      { name: 'monotonic_ns', type: 'u64', doc: 'out: CLOCK_MONOTONIC in nanoseconds' },
      { name: 'realtime_ns', type: 'u64', doc: 'out: CLOCK_REALTIME in nanoseconds since the epoch' },
    ],
  },
  {
    name: 'HcRandom', doc: 'RANDOM: host fills buf with len random bytes; ret is len or -errno',
    fields: [
      { name: 'buf', type: 'u64', doc: 'guest-physical destination' },
      { name: 'len', type: 'u64', doc: 'byte count' },
      { name: 'ret', type: 'i64', doc: 'out: bytes written or -errno' },
    ],
  },
  {
    name: 'BootInfo', doc: 'written by the VMM before the first instruction; its address arrives in RDI',
    fields: [
      { name: 'magic', type: 'u64', doc: 'BOOT_MAGIC' },
      { name: 'abi_version', type: 'u32', doc: 'ABI_VERSION' },
      { name: 'cpu_count', type: 'u32', doc: 'number of vCPUs' },
      { name: 'ram_size', type: 'u64', doc: 'bytes of guest RAM, identity mapped from 0' },
      { name: 'kernel_end', type: 'u64', doc: 'first byte after the kernel image (page aligned)' },
      { name: 'app_start', type: 'u64', doc: 'lowest address of the application image' },
      { name: 'app_end', type: 'u64', doc: 'first byte after the application image (page aligned)' },
      { name: 'app_entry', type: 'u64', doc: 'application entry point (AT_ENTRY)' },
      { name: 'app_phdr', type: 'u64', doc: 'address of the program headers in guest memory (AT_PHDR)' },
      { name: 'app_phnum', type: 'u32', doc: 'number of program headers (AT_PHNUM)' },
      { name: 'app_phent', type: 'u32', doc: 'size of one program header (AT_PHENT)' },
      { name: 'argc', type: 'u64', doc: 'number of arguments, program name included' },
      { name: 'argv', type: 'u64', doc: 'address of argc string pointers' },
      { name: 'envc', type: 'u64', doc: 'number of environment strings' },
      { name: 'envp', type: 'u64', doc: 'address of envc string pointers' },
      { name: 'random', type: { bytes: 16 }, doc: 'AT_RANDOM bytes' },
      { name: 'cpu_online', type: 'u32', doc: 'guest-written: CPUs that have finished booting' },
      { name: 'flags', type: 'u32', doc: 'BOOT_FLAG_* bits' },
      { name: 'tsc_hz', type: 'u64', doc: 'reserved (0)' },
      { name: 'preload_addr', type: 'u64', doc: 'address of the --preload archive (0: none); its pages are the kernel\'s to free' },
      { name: 'preload_size', type: 'u64', doc: 'bytes of the --preload archive' },
    ],
  },
];

/** The guest-physical memory map (identity mapped: virtual = physical). */
export const MEMORY: Constant[] = [
  { name: 'PAGE_SIZE', value: 0x1000, doc: 'bytes per page' },
  { name: 'NULL_GUARD_END', value: 0x1000, doc: '[0, 0x1000) is never mapped: NULL dereferences fault' },
  { name: 'BOOT_INFO_ADDR', value: 0x1000, doc: 'BootInfo (VMM-written)' },
  { name: 'BOOT_GDT_ADDR', value: 0x2000, doc: 'the VMM\'s boot GDT (the kernel loads its own)' },
  { name: 'PML4_ADDR', value: 0x3000, doc: 'page-map level 4' },
  { name: 'PDPT_ADDR', value: 0x4000, doc: 'page-directory pointer table (one: 512 GiB reach)' },
  { name: 'PD_ADDR', value: 0x5000, doc: 'four page directories of 2 MiB pages: up to 4 GiB of RAM' },
  { name: 'PT0_ADDR', value: 0x9000, doc: '4 KiB page table for the first 2 MiB (leaves page 0 unmapped)' },
  { name: 'ARGS_ADDR', value: 0x10000, doc: 'argv/envp pointer arrays and strings (VMM-written)' },
  { name: 'ARGS_END', value: 0x100000, doc: 'end of the argument area' },
  { name: 'KERNEL_BASE', value: 0x100000, doc: 'the kernel image is linked here' },
  { name: 'KERNEL_LIMIT', value: 0x400000, doc: 'the kernel image must end below this' },
  { name: 'APP_BASE_MIN', value: 0x400000, doc: 'application images load at or above this (musl-gcc -static links at 0x400000)' },
  { name: 'MAX_RAM', value: 0x100000000, doc: 'largest guest RAM the page tables can map (4 GiB)' },
  { name: 'MIN_RAM', value: 0x1000000, doc: 'smallest guest RAM (16 MiB)' },
];

export const MISC: Constant[] = [
  { name: 'BOOT_MAGIC', value: 0x4b56554e494b4f42n, doc: 'BootInfo.magic' },
  { name: 'MAX_CPUS', value: 16, doc: 'most vCPUs the kernel supports' },
  { name: 'IST_STACK_SIZE', value: 0x4000, doc: 'bytes of each per-CPU interrupt stack' },
  { name: 'KERNEL_STACK_SIZE', value: 0x4000, doc: 'bytes of each kernel stack' },
  { name: 'USER_STACK_SIZE', value: 0x200000, doc: 'bytes of the application\'s main stack' },
  { name: 'KV_KEY_MAX', value: 1024, doc: 'longest key, in bytes before the NUL' },
  { name: 'KV_VALUE_MAX', value: 4096, doc: 'longest value, in bytes' },
];

/**
 * System calls. Linux x86-64 numbers (the kernel runs unmodified musl binaries); the
 * project's own calls sit far above Linux's range so they can never collide.
 */
export const SYSCALLS: Constant[] = [
  { name: 'read', value: 0, doc: '' },
  { name: 'write', value: 1, doc: '' },
  { name: 'close', value: 3, doc: '' },
  { name: 'fstat', value: 5, doc: '' },
  { name: 'poll', value: 7, doc: '' },
  { name: 'lseek', value: 8, doc: '' },
  { name: 'mmap', value: 9, doc: '' },
  { name: 'mprotect', value: 10, doc: '' },
  { name: 'munmap', value: 11, doc: '' },
  { name: 'brk', value: 12, doc: '' },
  { name: 'rt_sigaction', value: 13, doc: '' },
  { name: 'rt_sigprocmask', value: 14, doc: '' },
  { name: 'ioctl', value: 16, doc: '' },
  { name: 'readv', value: 19, doc: '' },
  { name: 'writev', value: 20, doc: '' },
  { name: 'sched_yield', value: 24, doc: '' },
  { name: 'madvise', value: 28, doc: '' },
  { name: 'nanosleep', value: 35, doc: '' },
  { name: 'getpid', value: 39, doc: '' },
  { name: 'exit', value: 60, doc: '' },
  { name: 'uname', value: 63, doc: '' },
  { name: 'getuid', value: 102, doc: '' },
  { name: 'getgid', value: 104, doc: '' },
  { name: 'geteuid', value: 107, doc: '' },
  { name: 'getegid', value: 108, doc: '' },
  { name: 'getppid', value: 110, doc: '' },
  { name: 'sigaltstack', value: 131, doc: '' },
  { name: 'arch_prctl', value: 158, doc: '' },
  { name: 'gettid', value: 186, doc: '' },
  { name: 'tkill', value: 200, doc: '' },
  { name: 'futex', value: 202, doc: '' },
  { name: 'set_tid_address', value: 218, doc: '' },
  { name: 'clock_gettime', value: 228, doc: '' },
  { name: 'clock_getres', value: 229, doc: '' },
  { name: 'clock_nanosleep', value: 230, doc: '' },
  { name: 'exit_group', value: 231, doc: '' },
  { name: 'tgkill', value: 234, doc: '' },
  { name: 'set_robust_list', value: 273, doc: '' },
  { name: 'prlimit64', value: 302, doc: '' },
  { name: 'getrandom', value: 318, doc: '' },
  { name: 'kv_put', value: 1000, doc: 'project call: put(key, value, len)' },
  { name: 'kv_get', value: 1001, doc: 'project call: get(key, value, &len)' },
];

/** Size of the kernel's dispatch table: every number below this is looked up. */
export const SYSCALL_TABLE_SIZE = 1002;
