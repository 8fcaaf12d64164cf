/* scfuzz: random system calls from a hostile program. Each call takes a random number
 * from 0 to 460 and six arguments from a pool: edge values (0, -1, 1<<63, 2^32, page
 * boundaries, huge lengths), pointers into the program's own buffers (an arena in a
 * reservation above RAM, a buffer in RAM), into the kernel (its text, tables, per-CPU
 * area, Task block, page tables, BootInfo), page 0 and beyond RAM. After every call the
 * kernel's text and read-only data, the boot GDT, the IDT and the page tables (without
 * the reservation area's entries, which mmap changes by design) are checksummed against
 * their values at start; a difference ends the run with status 5.
 *
 * Usage: scfuzz SEED CALLS THREADS MODE NAME=0xVALUE... ro=0xADDRESS:0xLENGTH...
 * MODE: quiet, or trace (every call printed before it is made), plus "corrupt" for a
 * self-test (a byte of the kernel's ELF header in memory changes after call 100), plus
 * "focus=NR,NR,..." to call only those numbers (to narrow a failure down).
 * (the kernel's symbols, tests/helpers/kernel-symbols.ts); `npm run fuzz` runs it. The
 * sequence of calls depends only on the seed (and the thread), so a run replays; with
 * `trace` every call is printed before it is made.
 *
 * Output goes to descriptor OUT_FD, a copy of the console: fds 0, 1 and 2 are /dev/null,
 * so random writes to them do not reach the output. Lines: "kernel START-END" (the
 * kernel image, from the BootInfo), "progress T N", "call T I NR
 * A0..A5" (trace), "result ok N", "result errno E N", "calls N", and on a failure one of
 * "CORRUPT ...", "STUCK ...", "FUZZER FAULT ...".
 *
 * Not called, because they end or replace the process, or block by design until a
 * signal: exit (60), exit_group (231), execve (59), execveat (322), fork (57), vfork (58),
 * clone (56), clone3 (435: a thread with a random stack), pause (34), rt_sigsuspend
 * (130), rt_sigreturn (15: registers from a random frame).
 *
 * Sandboxed, because a random call may legitimately break the fuzzer itself (the
 * fuzzer's own state lies where no pointer from the pool reaches):
 * - descriptors: OUT_FD and each thread's template descriptor are never passed (an
 *   argument equal to one becomes a small number); close_range stops below them;
 * - signals: every catchable signal has the fuzzer's handler; rt_sigaction is given the
 *   fuzzer's handler or SIG_IGN (random flags and mask, never SA_RESETHAND) and the
 *   watchdog's signal is re-installed after it; kill, tkill, tgkill, rt_sigqueueinfo and
 *   rt_tgsigqueueinfo send SIGUSR1 instead of SIGKILL; the signal mask is restored after
 *   rt_sigprocmask, the alternate stack disabled after sigaltstack, interval timers
 *   disarmed after setitimer and alarm;
 * - thread state: FS base is restored after arch_prctl;
 * - memory: mmap, munmap, mremap, mprotect, madvise, msync, mlock, munlock and mincore
 *   ranges that start below 4 MiB stop there, ranges in the RAM buffer stop at its end;
 *   memory a successful mmap or mremap handed out elsewhere is unmapped again;
 * - blocking: timeouts of poll, ppoll, select, pselect6, epoll_wait, epoll_pwait,
 *   epoll_pwait2, nanosleep, clock_nanosleep, rt_sigtimedwait, futex and futex_waitv are
 *   a short timespec (or a pointer the kernel must refuse); flock gets LOCK_NB, F_SETLKW
 *   becomes F_SETLK; the fuzzer's pipes and eventfd are non-blocking again after every
 *   fcntl and ioctl; stdin is empty. A watchdog thread sends SIGUSR2 to a call that
 *   still runs after 0.5 s, and ends the run (status 4, "STUCK") after 10 s;
 * - arena contents: the fuzzer writes the arena only through pread from its template
 *   file (a write into an arena a call unmapped is then -EFAULT, not a fault), and
 *   overwrites what rt_sigaction, arch_prctl, get_robust_list and prctl may have written
 *   there (its own addresses) after those calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kernel-symbols.h"

/* Calls newer than the C library's headers. */
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef ARCH_SET_FS
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#endif

