/* kfuzz: every implemented system call that takes a pointer gets, in each pointer
 * argument, addresses the program does not own: page 0, the BootInfo, the boot GDT,
 * the page tables, the kernel's text, read-only data, tables, per-CPU area, bitmaps
 * and last bytes, the thread's Task block and kernel stack, a free page, and
 * addresses at and beyond the end of RAM. Each call must answer -EFAULT (or the
 * harmless answer its table entry names). The kernel's read-only segments, the page
 * tables and the IDT are checksummed before and after (the program runs in ring 0
 * and reads them directly), and a few calls must answer as before.
 * Usage: kfuzz NAME=0xVALUE... ro=0xADDRESS:0xLENGTH... (tests/helpers/kernel-symbols.ts) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <kv.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kernel-symbols.h"

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	if (!ok)
		failures++;
}

/* The system call itself, not a C library wrapper (some copy answers themselves). */
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
	return ret;
}
#define S0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define S1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define S2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define S3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define S4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define S5(n, a, b, c, d, e) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define S6(n, a, b, c, d, e, f) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4

/* What the fuzzed pointer is to the call. */
enum role {
	OUT, /* the kernel writes there: nothing outside the program's own memory */
	IN,  /* the kernel reads there: also the argument strings, the vDSO, AT_RANDOM */
};
/* What the call must answer. */
enum answer {
	EFAULT_ONLY, /* -EFAULT */
	ANY_ERROR,   /* some -errno (mmap MAP_FIXED: -ENOMEM) */
	KV_FAIL,     /* the key-value calls' -1 */
	HARMLESS,    /* anything: the call ignores the pointer (it must still not touch it) */
};

struct target {
	const char *name;
	enum role role;
	enum answer answer;
	long (*call)(uintptr_t p);
	int null_absent; /* NULL means "no such argument" to this call */
};

static int fd, dirfd_, linkfd;
static char buf[4096];
static struct stat st;
static struct timespec ts;
static uint32_t futex_word = 5;

