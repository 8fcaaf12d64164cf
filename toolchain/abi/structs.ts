// The hypercalls' packed argument structs and the boot info block: one part of the guest
// ABI (spec.ts holds the rest and re-exports this). Field offsets follow from the order
// and sizes here; toolchain/abi/generate.ts writes them for NASM, C and TypeScript.
import type { StructSpec } from './types.js';

/** Packed argument structs of the hypercalls. All pointers are guest-physical. */
export const STRUCTS: StructSpec[] = [
  {
    name: 'HcCodeRange',
    doc: 'CODE_CHANGED: guest code in [start, start + len) may have been rewritten',
    fields: [
      { name: 'start', type: 'u64', doc: 'guest-physical start' },
      { name: 'len', type: 'u64', doc: 'byte count (clipped to guest RAM by the VMM)' },
    ],
  },
  {
    name: 'HcFill',
    doc: 'FILL: the VMM sets len bytes at dst to value',
    fields: [
      { name: 'dst', type: 'u64', doc: 'guest-physical destination' },
      { name: 'len', type: 'u64', doc: 'byte count' },
      { name: 'value', type: 'u64', doc: 'the byte (low 8 bits)' },
      { name: 'ret', type: 'i64', doc: 'out: 0, or -EFAULT when the range is outside RAM (nothing written)' },
    ],
  },
  {
    name: 'HcCopy',
    doc: 'COPY: the VMM moves len bytes from src to dst (the ranges may overlap)',
    fields: [
      { name: 'dst', type: 'u64', doc: 'guest-physical destination' },
      { name: 'src', type: 'u64', doc: 'guest-physical source' },
      { name: 'len', type: 'u64', doc: 'byte count' },
      { name: 'ret', type: 'i64', doc: 'out: 0, or -EFAULT when a range is outside RAM (nothing copied)' },
    ],
  },
  {
    name: 'HcKv',
    doc: 'KV_PUT / KV_GET: one key-value request; the VMM answers later (done = 1, then VEC_IO)',
    fields: [
      { name: 'key', type: 'u64', doc: 'guest-physical address of the key bytes (no NUL needed)' },
      { name: 'key_len', type: 'u32', doc: '0 .. KV_KEY_MAX' },
      { name: 'op', type: 'u32', doc: 'KV_OP_GET, KV_OP_PUT or KV_OP_DELETE' },
      { name: 'value', type: 'u64', doc: 'put: the value; get: the buffer to fill' },
      { name: 'value_len', type: 'u64', doc: "put: bytes to store; get: the buffer's size" },
      { name: 'result_len', type: 'u64', doc: "out (get): the stored value's length" },
      { name: 'status', type: 'i32', doc: 'out: KV_OK, KV_ABSENT (or failed), KV_TOO_SMALL' },
      { name: 'done', type: 'u32', doc: 'out: the VMM sets 1 when status and result are final' },
      { name: 'cpu', type: 'u32', doc: 'the vCPU to interrupt (VEC_IO) on completion' },
      { name: 'reserved', type: 'u32', doc: '0' },
    ],
  },
  {
    name: 'HcNet',
    doc: 'NET: one socket operation, answered before the out returns (net/, vmm/ports/net.ts)',
    fields: [
      { name: 'op', type: 'u32', doc: 'NET_*' },
      { name: 'handle', type: 'u32', doc: "the socket's handle (from NET_SOCKET, NET_ACCEPT, NET_PAIR)" },
      { name: 'a0', type: 'u64', doc: 'argument (per op); out: a second result (NET_PAIR)' },
      {
        name: 'a1',
        type: 'u64',
        doc: "argument (per op); out with -EAGAIN (recv, accept, send, connect): the socket's SO_RCVTIMEO or SO_SNDTIMEO in ns, 0 for none",
      },
      {
        name: 'a2',
        type: 'u64',
        doc: 'argument (per op); out with -EAGAIN: the errno a wait past that timeout answers (EAGAIN; EINPROGRESS for a TCP connect)',
      },
      { name: 'a3', type: 'u64', doc: 'argument (per op)' },
      { name: 'buf', type: 'u64', doc: 'NET_SEND, NET_RECV: an array of checked iovecs; NET_SETOPT, NET_GETOPT: the value' },
      { name: 'len', type: 'u64', doc: 'iovecs in buf, or bytes at buf' },
      { name: 'addr', type: 'u64', doc: 'a checked sockaddr (in or out), or 0' },
      { name: 'addr_len', type: 'u32', doc: "in: the sockaddr's bytes (or room); out: the whole address's length" },
      { name: 'flags', type: 'u32', doc: 'MSG_* bits, NET_NONBLOCK' },
      { name: 'ret', type: 'i64', doc: 'out: the result or -errno (-EAGAIN: would wait)' },
      { name: 'notify', type: 'u32', doc: "out: 1 when another socket's readiness changed (the kernel wakes waiters)" },
      { name: 'batch_len', type: 'u32', doc: 'bytes of deferred sends at batch, which the VMM sends before the operation (0: none)' },
      { name: 'batch', type: 'u64', doc: "the kernel's send batch (NET_BATCH_SIZE bytes of NetBatchEntry records), or 0" },
    ],
  },
  {
    name: 'NetBatchEntry',
    doc: 'one deferred send in the send batch; its bytes follow, padded to a multiple of 8',
    fields: [
      { name: 'handle', type: 'u32', doc: "the socket's handle" },
      { name: 'len', type: 'u32', doc: 'bytes that follow (> 0)' },
    ],
  },
  {
    name: 'NetState',
    doc: "a socket's readiness, written by the VMM whenever it changes (the kernel's poll reads it without a VM exit)",
    fields: [
      { name: 'in_gen', type: 'u64', doc: 'moves when the reading side may have become ready' },
      { name: 'out_gen', type: 'u64', doc: 'moves when the writing side may have become ready' },
      { name: 'events', type: 'u32', doc: 'POLL* bits ready now' },
      {
        name: 'quick',
        type: 'u32',
        doc: 'NET_QUICK_* bits: which non-blocking calls the kernel may answer -EAGAIN itself while events shows nothing for them',
      },
      {
        name: 'rx_ring',
        type: 'u64',
        doc: "the receive ring (kernel memory, rx_size bytes): a connected stream's bytes the VMM put ahead of the reader, which a plain recv takes without a VM exit",
      },
      { name: 'rx_size', type: 'u32', doc: "the receive ring's bytes (NET_RX_RING), set by the kernel" },
      { name: 'rx_prod', type: 'u32', doc: 'bytes ever put in the ring (the VMM writes it; the ring holds rx_prod - rx_cons, modulo 2^32)' },
      { name: 'rx_cons', type: 'u32', doc: 'bytes ever taken from the ring (the kernel writes it; the VMM too, while a call on the socket holds lock)' },
      {
        name: 'tx_room',
        type: 'u32',
        doc: 'bytes a send may leave in the send batch (the VMM writes it for a connected host stream, 0 otherwise; the kernel takes off what it defers)',
      },
      {
        name: 'lock',
        type: 'u64',
        doc: "the kernel's lock for the socket's data calls: held across a recv's ring copy or a send's deferral, and the hypercall",
      },
    ],
  },
  {
    name: 'HcTimer',
    doc: 'TIMER: one deadline per vCPU; a new write replaces the old one',
    fields: [{ name: 'deadline_ns', type: 'u64', doc: 'CLOCK_MONOTONIC nanoseconds; 0 disarms' }],
  },
  {
    name: 'HcWrite',
    doc: 'WRITE: host writes the byte count (or -errno) back into len',
    fields: [
      { name: 'fd', type: 'i32', doc: 'host stream: 1 stdout, 2 stderr' },
      { name: 'buf', type: 'u64', doc: 'guest-physical address of the bytes' },
      { name: 'len', type: 'i64', doc: 'in: byte count; out: bytes written or -errno' },
    ],
  },
  {
    name: 'HcRead',
    doc: 'READ: host reads into buf and stores the count (or -errno) in ret',
    fields: [
      { name: 'fd', type: 'i32', doc: 'host stream: 0 stdin' },
      { name: 'buf', type: 'u64', doc: 'guest-physical destination' },
      { name: 'len', type: 'u64', doc: 'capacity of buf' },
      { name: 'ret', type: 'i64', doc: 'out: bytes read (0 at end of input) or -errno' },
    ],
  },
  {
    name: 'HcStdinReady',
    doc: 'STDIN_READY: the VMM looks at its stdin without waiting',
    fields: [
      { name: 'ready', type: 'u32', doc: 'out: 1 when a READ of fd 0 would return at once, 0 when it would wait' },
      { name: 'reserved', type: 'u32', doc: '0' },
    ],
  },
  {
    name: 'HcClock',
    doc: 'CLOCK: host fills both clocks',
    fields: [
      { name: 'monotonic_ns', type: 'u64', doc: 'out: CLOCK_MONOTONIC in nanoseconds' },
      { name: 'realtime_ns', type: 'u64', doc: 'out: CLOCK_REALTIME in nanoseconds since the epoch' },
    ],
  },
  {
    name: 'HcRandom',
    doc: 'RANDOM: host fills buf with len random bytes; ret is len or -errno',
    fields: [
      { name: 'buf', type: 'u64', doc: 'guest-physical destination' },
      { name: 'len', type: 'u64', doc: 'byte count' },
      { name: 'ret', type: 'i64', doc: 'out: bytes written or -errno' },
    ],
  },
  {
    name: 'HcOpen',
    doc: 'OPEN (uhyve layout): path relative to the share; ret is a handle (>= 3) or -errno',
    fields: [
      { name: 'name', type: 'u64', doc: 'guest-physical address of the NUL-terminated path' },
      { name: 'flags', type: 'i32', doc: 'Linux open flags (O_CREAT, O_TRUNC, O_APPEND, O_DIRECTORY, ...)' },
      { name: 'mode', type: 'i32', doc: 'permission bits for O_CREAT' },
      { name: 'ret', type: 'i32', doc: 'out: handle or -errno' },
      { name: 'share', type: 'u32', doc: 'the share the path lies in: its index in the share table (SHARE_TABLE_ADDR)' },
    ],
  },
  {
    name: 'HcClose',
    doc: 'CLOSE (uhyve layout)',
    fields: [
      { name: 'fd', type: 'i32', doc: 'handle from OPEN' },
      { name: 'ret', type: 'i32', doc: 'out: 0 or -errno' },
    ],
  },
  {
    name: 'HcLseek',
    doc: 'LSEEK (uhyve layout): the host writes the new offset (or -errno) into offset',
    fields: [
      { name: 'fd', type: 'i32', doc: 'handle from OPEN' },
      { name: 'offset', type: 'i64', doc: 'in: offset; out: resulting offset or -errno' },
      { name: 'whence', type: 'i32', doc: 'SEEK_SET, SEEK_CUR or SEEK_END' },
    ],
  },
  {
    name: 'HcUnlink',
    doc: 'UNLINK (uhyve layout)',
    fields: [
      { name: 'name', type: 'u64', doc: 'guest-physical address of the path' },
      { name: 'ret', type: 'i32', doc: 'out: 0 or -errno' },
      { name: 'share', type: 'u32', doc: 'the share the path lies in: its index in the share table (SHARE_TABLE_ADDR)' },
    ],
  },
  {
    name: 'HcMkdir',
    doc: 'HOST_MKDIR',
    fields: [
      { name: 'name', type: 'u64', doc: 'guest-physical address of the path' },
      { name: 'mode', type: 'i32', doc: 'permission bits' },
      { name: 'ret', type: 'i32', doc: 'out: 0 or -errno' },
      { name: 'share', type: 'u32', doc: 'the share the path lies in: its index in the share table (SHARE_TABLE_ADDR)' },
    ],
  },
  {
    name: 'HcRmdir',
    doc: 'HOST_RMDIR',
    fields: [
      { name: 'name', type: 'u64', doc: 'guest-physical address of the path' },
      { name: 'ret', type: 'i32', doc: 'out: 0 or -errno' },
      { name: 'share', type: 'u32', doc: 'the share the path lies in: its index in the share table (SHARE_TABLE_ADDR)' },
    ],
  },
  {
    name: 'HcRename',
    doc: 'HOST_RENAME: both paths inside the share',
    fields: [
      { name: 'oldname', type: 'u64', doc: 'guest-physical address of the source path' },
      { name: 'newname', type: 'u64', doc: 'guest-physical address of the target path' },
      { name: 'ret', type: 'i32', doc: 'out: 0 or -errno' },
      { name: 'share', type: 'u32', doc: 'the share the path lies in: its index in the share table (SHARE_TABLE_ADDR); both paths lie in it' },
    ],
  },
  {
    name: 'HcStat',
    doc: 'HOST_STAT: by path (name != 0) or by handle (name == 0); the host fills the fields',
    fields: [
      { name: 'name', type: 'u64', doc: 'guest-physical address of the path, or 0 to stat fd' },
      { name: 'fd', type: 'i32', doc: 'handle when name is 0' },
      { name: 'flags', type: 'i32', doc: '1: do not follow a final symbolic link (lstat)' },
      { name: 'ret', type: 'i32', doc: 'out: 0 or -errno' },
      { name: 'mode', type: 'u32', doc: 'out: st_mode' },
      { name: 'nlink', type: 'u32', doc: 'out: st_nlink' },
      { name: 'size', type: 'u64', doc: 'out: st_size' },
      { name: 'ino', type: 'u64', doc: 'out: st_ino' },
      { name: 'blocks', type: 'u64', doc: 'out: st_blocks (512-byte units)' },
      { name: 'atime_ns', type: 'u64', doc: 'out: access time, ns since the epoch' },
      { name: 'mtime_ns', type: 'u64', doc: 'out: modification time, ns since the epoch' },
      { name: 'ctime_ns', type: 'u64', doc: 'out: status-change time, ns since the epoch' },
      { name: 'share', type: 'u32', doc: 'the share the path lies in: its index in the share table (SHARE_TABLE_ADDR); unused by handle' },
    ],
  },
  {
    name: 'HcGetdents',
    doc: 'HOST_GETDENTS: the host writes linux_dirent64 records into buf',
    fields: [
      { name: 'fd', type: 'i32', doc: 'handle of a directory opened with O_DIRECTORY' },
      { name: 'buf', type: 'u64', doc: 'guest-physical destination' },
      { name: 'len', type: 'u64', doc: 'capacity of buf' },
      { name: 'ret', type: 'i64', doc: 'out: bytes written (0 at the end) or -errno' },
    ],
  },
  {
    name: 'HcFtruncate',
    doc: 'HOST_FTRUNCATE: by handle (name == 0) or by path',
    fields: [
      { name: 'name', type: 'u64', doc: 'guest-physical address of the path, or 0 to use fd' },
      { name: 'fd', type: 'i32', doc: 'handle when name is 0' },
      { name: 'length', type: 'i64', doc: 'new size' },
      { name: 'ret', type: 'i32', doc: 'out: 0 or -errno' },
      { name: 'share', type: 'u32', doc: 'the share the path lies in: its index in the share table (SHARE_TABLE_ADDR); unused by handle' },
    ],
  },
  {
    name: 'HcUtimens',
    doc: 'HOST_UTIMENS: by path (name != 0) or by handle (name == 0)',
    fields: [
      { name: 'name', type: 'u64', doc: 'guest-physical address of the path, or 0 to use fd' },
      { name: 'fd', type: 'i32', doc: 'handle when name is 0' },
      { name: 'flags', type: 'i32', doc: '1: do not follow a final symbolic link' },
      { name: 'atime_ns', type: 'i64', doc: 'access time, ns since the epoch; i64 minimum: leave it' },
      { name: 'mtime_ns', type: 'i64', doc: 'modification time, ns since the epoch; i64 minimum: leave it' },
      { name: 'ret', type: 'i32', doc: 'out: 0 or -errno' },
      { name: 'share', type: 'u32', doc: 'the share the path lies in: its index in the share table (SHARE_TABLE_ADDR); unused by handle' },
    ],
  },
  {
    name: 'HcFsync',
    doc: 'HOST_FSYNC: flush a handle to the host disk',
    fields: [
      { name: 'fd', type: 'i32', doc: 'handle' },
      { name: 'op', type: 'i32', doc: '0 fsync, HOST_SYNC_DATA fdatasync, HOST_SYNC_FS syncfs' },
      { name: 'ret', type: 'i32', doc: 'out: 0 or -errno' },
    ],
  },
  {
    name: 'ShareMount',
    doc: 'one --share in the share table at SHARE_TABLE_ADDR (VMM-written): where the kernel mounts it',
    fields: [
      { name: 'flags', type: 'u32', doc: 'SHARE_READ_ONLY: every change is refused with EROFS' },
      { name: 'path_len', type: 'u32', doc: 'bytes of path before its NUL' },
      { name: 'path', type: { bytes: 248 }, doc: 'the guest path: absolute, normalised, NUL-terminated (SHARE_PATH_MAX with the NUL)' },
    ],
  },
  {
    name: 'BootInfo',
    doc: 'written by the VMM before the first instruction; its address arrives in RDI',
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
      { name: 'idle_resume', type: 'u64', doc: "guest-written: the address right after the idle loop's hlt (a vCPU stopped there is idle)" },
      { name: 'ready_tasks', type: 'u64', doc: 'guest-written: threads ready to run and waiting for a CPU (the VMM preempts exactly while > 0)' },
      { name: 'preload_addr', type: 'u64', doc: "address of the --preload archive (0: none); its pages are the kernel's to free" },
      { name: 'preload_size', type: 'u64', doc: 'bytes of the --preload archive' },
      {
        name: 'switch_exit',
        type: 'u64',
        doc: 'VMM-written, changed between time slices: while not 0 the kernel announces a switch to another thread that leaves threads waiting for a CPU (PORT_SWITCH)',
      },
      {
        name: 'kernel_start',
        type: 'u64',
        doc: 'first byte of the kernel image (page aligned; the VMM moves it to the top of RAM); the argument area lies just below it, from argv',
      },
      { name: 'share_count', type: 'u64', doc: 'entries of the share table at SHARE_TABLE_ADDR (--share), at most MAX_SHARES' },
    ],
  },
];