#define OUT_FD 1013
#define TEMPLATE_FD0 1000 /* + thread index */
#define MAX_THREADS 8
#define ARENA (256 * 1024)
#define RESERVATION (4 << 20)
#define RAMBUF (64 * 1024)
#define TEMPLATE (64 * 1024)
#define REFRESH_EVERY 256
#define WATCHDOG_SIG SIGUSR2
#define LOW_LIMIT 0x400000UL /* ranges below this hold nothing of the fuzzer */

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return ret;
}
#define S1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define S2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define S3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define S4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* One line to OUT_FD, in one write. */
static void out(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	S3(SYS_write, OUT_FD, line, n);
}

/* ---- the kernel's memory that nothing may change ---- */

struct region {
	uintptr_t addr;
	size_t len;
	int page_table; /* entries: the accessed and dirty bits are the processor's */
};
#define MAX_REGIONS 16
static struct region regions[MAX_REGIONS];
static const char *region_names[MAX_REGIONS];
static int region_count;
static uint64_t region_start[MAX_REGIONS];

static void add_region(const char *name, uintptr_t addr, size_t len, int page_table)
{
	if (region_count < MAX_REGIONS) {
		region_names[region_count] = name;
		regions[region_count++] = (struct region){ addr, len, page_table };
	}
}

static uint64_t region_hash(const struct region *r)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const volatile uint64_t *w = (const volatile uint64_t *)r->addr;
	size_t words = r->len / 8;
	uint64_t mask = r->page_table ? ~0x60ULL : ~0ULL;
	for (size_t i = 0; i < words; i++)
		h = (h ^ (w[i] & mask)) * 0x100000001b3ULL;
	const volatile uint8_t *b = (const volatile uint8_t *)r->addr;
	for (size_t i = words * 8; i < r->len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* ---- per-thread state (none of it reachable from the pool) ---- */

struct kaction {
	uint64_t handler, flags, restorer, mask;
};

struct fuzzer {
	int index;
	pid_t tid;
	uint64_t rng;
	long calls;
	long done;
	uint8_t *reservation; /* RESERVATION bytes of PROT_NONE address space above RAM */
	uint8_t *arena;       /* ARENA bytes at its top, read-write */
	uint8_t *rambuf;      /* RAMBUF bytes in RAM, followed by a page the program does not own */
	int template_fd;
	struct kaction action;
	_Atomic long call_started_ns; /* 0 when not in a call */
	long last[7];                 /* the call in progress or the last one: nr, a0..a5 */
	long ok, errors[4096], skipped;
	uint8_t template_bytes[TEMPLATE];
};

static struct fuzzer fuzzers[MAX_THREADS];
static int thread_count;
static int tracing;
static int self_test; /* change a byte of the kernel's ELF header after call 100: the check must see it */
static struct kernel_symbols ks;
static uintptr_t kernel_pointers[32];
static int kernel_pointer_count;
static atomic_int finished;
static long implemented[461];
static int implemented_count;
static int focused;
static atomic_long fault_streak;
static uint64_t fs_base_of[MAX_THREADS];
static int fodder_pipe[2] = { -1, -1 }, fodder_event = -1;

extern void scfuzz_restore(void);
__asm__(".text\n.globl scfuzz_restore\nscfuzz_restore:\n\tmov $15, %eax\n\tsyscall\n\tud2\n");

static long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

static uint64_t next(struct fuzzer *f)
{
	/* xorshift64*: the same sequence for the same seed */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545f4914f6cdd1dULL;
}

static void on_signal(int sig)
{
	/* A signal a call sent is counted and returns. A fault of the fuzzer's own code would
	 * come back forever: after many in a row with no call finished, stop and say so. */
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP) {
		if (atomic_fetch_add(&fault_streak, 1) > 10000) {
			out("FUZZER FAULT signal %d, over 10000 times with no call finished", sig);
			S1(SYS_exit_group, 3);
		}
	}
}