/* Reads start at offset 0, where the file has data to deliver. */
static long t_read_file(uintptr_t p)
{
	S3(SYS_lseek, fd, 0, SEEK_SET);
	return S3(SYS_read, fd, p, 64);
}
static long t_read_console(uintptr_t p) { return S3(SYS_read, 0, p, 64); }
static long t_pread(uintptr_t p) { return S4(SYS_pread64, fd, p, 64, 0); }
static long t_readv_iov(uintptr_t p)
{
	S3(SYS_lseek, fd, 0, SEEK_SET);
	return S3(SYS_readv, fd, p, 1);
}
static long t_readv_buf(uintptr_t p)
{
	struct iovec v = { (void *)p, 64 };
	S3(SYS_lseek, fd, 0, SEEK_SET);
	return S3(SYS_readv, fd, &v, 1);
}
static long t_write_file(uintptr_t p) { return S3(SYS_write, fd, p, 64); }
static long t_write_console(uintptr_t p) { return S3(SYS_write, 2, p, 64); }
static long t_pwrite(uintptr_t p) { return S4(SYS_pwrite64, fd, p, 64, 0); }
static long t_writev_iov(uintptr_t p) { return S3(SYS_writev, fd, p, 1); }
static long t_writev_buf(uintptr_t p)
{
	struct iovec v = { (void *)p, 64 };
	return S3(SYS_writev, fd, &v, 1);
}
static long t_open(uintptr_t p) { return S2(SYS_open, p, O_RDONLY); }
static long t_openat(uintptr_t p) { return S3(SYS_openat, AT_FDCWD, p, O_RDONLY); }
static long t_creat(uintptr_t p) { return S2(SYS_creat, p, 0644); }
static long t_stat_path(uintptr_t p) { return S2(SYS_stat, p, &st); }
static long t_stat_buf(uintptr_t p) { return S2(SYS_stat, "/kfuzz", p); }
static long t_lstat_path(uintptr_t p) { return S2(SYS_lstat, p, &st); }
static long t_lstat_buf(uintptr_t p) { return S2(SYS_lstat, "/kfuzz", p); }
static long t_fstat(uintptr_t p) { return S2(SYS_fstat, fd, p); }
static long t_fstatat_path(uintptr_t p) { return S4(SYS_newfstatat, AT_FDCWD, p, &st, 0); }
static long t_fstatat_buf(uintptr_t p) { return S4(SYS_newfstatat, AT_FDCWD, "/kfuzz", p, 0); }
static long t_fstatat_empty(uintptr_t p) { return S4(SYS_newfstatat, fd, "", p, AT_EMPTY_PATH); }
static long t_access(uintptr_t p) { return S2(SYS_access, p, F_OK); }
static long t_faccessat(uintptr_t p) { return S3(SYS_faccessat, AT_FDCWD, p, F_OK); }
static long t_faccessat2(uintptr_t p) { return S4(SYS_faccessat2, AT_FDCWD, p, F_OK, 0); }
static long t_truncate(uintptr_t p) { return S2(SYS_truncate, p, 0); }
static long t_chdir(uintptr_t p) { return S1(SYS_chdir, p); }
static long t_rename_old(uintptr_t p) { return S2(SYS_rename, p, "/kfuzz-x"); }
static long t_rename_new(uintptr_t p) { return S2(SYS_rename, "/kfuzz-spare", p); }
static long t_renameat(uintptr_t p) { return S4(SYS_renameat, AT_FDCWD, p, AT_FDCWD, "/kfuzz-x"); }
static long t_renameat2(uintptr_t p) { return S5(SYS_renameat2, AT_FDCWD, "/kfuzz-spare", AT_FDCWD, p, 0); }
static long t_mkdir(uintptr_t p) { return S2(SYS_mkdir, p, 0755); }
static long t_mkdirat(uintptr_t p) { return S3(SYS_mkdirat, AT_FDCWD, p, 0755); }
static long t_rmdir(uintptr_t p) { return S1(SYS_rmdir, p); }
static long t_unlink(uintptr_t p) { return S1(SYS_unlink, p); }
static long t_unlinkat(uintptr_t p) { return S3(SYS_unlinkat, AT_FDCWD, p, 0); }
static long t_link_old(uintptr_t p) { return S2(SYS_link, p, "/kfuzz-y"); }
static long t_link_new(uintptr_t p) { return S2(SYS_link, "/kfuzz", p); }
static long t_linkat(uintptr_t p) { return S5(SYS_linkat, AT_FDCWD, "/kfuzz", AT_FDCWD, p, 0); }
static long t_symlink_target(uintptr_t p) { return S2(SYS_symlink, p, "/kfuzz-z"); }
static long t_symlink_path(uintptr_t p) { return S2(SYS_symlink, "kfuzz", p); }
static long t_symlinkat(uintptr_t p) { return S3(SYS_symlinkat, "kfuzz", AT_FDCWD, p); }
static long t_readlink_path(uintptr_t p) { return S3(SYS_readlink, p, buf, 64); }
static long t_readlink_buf(uintptr_t p) { return S3(SYS_readlink, "/kfuzz-link", p, 64); }
static long t_readlinkat_buf(uintptr_t p) { return S4(SYS_readlinkat, AT_FDCWD, "/kfuzz-link", p, 64); }
static long t_chmod(uintptr_t p) { return S2(SYS_chmod, p, 0644); }
static long t_fchmodat(uintptr_t p) { return S3(SYS_fchmodat, AT_FDCWD, p, 0644); }
static long t_getcwd(uintptr_t p) { return S2(SYS_getcwd, p, 256); }
static long t_getdents(uintptr_t p) { return S3(SYS_getdents64, dirfd_, p, 1024); }
static long t_fcntl_getlk(uintptr_t p) { return S3(SYS_fcntl, fd, F_GETLK, p); }
static long t_mmap_fixed(uintptr_t p)
{
	return S6(SYS_mmap, p & ~4095UL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}
static long t_munmap(uintptr_t p) { return S2(SYS_munmap, p & ~4095UL, 4096); }
static long t_mprotect(uintptr_t p) { return S3(SYS_mprotect, p & ~4095UL, 4096, PROT_READ | PROT_EXEC); }
static long t_madvise(uintptr_t p) { return S3(SYS_madvise, p & ~4095UL, 4096, MADV_DONTNEED); }
static long t_clock_gettime(uintptr_t p) { return S2(SYS_clock_gettime, CLOCK_MONOTONIC, p); }
static long t_clock_getres(uintptr_t p) { return S2(SYS_clock_getres, CLOCK_REALTIME, p); }
static long t_gettimeofday_tv(uintptr_t p) { return S2(SYS_gettimeofday, p, 0); }
static long t_gettimeofday_tz(uintptr_t p) { return S2(SYS_gettimeofday, 0, p); }
static long t_time(uintptr_t p) { return S1(SYS_time, p); }
static long t_nanosleep(uintptr_t p) { return S2(SYS_nanosleep, p, 0); }
static long t_nanosleep_rem(uintptr_t p) { return S2(SYS_nanosleep, &ts, p); }
static long t_clock_nanosleep(uintptr_t p) { return S4(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, p, 0); }
static long t_uname(uintptr_t p) { return S1(SYS_uname, p); }
static long t_getrlimit(uintptr_t p) { return S2(SYS_getrlimit, RLIMIT_STACK, p); }
static long t_setrlimit(uintptr_t p) { return S2(SYS_setrlimit, RLIMIT_CORE, p); }
static long t_prlimit_new(uintptr_t p) { return S4(SYS_prlimit64, 0, RLIMIT_CORE, p, 0); }
static long t_prlimit_old(uintptr_t p) { return S4(SYS_prlimit64, 0, RLIMIT_STACK, 0, p); }
static long t_sched_getparam(uintptr_t p) { return S2(SYS_sched_getparam, 0, p); }
static long t_getaffinity(uintptr_t p) { return S3(SYS_sched_getaffinity, 0, 128, p); }
static long t_setaffinity(uintptr_t p) { return S3(SYS_sched_setaffinity, 0, 128, p); }
static long t_getcpu_cpu(uintptr_t p) { return S3(SYS_getcpu, p, 0, 0); }
static long t_getcpu_node(uintptr_t p) { return S3(SYS_getcpu, 0, p, 0); }
static long t_getrandom(uintptr_t p) { return S3(SYS_getrandom, p, 64, 0); }
static long t_arch_prctl_get(uintptr_t p) { return S2(SYS_arch_prctl, 0x1003, p); }
static long t_futex_wake(uintptr_t p) { return S3(SYS_futex, p & ~3UL, FUTEX_WAKE, 1); }
/* A value the word does not hold: a wrongly accepted word answers EAGAIN, never sleeps. */
static long t_futex_wait(uintptr_t p) { return S4(SYS_futex, p & ~3UL, FUTEX_WAIT, 0x5a5a5a5a, 0); }
static long t_futex_timeout(uintptr_t p) { return S4(SYS_futex, &futex_word, FUTEX_WAIT, futex_word + 1, p); }
static long t_futex_requeue(uintptr_t p) { return S6(SYS_futex, &futex_word, FUTEX_CMP_REQUEUE, 1, 1, p & ~3UL, futex_word); }
static long t_clone_parent_tid(uintptr_t p)
{
	return S5(SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID, 0, p, 0,
		  0);
}
static long t_clone_child_tid(uintptr_t p)
{
	return S5(SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_SETTID, 0, 0, p,
		  0);
}
static long t_kv_put_key(uintptr_t p) { return put((char *)p, "v", 1); }
static long t_kv_put_value(uintptr_t p) { return put("kfuzz", (void *)p, 16); }
static long t_kv_get_key(uintptr_t p)
{
	size_t len = sizeof buf;
	return get((char *)p, buf, &len);
}
static long t_kv_get_value(uintptr_t p)
{
	size_t len = 64;
	return get("kfuzz", (void *)p, &len);
}
static long t_kv_get_len(uintptr_t p) { return get("kfuzz", buf, (size_t *)p); }
static long t_ioctl(uintptr_t p) { return S3(SYS_ioctl, 1, TIOCGWINSZ, p); }
static long t_getgroups(uintptr_t p) { return S2(SYS_getgroups, 16, p); }
static long t_wait4(uintptr_t p) { return S4(SYS_wait4, -1, p, 0, p); }
static long t_waitid(uintptr_t p) { return S5(SYS_waitid, P_ALL, 0, p, WEXITED, p); }
static long t_rt_sigaction(uintptr_t p) { return S4(SYS_rt_sigaction, SIGUSR1, p, p, 8); }
static long t_rt_sigprocmask(uintptr_t p) { return S4(SYS_rt_sigprocmask, SIG_BLOCK, p, p, 8); }
static long t_sigaltstack(uintptr_t p) { return S2(SYS_sigaltstack, p, p); }
static long t_set_robust_list(uintptr_t p) { return S2(SYS_set_robust_list, p, 24); }

/* Calls of the events, signals, files and process-facts parts. */
static int pfd[2] = { -1, -1 }, ep = -1;
static long t_pipe(uintptr_t p) { return S1(SYS_pipe, p); }
static long t_pipe2(uintptr_t p) { return S2(SYS_pipe2, p, O_CLOEXEC); }
static long t_poll(uintptr_t p) { return S3(SYS_poll, p, 1, 0); }
static long t_ppoll_fds(uintptr_t p) { return S5(SYS_ppoll, p, 1, &ts, 0, 8); }
static long t_ppoll_ts(uintptr_t p)
{
	struct pollfd f = { pfd[1], POLLOUT, 0 }; /* ready: a NULL timeout (forever) returns too */
	return S5(SYS_ppoll, &f, 1, p, 0, 8);
}
static long t_ppoll_mask(uintptr_t p)
{
	struct pollfd f = { pfd[0], POLLIN, 0 };
	struct timespec zero = { 0, 0 };
	return S5(SYS_ppoll, &f, 1, &zero, p, 8);
}
static long t_select(uintptr_t p)
{
	struct timeval zero = { 0, 0 };
	return S5(SYS_select, pfd[0] + 1, p, 0, 0, &zero);
}
static long t_pselect_mask(uintptr_t p)
{
	struct timespec zero = { 0, 0 };
	return S6(SYS_pselect6, 0, 0, 0, 0, &zero, p);
}
static long t_epoll_ctl(uintptr_t p) { return S4(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, pfd[0], p); }
static long t_epoll_wait(uintptr_t p) { return S4(SYS_epoll_wait, ep, p, 4, 0); }
static long t_sigaction_act(uintptr_t p) { return S4(SYS_rt_sigaction, SIGUSR1, p, 0, 8); }
static long t_sigaction_old(uintptr_t p) { return S4(SYS_rt_sigaction, SIGUSR1, 0, p, 8); }
static long t_sigprocmask_set(uintptr_t p) { return S4(SYS_rt_sigprocmask, SIG_BLOCK, p, 0, 8); }
static long t_sigprocmask_old(uintptr_t p) { return S4(SYS_rt_sigprocmask, SIG_BLOCK, 0, p, 8); }
static long t_sigpending(uintptr_t p) { return S2(SYS_rt_sigpending, p, 8); }
static long t_sigaltstack_new(uintptr_t p) { return S2(SYS_sigaltstack, p, 0); }
static long t_sigaltstack_old(uintptr_t p) { return S2(SYS_sigaltstack, 0, p); }
static long t_sigtimedwait_set(uintptr_t p)
{
	struct timespec zero = { 0, 0 };
	return S4(SYS_rt_sigtimedwait, p, 0, &zero, 8);
}
static long t_getitimer(uintptr_t p) { return S2(SYS_getitimer, ITIMER_REAL, p); }
static long t_setitimer(uintptr_t p) { return S3(SYS_setitimer, ITIMER_REAL, p, 0); }
static long t_utimensat_path(uintptr_t p) { return S4(SYS_utimensat, AT_FDCWD, p, 0, 0); }
static long t_utimensat_times(uintptr_t p) { return S4(SYS_utimensat, AT_FDCWD, "/kfuzz", p, 0); }
static long t_statx_path(uintptr_t p) { return S5(SYS_statx, AT_FDCWD, p, 0, 0x7ff, buf); }
static long t_statx_buf(uintptr_t p) { return S5(SYS_statx, AT_FDCWD, "/kfuzz", 0, 0x7ff, p); }
static long t_sendfile_off(uintptr_t p) { return S4(SYS_sendfile, pfd[1], fd, p, 1); }
static long t_copy_range_off(uintptr_t p) { return S6(SYS_copy_file_range, fd, p, fd, 0, 1, 0); }
static long t_fcntl_setlk(uintptr_t p) { return S3(SYS_fcntl, fd, F_SETLK, p); }
static long t_sysinfo(uintptr_t p) { return S1(SYS_sysinfo, p); }
static long t_times(uintptr_t p) { return S1(SYS_times, p); }
static long t_getrusage(uintptr_t p) { return S2(SYS_getrusage, RUSAGE_SELF, p); }
static long t_prctl_set_name(uintptr_t p) { return S2(SYS_prctl, PR_SET_NAME, p); }
static long t_prctl_get_name(uintptr_t p) { return S2(SYS_prctl, PR_GET_NAME, p); }
/* Sockets: a connected AF_UNIX pair with data waiting (sp[1] reads "x"), a UDP socket. */
static int sp[2] = { -1, -1 }, usock = -1;
static struct sockaddr_in uaddr = { .sin_family = AF_INET, .sin_port = 0x3930 };
static socklen_t slen = sizeof uaddr;
static int optval = 1;
static long t_bind(uintptr_t p) { return S3(SYS_bind, usock, p, sizeof uaddr); }
static long t_connect(uintptr_t p) { return S3(SYS_connect, usock, p, sizeof uaddr); }
static long t_sendto_buf(uintptr_t p) { return S6(SYS_sendto, sp[0], p, 1, MSG_DONTWAIT, 0, 0); }
static long t_sendto_addr(uintptr_t p) { return S6(SYS_sendto, usock, buf, 1, MSG_DONTWAIT, p, sizeof uaddr); }
static long t_recvfrom_buf(uintptr_t p) { return S6(SYS_recvfrom, sp[1], p, 1, MSG_DONTWAIT | MSG_PEEK, 0, 0); }
static long t_recvfrom_addr(uintptr_t p) { return S6(SYS_recvfrom, sp[1], buf, 1, MSG_DONTWAIT | MSG_PEEK, p, &slen); }
static long t_recvfrom_len(uintptr_t p) { return S6(SYS_recvfrom, sp[1], buf, 1, MSG_DONTWAIT | MSG_PEEK, &uaddr, p); }
static long t_getsockname(uintptr_t p) { return S3(SYS_getsockname, usock, p, &slen); }
static long t_getsockopt(uintptr_t p) { return S5(SYS_getsockopt, usock, SOL_SOCKET, SO_TYPE, p, &slen); }
static long t_setsockopt(uintptr_t p) { return S5(SYS_setsockopt, usock, SOL_SOCKET, SO_REUSEADDR, p, sizeof optval); }
static long t_sendmsg(uintptr_t p) { return S3(SYS_sendmsg, sp[0], p, MSG_DONTWAIT); }
static long t_recvmsg(uintptr_t p) { return S3(SYS_recvmsg, sp[1], p, MSG_DONTWAIT | MSG_PEEK); }
static long t_sendmmsg(uintptr_t p) { return S4(SYS_sendmmsg, sp[0], p, 1, MSG_DONTWAIT); }
static long t_recvmmsg(uintptr_t p) { return S5(SYS_recvmmsg, sp[1], p, 1, MSG_DONTWAIT | MSG_PEEK, 0); }
static long t_socketpair(uintptr_t p) { return S4(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, p); }
static long t_msync(uintptr_t p) { return S3(SYS_msync, p & ~4095UL, 4096, MS_SYNC); }
static long t_mremap(uintptr_t p) { return S4(SYS_mremap, p & ~4095UL, 4096, 8192, MREMAP_MAYMOVE); }

static const struct target targets[] = {
	{ "read (file)", OUT, EFAULT_ONLY, t_read_file, 0 },
	{ "read (console)", OUT, EFAULT_ONLY, t_read_console, 0 },
	{ "pread64", OUT, EFAULT_ONLY, t_pread, 0 },
	{ "readv (iovec array)", IN, EFAULT_ONLY, t_readv_iov, 0 },
	{ "readv (buffer)", OUT, EFAULT_ONLY, t_readv_buf, 0 },
	{ "write (file)", IN, EFAULT_ONLY, t_write_file, 0 },
	{ "write (console)", IN, EFAULT_ONLY, t_write_console, 0 },
	{ "pwrite64", IN, EFAULT_ONLY, t_pwrite, 0 },
	{ "writev (iovec array)", IN, EFAULT_ONLY, t_writev_iov, 0 },
	{ "writev (buffer)", IN, EFAULT_ONLY, t_writev_buf, 0 },
	{ "open", IN, EFAULT_ONLY, t_open, 0 },
	{ "openat", IN, EFAULT_ONLY, t_openat, 0 },
	{ "creat", IN, EFAULT_ONLY, t_creat, 0 },
	{ "stat (path)", IN, EFAULT_ONLY, t_stat_path, 0 },
	{ "stat (buffer)", OUT, EFAULT_ONLY, t_stat_buf, 0 },
	{ "lstat (path)", IN, EFAULT_ONLY, t_lstat_path, 0 },
	{ "lstat (buffer)", OUT, EFAULT_ONLY, t_lstat_buf, 0 },
	{ "fstat", OUT, EFAULT_ONLY, t_fstat, 0 },
	{ "newfstatat (path)", IN, EFAULT_ONLY, t_fstatat_path, 0 },
	{ "newfstatat (buffer)", OUT, EFAULT_ONLY, t_fstatat_buf, 0 },
	{ "newfstatat AT_EMPTY_PATH (buffer)", OUT, EFAULT_ONLY, t_fstatat_empty, 0 },
	{ "access", IN, EFAULT_ONLY, t_access, 0 },
	{ "faccessat", IN, EFAULT_ONLY, t_faccessat, 0 },
	{ "faccessat2", IN, EFAULT_ONLY, t_faccessat2, 0 },
	{ "truncate", IN, EFAULT_ONLY, t_truncate, 0 },
	{ "chdir", IN, EFAULT_ONLY, t_chdir, 0 },
	{ "rename (old)", IN, EFAULT_ONLY, t_rename_old, 0 },
	{ "rename (new)", IN, EFAULT_ONLY, t_rename_new, 0 },
	{ "renameat (old)", IN, EFAULT_ONLY, t_renameat, 0 },
	{ "renameat2 (new)", IN, EFAULT_ONLY, t_renameat2, 0 },
	{ "mkdir", IN, EFAULT_ONLY, t_mkdir, 0 },
	{ "mkdirat", IN, EFAULT_ONLY, t_mkdirat, 0 },
	{ "rmdir", IN, EFAULT_ONLY, t_rmdir, 0 },
	{ "unlink", IN, EFAULT_ONLY, t_unlink, 0 },
	{ "unlinkat", IN, EFAULT_ONLY, t_unlinkat, 0 },
	{ "link (old)", IN, EFAULT_ONLY, t_link_old, 0 },
	{ "link (new)", IN, EFAULT_ONLY, t_link_new, 0 },
	{ "linkat (new)", IN, EFAULT_ONLY, t_linkat, 0 },
	{ "symlink (target)", IN, EFAULT_ONLY, t_symlink_target, 0 },
	{ "symlink (path)", IN, EFAULT_ONLY, t_symlink_path, 0 },
	{ "symlinkat (path)", IN, EFAULT_ONLY, t_symlinkat, 0 },
	{ "readlink (path)", IN, EFAULT_ONLY, t_readlink_path, 0 },
	{ "readlink (buffer)", OUT, EFAULT_ONLY, t_readlink_buf, 0 },
	{ "readlinkat (buffer)", OUT, EFAULT_ONLY, t_readlinkat_buf, 0 },
	{ "chmod", IN, EFAULT_ONLY, t_chmod, 0 },
	{ "fchmodat", IN, EFAULT_ONLY, t_fchmodat, 0 },
	{ "getcwd", OUT, EFAULT_ONLY, t_getcwd, 0 },
	{ "getdents64", OUT, EFAULT_ONLY, t_getdents, 0 },
	{ "fcntl F_GETLK", OUT, EFAULT_ONLY, t_fcntl_getlk, 0 },
	{ "mmap MAP_FIXED", OUT, ANY_ERROR, t_mmap_fixed, 0 },
	{ "munmap", OUT, HARMLESS, t_munmap, 0 },
	{ "mprotect", OUT, HARMLESS, t_mprotect, 0 },
	{ "madvise", OUT, HARMLESS, t_madvise, 0 },
	{ "clock_gettime", OUT, EFAULT_ONLY, t_clock_gettime, 0 },
	{ "clock_getres", OUT, EFAULT_ONLY, t_clock_getres, 1 },
	{ "gettimeofday (timeval)", OUT, EFAULT_ONLY, t_gettimeofday_tv, 1 },
	{ "gettimeofday (timezone)", OUT, EFAULT_ONLY, t_gettimeofday_tz, 1 },
	{ "time", OUT, EFAULT_ONLY, t_time, 1 },
	{ "nanosleep (request)", IN, EFAULT_ONLY, t_nanosleep, 0 },
	{ "nanosleep (remainder)", OUT, HARMLESS, t_nanosleep_rem, 0 },
	{ "clock_nanosleep (request)", IN, EFAULT_ONLY, t_clock_nanosleep, 0 },
	{ "uname", OUT, EFAULT_ONLY, t_uname, 0 },
	{ "getrlimit", OUT, EFAULT_ONLY, t_getrlimit, 0 },
	{ "setrlimit", IN, EFAULT_ONLY, t_setrlimit, 0 },
	{ "prlimit64 (new)", IN, EFAULT_ONLY, t_prlimit_new, 1 },
	{ "prlimit64 (old)", OUT, EFAULT_ONLY, t_prlimit_old, 1 },
	{ "sched_getparam", OUT, EFAULT_ONLY, t_sched_getparam, 0 },
	{ "sched_getaffinity", OUT, EFAULT_ONLY, t_getaffinity, 0 },
	{ "sched_setaffinity", IN, EFAULT_ONLY, t_setaffinity, 0 },
	{ "getcpu (cpu)", OUT, EFAULT_ONLY, t_getcpu_cpu, 1 },
	{ "getcpu (node)", OUT, EFAULT_ONLY, t_getcpu_node, 1 },
	{ "getrandom", OUT, EFAULT_ONLY, t_getrandom, 0 },
	{ "arch_prctl ARCH_GET_FS", OUT, EFAULT_ONLY, t_arch_prctl_get, 0 },
	{ "futex FUTEX_WAKE", IN, EFAULT_ONLY, t_futex_wake, 0 },
	{ "futex FUTEX_WAIT", IN, EFAULT_ONLY, t_futex_wait, 0 },
	{ "futex FUTEX_WAIT (timeout)", IN, EFAULT_ONLY, t_futex_timeout, 1 },
	{ "futex FUTEX_CMP_REQUEUE (second word)", IN, EFAULT_ONLY, t_futex_requeue, 0 },
	{ "clone CLONE_PARENT_SETTID", OUT, EFAULT_ONLY, t_clone_parent_tid, 0 },
	{ "clone CLONE_CHILD_SETTID", OUT, EFAULT_ONLY, t_clone_child_tid, 0 },
	{ "put (key)", IN, KV_FAIL, t_kv_put_key, 0 },
	{ "put (value)", IN, KV_FAIL, t_kv_put_value, 0 },
	{ "get (key)", IN, KV_FAIL, t_kv_get_key, 0 },
	{ "get (value)", OUT, KV_FAIL, t_kv_get_value, 0 },
	{ "get (length)", OUT, KV_FAIL, t_kv_get_len, 0 },
	{ "ioctl TIOCGWINSZ", OUT, HARMLESS, t_ioctl, 0 },
	{ "getgroups", OUT, HARMLESS, t_getgroups, 0 },
	{ "wait4", OUT, HARMLESS, t_wait4, 0 },
	{ "waitid", OUT, HARMLESS, t_waitid, 0 },
	{ "rt_sigaction", OUT, EFAULT_ONLY, t_rt_sigaction, 1 },
	{ "rt_sigprocmask", OUT, EFAULT_ONLY, t_rt_sigprocmask, 1 },
	{ "sigaltstack", OUT, EFAULT_ONLY, t_sigaltstack, 1 },
	{ "pipe", OUT, EFAULT_ONLY, t_pipe, 0 },
	{ "pipe2", OUT, EFAULT_ONLY, t_pipe2, 0 },
	{ "poll (fds)", OUT, EFAULT_ONLY, t_poll, 0 },
	{ "ppoll (fds)", OUT, EFAULT_ONLY, t_ppoll_fds, 0 },
	{ "ppoll (timespec)", IN, EFAULT_ONLY, t_ppoll_ts, 1 },
	{ "ppoll (sigmask)", IN, EFAULT_ONLY, t_ppoll_mask, 1 },
	{ "select (readfds)", OUT, EFAULT_ONLY, t_select, 1 },
	{ "pselect6 (sigmask)", IN, EFAULT_ONLY, t_pselect_mask, 1 },
	{ "epoll_ctl (event)", IN, EFAULT_ONLY, t_epoll_ctl, 0 },
	{ "epoll_wait (events)", OUT, HARMLESS, t_epoll_wait, 0 },
	{ "rt_sigaction (act)", IN, EFAULT_ONLY, t_sigaction_act, 1 },
	{ "rt_sigaction (oldact)", OUT, EFAULT_ONLY, t_sigaction_old, 1 },
	{ "rt_sigprocmask (set)", IN, EFAULT_ONLY, t_sigprocmask_set, 1 },
	{ "rt_sigprocmask (oldset)", OUT, EFAULT_ONLY, t_sigprocmask_old, 1 },
	{ "rt_sigpending", OUT, EFAULT_ONLY, t_sigpending, 0 },
	{ "sigaltstack (new)", IN, EFAULT_ONLY, t_sigaltstack_new, 1 },
	{ "sigaltstack (old)", OUT, EFAULT_ONLY, t_sigaltstack_old, 1 },
	{ "rt_sigtimedwait (set)", IN, EFAULT_ONLY, t_sigtimedwait_set, 0 },
	{ "getitimer", OUT, EFAULT_ONLY, t_getitimer, 0 },
	{ "setitimer (new)", IN, EFAULT_ONLY, t_setitimer, 1 },
	{ "utimensat (path)", IN, EFAULT_ONLY, t_utimensat_path, 0 },
	{ "utimensat (times)", IN, EFAULT_ONLY, t_utimensat_times, 1 },
	{ "statx (path)", IN, EFAULT_ONLY, t_statx_path, 0 },
	{ "statx (buffer)", OUT, EFAULT_ONLY, t_statx_buf, 0 },
	{ "sendfile (offset)", OUT, EFAULT_ONLY, t_sendfile_off, 1 },
	{ "copy_file_range (offset)", OUT, EFAULT_ONLY, t_copy_range_off, 1 },
	{ "fcntl F_SETLK", IN, EFAULT_ONLY, t_fcntl_setlk, 0 },
	{ "sysinfo", OUT, EFAULT_ONLY, t_sysinfo, 0 },
	{ "times", OUT, EFAULT_ONLY, t_times, 1 },
	{ "getrusage", OUT, EFAULT_ONLY, t_getrusage, 0 },
	{ "prctl PR_SET_NAME", IN, EFAULT_ONLY, t_prctl_set_name, 0 },
	{ "prctl PR_GET_NAME", OUT, EFAULT_ONLY, t_prctl_get_name, 0 },
	{ "msync", OUT, HARMLESS, t_msync, 0 },
	{ "mremap", OUT, ANY_ERROR, t_mremap, 0 },
	{ "bind (address)", IN, EFAULT_ONLY, t_bind, 0 },
	{ "connect (address)", IN, EFAULT_ONLY, t_connect, 0 },
	{ "sendto (buffer)", IN, EFAULT_ONLY, t_sendto_buf, 0 },
	{ "sendto (address)", IN, EFAULT_ONLY, t_sendto_addr, 1 },
	{ "recvfrom (buffer)", OUT, EFAULT_ONLY, t_recvfrom_buf, 0 },
	{ "recvfrom (address)", OUT, EFAULT_ONLY, t_recvfrom_addr, 1 },
	{ "recvfrom (address length)", OUT, EFAULT_ONLY, t_recvfrom_len, 0 },
	{ "getsockname (address)", OUT, EFAULT_ONLY, t_getsockname, 0 },
	{ "getsockopt (value)", OUT, EFAULT_ONLY, t_getsockopt, 0 },
	{ "setsockopt (value)", IN, EFAULT_ONLY, t_setsockopt, 0 },
	{ "sendmsg (msghdr)", IN, EFAULT_ONLY, t_sendmsg, 0 },
	{ "recvmsg (msghdr)", OUT, EFAULT_ONLY, t_recvmsg, 0 },
	{ "socketpair (sv)", OUT, EFAULT_ONLY, t_socketpair, 0 },
	{ "sendmmsg (vector)", IN, EFAULT_ONLY, t_sendmmsg, 0 },
	{ "recvmmsg (vector)", OUT, EFAULT_ONLY, t_recvmmsg, 0 },
	{ "set_robust_list", OUT, HARMLESS, t_set_robust_list, 0 },
};

struct address {
	const char *name;
	uintptr_t value;
	int readable; /* the program may hand it to the kernel to read */
};

#define MAX_ADDRESSES 40
static struct address addresses[MAX_ADDRESSES];
static int address_count;

static void add(const char *name, uintptr_t value, int readable)
{
	if (address_count < MAX_ADDRESSES)
		addresses[address_count++] = (struct address){ name, value, readable };
}

static int answered_as_expected(const struct target *t, long r)
{
	switch (t->answer) {
	case EFAULT_ONLY:
		return r == -EFAULT;
	case ANY_ERROR:
		return r < 0 && r > -4096;
	case KV_FAIL:
		return r == -1;
	case HARMLESS:
		return 1;
	}
	return 0;
}

/* The page tables (PML4, PDPT, page directories, PT0), without the accessed and
 * dirty bits the processor sets as it uses them. */
static uint64_t page_tables_fnv1a(void)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const volatile uint64_t *e = (const volatile uint64_t *)UK_PML4_ADDR; e < (const volatile uint64_t *)0xa000; e++) {
		uint64_t v = *e & ~0x60ULL;
		for (int b = 0; b < 8; b++)
			h = (h ^ ((v >> (8 * b)) & 0xff)) * 0x100000001b3ULL;
	}
	return h;
}