static void install(int sig, uint64_t flags, uint64_t mask, uint64_t handler)
{
	struct kaction a = { handler, flags | SA_RESTORER, (uint64_t)(uintptr_t)scfuzz_restore, mask };
	S4(SYS_rt_sigaction, sig, &a, 0, 8);
}

static void install_all(void)
{
	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			install(sig, 0, 0, (uint64_t)(uintptr_t)on_signal);
}

/* ---- the program's own buffers ---- */

/* The template: paths at 256-byte slots in its first 4 KiB, short timespecs in the
 * next, then zeros, small numbers, pointers into the arena, and random bytes. */
static void make_template(struct fuzzer *f)
{
	uint8_t *template_bytes = f->template_bytes;
	static const char *paths[] = { "/tmp/fz/a", "/tmp/fz/b", "/tmp/fz/d", "/tmp/fz", "/", "/dev/null", "/dev/zero",
				       "/proc/self/maps", "/host/fz-a", "/host/fz-d", "/host", ".", "..", "", "/tmp/fz/a/x",
				       "/proc/1/fd/3" };
	memset(template_bytes, 0, TEMPLATE);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		strcpy((char *)template_bytes + 256 * i, paths[i]);
	uint64_t *w = (uint64_t *)(template_bytes + 4096);
	for (int i = 0; i < 512; i += 2) {
		w[i] = 0;
		w[i + 1] = 1000 + i; /* {0 s, 1 us}: a short wait, relative or absolute */
	}
	w = (uint64_t *)(template_bytes + 16384);
	for (int i = 0; i < 2048; i++)
		w[i] = next(f) % 64;
	w = (uint64_t *)(template_bytes + 32768);
	for (int i = 0; i < 2048; i++)
		w[i] = (uint64_t)(uintptr_t)f->arena + next(f) % ARENA;
	w = (uint64_t *)(template_bytes + 49152);
	for (int i = 0; i < 2048; i++)
		w[i] = next(f);
	S4(SYS_pwrite64, f->template_fd, template_bytes, TEMPLATE, 0);
}

/* Fills [p, p+len) of the arena from the template at the same offset, through the kernel:
 * where a call unmapped the arena this is -EFAULT, not a fault of the fuzzer. */
static long fill(struct fuzzer *f, uintptr_t p, size_t len)
{
	uintptr_t off = p - (uintptr_t)f->arena;
	if (p < (uintptr_t)f->arena || off >= ARENA)
		return 0;
	if (len > ARENA - off)
		len = ARENA - off;
	size_t done = 0;
	while (done < len) {
		size_t t = (off + done) % TEMPLATE, n = len - done;
		if (n > TEMPLATE - t)
			n = TEMPLATE - t;
		long r = S4(SYS_pread64, f->template_fd, p + done, n, t);
		if (r != (long)n)
			return -1;
		done += n;
	}
	return 0;
}

static void make_arena(struct fuzzer *f)
{
	if (f->reservation)
		S2(SYS_munmap, f->reservation, RESERVATION);
	f->reservation = (uint8_t *)S4(SYS_mmap, 0, RESERVATION, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
	long a = sys6(SYS_mmap, (long)(f->reservation + RESERVATION - ARENA), ARENA, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	f->arena = (uint8_t *)a;
	make_template(f);
	fill(f, (uintptr_t)f->arena, ARENA);
}

static void make_rambuf(struct fuzzer *f)
{
	/* One page more, then that page is given back: a range running off the end of the
	 * buffer meets a page the program does not own and is refused. */
	long a = sys6(SYS_mmap, 0, RAMBUF + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	S2(SYS_munmap, a + RAMBUF, 4096);
	f->rambuf = (uint8_t *)a;
}

static void refresh_arena(struct fuzzer *f)
{
	if ((long)f->arena < 0 || fill(f, (uintptr_t)f->arena, ARENA) != 0)
		make_arena(f);
	if (fill(f, (uintptr_t)f->arena, ARENA) != 0) {
		out("FUZZER FAULT thread %d cannot make its arena", f->index);
		S1(SYS_exit_group, 3);
	}
}

/* The descriptors calls play with (thread 0 renews them). */
static void make_fodder(void)
{
	for (int fd = 3; fd < 128; fd++)
		if (fd != OUT_FD && (fd < TEMPLATE_FD0 || fd >= TEMPLATE_FD0 + MAX_THREADS))
			S1(SYS_close, fd);
	mkdir("/tmp/fz", 0777);
	mkdir("/tmp/fz/d", 0777);
	S3(SYS_open, "/tmp/fz/a", O_RDWR | O_CREAT, 0644);
	S3(SYS_write, 3, "scfuzz fodder file\n", 19);
	S2(SYS_pipe2, fodder_pipe, O_NONBLOCK);
	fodder_event = eventfd(1, EFD_NONBLOCK);
	epoll_create1(0);
	S2(SYS_open, "/dev/null", O_RDWR);
	S2(SYS_open, "/", O_RDONLY | O_DIRECTORY);
	S3(SYS_open, "/host/fz-a", O_RDWR | O_CREAT, 0644);
	S2(SYS_open, "/proc/self/maps", O_RDONLY);
}

static void nonblocking_again(void)
{
	int fds[] = { fodder_pipe[0], fodder_pipe[1], fodder_event };
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			S3(SYS_fcntl, fds[i], F_SETFL, O_NONBLOCK);
}

/* ---- arguments ---- */

static const uint64_t edges[] = {
	0, 1, 2, 3, 7, 8, 16, 63, 64, 255, 256, 511, 512, 1023, 1024, 4095, 4096, 4097, 8191, 8192, 65535, 65536,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL, 0x100000001ULL, 1ULL << 40, 1ULL << 47, 1ULL << 62,
	1ULL << 63, (1ULL << 63) - 1, ~0ULL, ~0ULL - 1, -4095ULL, -4096ULL, 0xffffffff80000000ULL, 0x8000000000000000ULL | 4096,
};

enum { A_EDGE, A_SMALL, A_ARENA, A_PATH, A_TIME, A_RAM, A_KERNEL, A_PAGE0, A_BEYOND, A_RANDOM, A_KINDS };

static uint64_t arg(struct fuzzer *f, int *kind)
{
	*kind = next(f) % A_KINDS;
	switch (*kind) {
	case A_EDGE: return edges[next(f) % (sizeof edges / sizeof edges[0])];
	case A_SMALL: return next(f) % 32;
	case A_ARENA: return (uint64_t)(uintptr_t)f->arena + (next(f) % 2 ? next(f) % ARENA : (next(f) % 64) * 4096);
	case A_PATH: return (uint64_t)(uintptr_t)f->arena + 256 * (next(f) % 16);
	case A_TIME: return (uint64_t)(uintptr_t)f->arena + 4096 + 16 * (next(f) % 256);
	case A_RAM: return (uint64_t)(uintptr_t)f->rambuf + next(f) % RAMBUF;
	case A_KERNEL: return kernel_pointers[next(f) % kernel_pointer_count] + next(f) % 64;
	case A_PAGE0: return next(f) % 4096;
	case A_BEYOND: {
		uint64_t beyond[] = { ks.ram_size + next(f) % 0x100000, 0x100000000ULL + next(f) % 0x100000, 1ULL << 40,
				      0x7ffffffff000ULL, 0x800000000000ULL, -4096ULL };
		return beyond[next(f) % 6];
	}
	default: return next(f);
	}
}

/* A pointer the kernel must refuse (any kind but the program's own buffers), or one to a short timespec. */
static int refused_kind(int kind)
{
	return kind == A_KERNEL || kind == A_PAGE0 || kind == A_BEYOND;
}

static void short_wait(struct fuzzer *f, long *a, int kind)
{
	if (!refused_kind(kind))
		*a = (long)(uintptr_t)f->arena + 4096 + 16 * (next(f) % 256);
}

/* A range [a, a+len) that starts where the fuzzer's own memory could follow stops before it. */
static void bound_range(struct fuzzer *f, long a, long *len)
{
	uint64_t p = (uint64_t)a, n = (uint64_t)*len;
	uint64_t ram = (uint64_t)(uintptr_t)f->rambuf;
	if (p < LOW_LIMIT) {
		if (n > LOW_LIMIT - p)
			*len = (long)(LOW_LIMIT - p);
	} else if (p >= ram && p < ram + RAMBUF) {
		if (n > ram + RAMBUF - p)
			*len = (long)(ram + RAMBUF - p);
	} else if (p < ks.ram_size) {
		/* the kernel's pointers: a Task block lies among the program's pages */
		if (n > 4096 - (p & 4095))
			*len = (long)(4096 - (p & 4095));
	}
}

static int reserved_fd(long v)
{
	return v == OUT_FD || (v >= TEMPLATE_FD0 && v < TEMPLATE_FD0 + MAX_THREADS);
}

/* Makes a random call safe for the fuzzer itself (see the header); returns 0 to skip it. */
static int sandbox(struct fuzzer *f, long nr, long *a, int *kind)
{
	switch (nr) {
	case SYS_exit: case SYS_exit_group: case SYS_execve: case SYS_execveat: case SYS_fork: case SYS_vfork:
	case SYS_clone: case SYS_clone3: case SYS_pause: case SYS_rt_sigsuspend: case SYS_rt_sigreturn:
		return 0;
	}
	for (int i = 0; i < 6; i++)
		if (reserved_fd(a[i]))
			a[i] = 3 + (a[i] & 7);
	switch (nr) {
	case SYS_close_range:
		if ((uint64_t)a[1] >= TEMPLATE_FD0)
			a[1] = TEMPLATE_FD0 - 1;
		break;
	case SYS_kill: case SYS_tkill: case SYS_rt_sigqueueinfo: case SYS_pidfd_send_signal:
		if ((int)a[1] == SIGKILL)
			a[1] = SIGUSR1;
		break;
	case SYS_tgkill: case SYS_rt_tgsigqueueinfo:
		if ((int)a[2] == SIGKILL)
			a[2] = SIGUSR1;
		break;
	case SYS_rt_sigaction:
		if (a[1] && !refused_kind(kind[1])) {
			f->action = (struct kaction){ next(f) % 4 ? (uint64_t)(uintptr_t)on_signal : 1 /* SIG_IGN */,
						      (next(f) & ~(uint64_t)SA_RESETHAND) | SA_RESTORER,
						      (uint64_t)(uintptr_t)scfuzz_restore, next(f) };
			a[1] = (long)&f->action;
		}
		break;
	case SYS_poll:
		if ((int)a[2] < 0 || (int)a[2] > 10)
			a[2] = a[2] & 7;
		break;
	case SYS_epoll_wait: case SYS_epoll_pwait:
		if ((int)a[3] < 0 || (int)a[3] > 10)
			a[3] = a[3] & 7;
		break;
	case SYS_ppoll: case SYS_rt_sigtimedwait: case SYS_clock_nanosleep:
		short_wait(f, &a[2], kind[2]);
		break;
	case SYS_select: case SYS_pselect6:
		short_wait(f, &a[4], kind[4]);
		break;
	case SYS_epoll_pwait2: case SYS_futex: case SYS_futex_waitv:
		short_wait(f, &a[3], kind[3]);
		break;
	case SYS_nanosleep:
		short_wait(f, &a[0], kind[0]);
		break;
	case SYS_flock:
		a[1] |= LOCK_NB;
		break;
	case SYS_fcntl:
		if (a[1] == F_SETLKW)
			a[1] = F_SETLK;
		if (a[1] == F_OFD_SETLKW)
			a[1] = F_OFD_SETLK;
		break;
	case SYS_mmap: case SYS_munmap: case SYS_mprotect: case SYS_madvise: case SYS_msync: case SYS_mlock:
	case SYS_munlock: case SYS_mincore: case SYS_pkey_mprotect: case SYS_remap_file_pages:
		bound_range(f, a[0], &a[1]);
		break;
	case SYS_mremap:
		bound_range(f, a[0], &a[1]);
		bound_range(f, a[4], &a[2]);
		break;
	}
	return 1;
}

/* Puts back what the call may have changed of the fuzzer's own state. */
static void repair(struct fuzzer *f, long nr, const long *a, long r)
{
	static const long empty_mask = 0;
	switch (nr) {
	case SYS_rt_sigaction:
		install(WATCHDOG_SIG, 0, 0, (uint64_t)(uintptr_t)on_signal);
		fill(f, (uintptr_t)a[2], sizeof(struct kaction));
		break;
	case SYS_rt_sigprocmask:
		S4(SYS_rt_sigprocmask, SIG_SETMASK, &empty_mask, 0, 8);
		break;
	case SYS_sigaltstack: {
		stack_t off = { .ss_flags = SS_DISABLE };
		S2(SYS_sigaltstack, &off, 0);
		break;
	}
	case SYS_setitimer: case SYS_alarm: {
		struct itimerval zero = { 0 };
		for (int w = 0; w < 3; w++)
			S3(SYS_setitimer, w, &zero, 0);
		break;
	}
	case SYS_arch_prctl:
		S2(SYS_arch_prctl, ARCH_SET_FS, fs_base_of[f->index]);
		fill(f, (uintptr_t)a[1], 8);
		break;
	case SYS_get_robust_list:
		fill(f, (uintptr_t)a[1], 8);
		break;
	case SYS_prctl:
		for (int i = 1; i < 5; i++)
			fill(f, (uintptr_t)a[i], 8);
		break;
	case SYS_fcntl: case SYS_ioctl:
		nonblocking_again();
		break;
	case SYS_mmap:
		if (r > 0 && !(a[3] & MAP_FIXED))
			S2(SYS_munmap, r, a[1]);
		break;
	case SYS_mremap:
		if (r > 0 && r != a[0])
			S2(SYS_munmap, r, a[2]);
		break;
	}
}

static void check_kernel(struct fuzzer *f)
{
	for (int i = 0; i < region_count; i++) {
		uint64_t h = region_hash(&regions[i]);
		if (h != region_start[i]) {
			out("CORRUPT %s at %#lx changed after call %ld (%ld, %#lx, %#lx, %#lx, %#lx, %#lx, %#lx) of thread %d", region_names[i],
			    (unsigned long)regions[i].addr, f->done, f->last[0], f->last[1], f->last[2], f->last[3], f->last[4], f->last[5],
			    f->last[6], f->index);
			S1(SYS_exit_group, 5);
		}
	}
}

static void *fuzz(void *p)
{
	struct fuzzer *f = p;
	f->tid = S1(SYS_gettid, 0);
	S2(SYS_arch_prctl, ARCH_GET_FS, &fs_base_of[f->index]);
	make_rambuf(f);
	make_arena(f);
	for (f->done = 0; f->done < f->calls; f->done++) {
		if (f->done % REFRESH_EVERY == 0) {
			refresh_arena(f);
			if (f->index == 0 && f->done % (REFRESH_EVERY * 4) == 0)
				make_fodder();
		}
		if (f->done % 1000 == 0)
			out("progress %d %ld", f->index, f->done);
		long nr = next(f) % 4 || focused ? implemented[next(f) % implemented_count] : (long)(next(f) % 461), a[6];
		int kind[6];
		for (int i = 0; i < 6; i++)
			a[i] = (long)arg(f, &kind[i]);
		if (!sandbox(f, nr, a, kind)) {
			f->skipped++;
			continue;
		}
		/* Fresh structures where the call will read: the template's bytes at that offset. */
		for (int i = 0; i < 6; i++)
			if ((kind[i] == A_ARENA || kind[i] == A_PATH || kind[i] == A_TIME) && next(f) % 2)
				fill(f, (uintptr_t)a[i], 512);
		f->last[0] = nr;
		memcpy(&f->last[1], a, sizeof a);
		if (tracing)
			out("call %d %ld %ld %#lx %#lx %#lx %#lx %#lx %#lx", f->index, f->done, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		atomic_store(&f->call_started_ns, now_ns());
		long r = sys6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		atomic_store(&f->call_started_ns, 0);
		atomic_store(&fault_streak, 0);
		repair(f, nr, a, r);
		if (self_test && f->index == 0 && f->done == 100)
			*(volatile uint8_t *)(ks.ro_addr[0] + 0x100) ^= 1;
		if (r < 0 && r >= -4095)
			f->errors[-r]++;
		else
			f->ok++;
		check_kernel(f);
	}
	atomic_fetch_add(&finished, 1);
	return NULL;
}

/* Interrupts a call that waits too long; ends the run when one never returns. */
static void *watchdog(void *unused)
{
	(void)unused;
	for (;;) {
		struct timespec tick = { 0, 50 * 1000 * 1000 };
		S2(SYS_nanosleep, &tick, 0);
		long now = now_ns();
		for (int t = 0; t < thread_count; t++) {
			struct fuzzer *f = &fuzzers[t];
			long started = atomic_load(&f->call_started_ns);
			if (!started || now - started < 500 * 1000 * 1000L)
				continue;
			if (now - started > 10 * 1000 * 1000 * 1000L) {
				out("STUCK thread %d call %ld (%ld, %#lx, %#lx, %#lx, %#lx, %#lx, %#lx) for 10 s", t, f->done, f->last[0], f->last[1],
				    f->last[2], f->last[3], f->last[4], f->last[5], f->last[6]);
				S1(SYS_exit_group, 4);
			}
			S3(SYS_tgkill, getpid(), f->tid, WATCHDOG_SIG);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 5 || !kernel_symbols(argc, argv, &ks)) {
		puts("usage: scfuzz SEED CALLS THREADS quiet|trace[,corrupt] NAME=0xVALUE... ro=0xADDRESS:0xLENGTH...");
		return 2;
	}
	uint64_t seed = strtoull(argv[1], 0, 0);
	long calls = atol(argv[2]);
	thread_count = atoi(argv[3]);
	tracing = strstr(argv[4], "trace") != NULL;
	self_test = strstr(argv[4], "corrupt") != NULL;
	if (thread_count < 1 || thread_count > MAX_THREADS)
		thread_count = 1;

	/* The console moves to OUT_FD; 0, 1 and 2 become /dev/null. */
	S2(SYS_dup2, 1, OUT_FD);
	int null = open("/dev/null", O_RDWR);
	for (int fd = 0; fd < 3; fd++)
		S2(SYS_dup2, null, fd);
	close(null);

	/* The kernel's pointers, and the memory checksummed after every call. */
	kernel_pointers[kernel_pointer_count++] = ks.end - 64;
	uintptr_t kp[] = { ks.kernel_entry, ks.syscall_table, ks.idt, ks.gdt, ks.percpu, ks.page_bitmap, ks.ram_size_var,
			   ks.heap_start_var, ks.task, ks.task + UK_KERNEL_STACK_SIZE - 512, UK_BOOT_INFO_ADDR, UK_BOOT_GDT_ADDR,
			   UK_PML4_ADDR, UK_PML4_ADDR + 0x2000, ks.ram_size - 4096 };
	for (size_t i = 0; i < sizeof kp / sizeof kp[0]; i++)
		if (kp[i])
			kernel_pointers[kernel_pointer_count++] = kp[i];
	for (int i = 0; i < ks.ro_count; i++)
		add_region("kernel text or read-only data", ks.ro_addr[i], ks.ro_len[i], 0);
	add_region("IDT", ks.idt, 4096, 0);
	add_region("boot GDT", UK_BOOT_GDT_ADDR, 4096, 0);
	add_region("PML4 and PDPT", UK_PML4_ADDR, 0x2000, 1);
	add_region("page directories (RAM)", UK_PML4_ADDR + 0x2000, ((ks.ram_size + (2 << 20) - 1) >> 21) * 8, 1);
	add_region("first and last page tables", UK_PML4_ADDR + 0x6000, 0x2000, 1);
	for (int i = 0; i < region_count; i++)
		region_start[i] = region_hash(&regions[i]);

	/* Three calls in four go to numbers the kernel implements: its dispatch table (read
	 * directly: the program runs in ring 0) sends the others to one handler, the most
	 * frequent entry. */
	const volatile uint64_t *table = (const volatile uint64_t *)ks.syscall_table;
	uint64_t unknown = table[461 - 1];
	int most = 0;
	for (int i = 0; i < 461; i++) {
		int n = 0;
		for (int j = 0; j < 461; j++)
			n += table[j] == table[i];
		if (n > most) {
			most = n;
			unknown = table[i];
		}
	}
	for (int i = 0; i < 461; i++)
		if (table[i] != unknown)
			implemented[implemented_count++] = i;
	out("implemented %d of 461", implemented_count);
	/* "focus=NR,NR,...": only these numbers (to narrow a failure down). */
	const char *focus = strstr(argv[4], "focus=");
	if (focus) {
		implemented_count = 0;
		for (char *p = (char *)focus + 6; *p && implemented_count < 461;) {
			implemented[implemented_count++] = strtol(p, &p, 10);
			if (*p != ',')
				break;
			p++;
		}
		focused = 1;
	}

	install_all();
	for (int t = 0; t < thread_count; t++) {
		char name[32];
		snprintf(name, sizeof name, "/scfuzz-template-%d", t);
		int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
		S2(SYS_dup2, fd, TEMPLATE_FD0 + t);
		close(fd);
		fuzzers[t] = (struct fuzzer){ .index = t, .rng = (seed * 0x9e3779b97f4a7c15ULL + t) | 1, .calls = calls,
					      .template_fd = TEMPLATE_FD0 + t };
	}
	make_fodder();
	volatile struct uk_BootInfo *boot = (volatile struct uk_BootInfo *)UK_BOOT_INFO_ADDR;
	out("kernel %#lx-%#lx", (unsigned long)boot->kernel_start, (unsigned long)boot->kernel_end);
	out("scfuzz seed %llu calls %ld threads %d", (unsigned long long)seed, calls, thread_count);

	pthread_t th;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&th, &attr, watchdog, NULL) != 0)
		return 2;
	for (int t = 1; t < thread_count; t++)
		if (pthread_create(&th, &attr, fuzz, &fuzzers[t]) != 0)
			return 2;
	fuzz(&fuzzers[0]);
	while (atomic_load(&finished) < thread_count) {
		struct timespec ms = { 0, 1000 * 1000 };
		S2(SYS_nanosleep, &ms, 0);
	}

	long ok = 0, total = 0, skipped = 0;
	static long errors[4096];
	for (int t = 0; t < thread_count; t++) {
		ok += fuzzers[t].ok;
		skipped += fuzzers[t].skipped;
		total += fuzzers[t].done;
		for (int e = 0; e < 4096; e++)
			errors[e] += fuzzers[t].errors[e];
	}
	out("result ok %ld", ok);
	for (int e = 1; e < 4096; e++)
		if (errors[e])
			out("result errno %d %ld", e, errors[e]);
	out("result skipped %ld", skipped);
	out("calls %ld", total - skipped);
	S1(SYS_exit_group, 0);
	return 0;
}