/* The kernel's memory that nothing may change while the program runs. */
static void checksums(const struct kernel_symbols *k, uint64_t *out)
{
	int i;
	for (i = 0; i < k->ro_count; i++)
		out[i] = ksym_fnv1a(k->ro_addr[i], k->ro_len[i]);
	out[i++] = ksym_fnv1a(UK_BOOT_GDT_ADDR, 4096);
	out[i++] = page_tables_fnv1a();
	out[i++] = ksym_fnv1a(k->idt, 4096);
}

static atomic_int exiting;
/* A thread that names a kernel address as its CLEARTID word and exits: the kernel
 * writes 0 there and wakes it on exit, unless it refuses the address. */
static void *exit_with_cleartid(void *arg)
{
	S1(SYS_set_tid_address, arg);
	atomic_store(&exiting, 1);
	S1(SYS_exit, 0);
	return NULL;
}

static void *joined(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct kernel_symbols k;
	if (!kernel_symbols(argc, argv, &k))
		return 2;

	pipe(pfd);
	ep = epoll_create1(0);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	write(sp[0], "x", 1);
	usock = socket(AF_INET, SOCK_DGRAM, 0);
	fd = open("/kfuzz", O_CREAT | O_RDWR | O_TRUNC, 0644);
	check("set up: a file, a spare, a link, a directory, a key",
	      fd >= 0 && write(fd, "kfuzz data kfuzz data kfuzz data kfuzz data kfuzz data kfuzz data", 66) == 66 &&
		      close(open("/kfuzz-spare", O_CREAT | O_RDWR, 0644)) == 0 && symlink("kfuzz", "/kfuzz-link") == 0 &&
		      (dirfd_ = open("/", O_RDONLY | O_DIRECTORY)) >= 0 && put("kfuzz", "0123456789abcdef", 16) == 0);
	(void)linkfd;

	uint64_t before[KSYM_RO_MAX + 3], after[KSYM_RO_MAX + 3];
	checksums(&k, before);
	for (int i = 0; i < k.ro_count; i++)
		printf("checksum %#lx: %016llx\n", (unsigned long)k.ro_addr[i], (unsigned long long)before[i]);

	add("NULL", 0, 0);
	add("page 0", 0x10, 0);
	add("the end of page 0", 0xff8, 0);
	add("the BootInfo", UK_BOOT_INFO_ADDR, 0);
	add("the boot GDT", UK_BOOT_GDT_ADDR, 0);
	add("the PML4", UK_PML4_ADDR, 0);
	add("a page directory", UK_PML4_ADDR + 0x2000, 0);
	add("the argument area", k.args, 1);
	add("the kernel's entry", k.kernel_entry, 0);
	add("the syscall table", k.syscall_table, 0);
	add("the vDSO", k.vdso_image, 1);
	for (int i = 0; i < k.ro_count; i++)
		add("a read-only segment", k.ro_addr[i] + 64, 0);
	add("the GDT", k.gdt, 0);
	add("the IDT", k.idt, 0);
	add("the per-CPU area", k.percpu, 0);
	add("the page bitmap", k.page_bitmap, 0);
	if (k.user_bitmap)
		add("the owner bitmap", k.user_bitmap, 0);
	add("ram_size", k.ram_size_var, 0);
	add("heap_start", k.heap_start_var, 0);
	add("the kernel's last bytes", k.end - 32, 0);
	add("the Task block", k.task, 0);
	add("the kernel stack", k.task + UK_KERNEL_STACK_SIZE - 512, 0);
	add("a free page", k.ram_size - 4096, 0);
	add("the last bytes of RAM", k.ram_size - 16, 0);
	add("the end of RAM", k.ram_size, 0);
	add("beyond RAM", k.ram_size + 0x100000, 0);
	add("1 TiB", 1ULL << 40, 0);
	add("the top of the lower half", 0x7ffffffff000ULL, 0);
	add("the top of memory (wraps)", (uintptr_t)-4096, 0);

	int calls = 0;
	for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
		const struct target *tg = &targets[t];
		int ok = 1;
		for (int a = 0; a < address_count; a++) {
			if (tg->role == IN && addresses[a].readable)
				continue;
			if (tg->null_absent && addresses[a].value == 0)
				continue;
			long r = tg->call(addresses[a].value);
			calls++;
			if (!answered_as_expected(tg, r)) {
				printf("  %s at %s (%#lx) answered %ld\n", tg->name, addresses[a].name, (unsigned long)addresses[a].value, r);
				ok = 0;
			}
		}
		check(tg->name, ok);
	}
	printf("calls=%d\n", calls);

	/* set_tid_address: the kernel writes the word when the thread exits. */
	uintptr_t cleartid[] = { k.kernel_entry, k.syscall_table, k.idt, UK_PML4_ADDR, k.task, k.args, 8 };
	int threads_ok = 1;
	for (size_t i = 0; i < sizeof cleartid / sizeof cleartid[0]; i++) {
		pthread_t th;
		atomic_store(&exiting, 0);
		if (pthread_create(&th, NULL, exit_with_cleartid, (void *)cleartid[i]) != 0) {
			threads_ok = 0;
			break;
		}
		while (!atomic_load(&exiting))
			sched_yield();
		for (int y = 0; y < 20; y++)
			sched_yield();
	}
	check("set_tid_address (written at thread exit)", threads_ok);

	checksums(&k, after);
	for (int i = 0; i < k.ro_count; i++)
		printf("after %#lx: %016llx\n", (unsigned long)k.ro_addr[i], (unsigned long long)after[i]);
	int same = 1;
	for (int i = 0; i < k.ro_count; i++)
		same &= before[i] == after[i];
	check("the kernel's text and read-only data are unchanged", same);
	check("the boot GDT is unchanged", before[k.ro_count] == after[k.ro_count]);
	check("the page tables are unchanged", before[k.ro_count + 1] == after[k.ro_count + 1]);
	check("the IDT is unchanged", before[k.ro_count + 2] == after[k.ro_count + 2]);

	/* The kernel still answers as before. */
	check("getpid", getpid() == 1);
	char back[16] = { 0 };
	check("a file reads back", pread(fd, back, 5, 0) == 5 && memcmp(back, "kfuzz", 5) == 0);
	struct stat s2;
	check("stat", stat("/kfuzz-link", &s2) == 0 && s2.st_size == 66);
	size_t len = sizeof back;
	check("get", get("kfuzz", back, &len) == 0 && len == 16 && memcmp(back, "0123456789abcdef", 16) == 0);
	int mem_ok = 1;
	for (int i = 0; i < 32; i++) {
		char *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			mem_ok = 0;
			break;
		}
		memset(p, i, 65536);
		if (i % 2)
			munmap(p, 65536);
	}
	check("mmap, memset, munmap", mem_ok);
	pthread_t th;
	void *r = NULL;
	check("a thread starts and is joined", pthread_create(&th, NULL, joined, (void *)42) == 0 && pthread_join(th, &r) == 0 && r == (void *)42);
	struct timespec t0, t1;
	check("clock_gettime and nanosleep",
	      clock_gettime(CLOCK_MONOTONIC, &t0) == 0 && nanosleep(&(struct timespec){ 0, 1000000 }, NULL) == 0 &&
		      clock_gettime(CLOCK_MONOTONIC, &t1) == 0 && (t1.tv_sec > t0.tv_sec || t1.tv_nsec > t0.tv_nsec));
	return failures != 0;
}
