/* The process facts runtimes ask for at start, each checked: usage: facts CPUS.
 * Prints "time=SECONDS" so the test can compare the guest's time(2) with the host's.
 * Then what the process has used (CPU-time clocks, times, getrusage, sysinfo), prctl,
 * membarrier and the priority calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* <linux/membarrier.h>'s commands (musl's headers do not carry the kernel's). */
enum {
	MEMBARRIER_CMD_QUERY = 0,
	MEMBARRIER_CMD_GLOBAL = 1,
	MEMBARRIER_CMD_PRIVATE_EXPEDITED = 8,
	MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 16,
};

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	if (!ok)
		failures++;
}

static long long ns_of(clockid_t clock)
{
	struct timespec ts;
	if (clock_gettime(clock, &ts) != 0)
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Computes for `ms` milliseconds of CLOCK_MONOTONIC. */
static void busy(long ms)
{
	volatile unsigned long spin = 0;
	long long end = ns_of(CLOCK_MONOTONIC) + ms * 1000000LL;
	while (ns_of(CLOCK_MONOTONIC) < end)
		for (int i = 0; i < 1000; i++)
			spin++;
}

static void cpu_time_facts(void)
{
	const long long ms = 1000000;
	long long thread0 = ns_of(CLOCK_THREAD_CPUTIME_ID), process0 = ns_of(CLOCK_PROCESS_CPUTIME_ID);
	printf("cpu time at start: thread %lld us, process %lld us\n", thread0 / 1000, process0 / 1000);
	check("CPU-time clocks readable", thread0 >= 0 && process0 >= thread0);
	struct tms tms0;
	clock_t ticks0 = times(&tms0);
	struct timespec nap = { 0, 200 * ms };
	nanosleep(&nap, NULL);
	long long thread1 = ns_of(CLOCK_THREAD_CPUTIME_ID), process1 = ns_of(CLOCK_PROCESS_CPUTIME_ID);
	printf("cpu time over a 200 ms sleep: thread %lld us, process %lld us\n", (thread1 - thread0) / 1000, (process1 - process0) / 1000);
	check("CPU time stands still while the thread sleeps", thread1 >= thread0 && thread1 - thread0 < 100 * ms && process1 - process0 < 100 * ms);
	struct tms tms1;
	clock_t ticks1 = times(&tms1);
	check("times(): the return value counts the sleep in clock ticks", sysconf(_SC_CLK_TCK) == 100 && ticks1 - ticks0 >= 18);
	long long wall0 = ns_of(CLOCK_MONOTONIC);
	busy(100);
	long long wall = ns_of(CLOCK_MONOTONIC) - wall0;
	long long thread2 = ns_of(CLOCK_THREAD_CPUTIME_ID), process2 = ns_of(CLOCK_PROCESS_CPUTIME_ID);
	printf("cpu time over %lld ms of computing: thread %lld us, process %lld us\n", wall / ms, (thread2 - thread1) / 1000, (process2 - process1) / 1000);
	check("CPU time grows while the thread computes", thread2 - thread1 >= wall / 2 && thread2 - thread1 <= wall + 5 * ms && process2 - process1 >= (thread2 - thread1) / 2);
	struct tms tms2;
	times(&tms2);
	check("times(): tms_utime grows with the work", tms2.tms_utime - tms0.tms_utime >= 4 && tms2.tms_cutime == 0 && tms2.tms_cstime == 0);
	struct timespec res;
	check("clock_getres on the CPU-time clocks", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0 &&
		clock_getres(CLOCK_THREAD_CPUTIME_ID, &res) == 0);
	struct timespec ts = { 0, 1 };
	check("clock_nanosleep on the thread's CPU clock is EINVAL", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ts, NULL) == EINVAL);

	struct rusage ru;
	long long before = ns_of(CLOCK_PROCESS_CPUTIME_ID);
	int self = getrusage(RUSAGE_SELF, &ru);
	long long after = ns_of(CLOCK_PROCESS_CPUTIME_ID);
	long long used = ru.ru_utime.tv_sec * 1000000000LL + ru.ru_utime.tv_usec * 1000LL;
	check("getrusage(RUSAGE_SELF): run time and peak memory", self == 0 && used >= before - 1000 && used <= after && ru.ru_utime.tv_usec < 1000000 &&
		ru.ru_maxrss > 0);
	check("getrusage(RUSAGE_THREAD)", getrusage(RUSAGE_THREAD, &ru) == 0 && ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec >= (thread2 - thread0) / 1000);
	check("getrusage(RUSAGE_CHILDREN): nothing", getrusage(RUSAGE_CHILDREN, &ru) == 0 && ru.ru_utime.tv_sec == 0 && ru.ru_utime.tv_usec == 0 && ru.ru_maxrss == 0);
	check("getrusage: an unknown who is EINVAL", getrusage(7, &ru) == -1 && errno == EINVAL);
	check("getrusage: a wild pointer is EFAULT", syscall(SYS_getrusage, RUSAGE_SELF, (void *)8) == -1 && errno == EFAULT);
}

static void memory_facts(void)
{
	struct sysinfo si;
	check("sysinfo", sysinfo(&si) == 0 && si.uptime < 3600 && si.mem_unit == 1 && si.totalram >= 16 << 20 &&
		si.freeram > 0 && si.freeram < si.totalram && si.procs >= 1 && si.totalswap == 0);
	size_t size = 32 << 20;
	char *block = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sysinfo si2;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long before_kib = ru.ru_maxrss;
	check("sysinfo: freeram falls by what mmap takes", block != MAP_FAILED && sysinfo(&si2) == 0 && si.freeram - si2.freeram >= size &&
		si.freeram - si2.freeram < size + (4 << 20));
	memset(block, 1, size);
	munmap(block, size);
	check("getrusage: ru_maxrss keeps the peak", getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss >= before_kib);
	check("sysinfo: a wild pointer is EFAULT", syscall(SYS_sysinfo, (void *)8) == -1 && errno == EFAULT);
}

static char child_name[16], child_inherited[16];

static void *named_thread(void *arg)
{
	(void)arg;
	prctl(PR_GET_NAME, child_inherited);
	prctl(PR_SET_NAME, "child");
	prctl(PR_GET_NAME, child_name);
	return NULL;
}

static void prctl_facts(void)
{
	char name[16] = "";
	check("PR_GET_NAME: the image's file name", prctl(PR_GET_NAME, name) == 0 && strcmp(name, "facts.elf") == 0);
	check("PR_SET_NAME round trip", prctl(PR_SET_NAME, "main-thread") == 0 && prctl(PR_GET_NAME, name) == 0 && strcmp(name, "main-thread") == 0);
	check("PR_SET_NAME keeps 15 bytes", prctl(PR_SET_NAME, "abcdefghijklmnopqrstuvwxyz") == 0 && prctl(PR_GET_NAME, name) == 0 &&
		strcmp(name, "abcdefghijklmno") == 0);
	prctl(PR_SET_NAME, "main-thread");
	pthread_t t;
	int made = pthread_create(&t, NULL, named_thread, NULL) == 0 && pthread_join(t, NULL) == 0;
	check("PR_SET_NAME per thread", made && strcmp(child_inherited, "main-thread") == 0 && strcmp(child_name, "child") == 0 &&
		prctl(PR_GET_NAME, name) == 0 && strcmp(name, "main-thread") == 0);
	check("PR_SET_NAME: a wild pointer is EFAULT", prctl(PR_SET_NAME, (void *)8) == -1 && errno == EFAULT);
	int sig = -1;
	check("PR_SET_PDEATHSIG round trip", prctl(PR_SET_PDEATHSIG, 9) == 0 && prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == 9 &&
		prctl(PR_SET_PDEATHSIG, 999) == -1 && errno == EINVAL);
	check("PR_GET_DUMPABLE / PR_SET_DUMPABLE", prctl(PR_GET_DUMPABLE) == 1 && prctl(PR_SET_DUMPABLE, 0) == 0 && prctl(PR_GET_DUMPABLE) == 0 &&
		prctl(PR_SET_DUMPABLE, 2) == -1 && errno == EINVAL);
	check("PR_SET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
		prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 && prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) == -1 && errno == EINVAL);
	check("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK) > 0);
	check("prctl: an unknown option is EINVAL", prctl(0x7fff, 0, 0, 0, 0) == -1 && errno == EINVAL);
}

static void barrier_and_priority_facts(void)
{
	long query = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	check("membarrier: QUERY lists the global and private expedited commands", query > 0 && (query & MEMBARRIER_CMD_GLOBAL) &&
		(query & MEMBARRIER_CMD_PRIVATE_EXPEDITED) && (query & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED));
	check("membarrier: PRIVATE_EXPEDITED before registering is EPERM", syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == -1 &&
		errno == EPERM);
	check("membarrier: registered, PRIVATE_EXPEDITED and GLOBAL succeed",
		syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 &&
		syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0 && syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0);
	check("membarrier: unknown flags are EINVAL", syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0x100, 0) == -1 && errno == EINVAL);
	check("sched_get_priority_max/min", sched_get_priority_max(SCHED_FIFO) == 99 && sched_get_priority_min(SCHED_RR) == 1 &&
		sched_get_priority_max(SCHED_OTHER) == 0 && sched_get_priority_min(SCHED_OTHER) == 0 && sched_get_priority_max(42) == -1 && errno == EINVAL);
	errno = 0;
	check("getpriority: nice 0", getpriority(PRIO_PROCESS, 0) == 0 && errno == 0);
	check("setpriority round trip", setpriority(PRIO_PROCESS, 0, 5) == 0 && getpriority(PRIO_PROCESS, 0) == 5 &&
		setpriority(PRIO_PROCESS, 0, 0) == 0);
}

int main(int argc, char **argv)
{
	long cpus = argc > 1 ? atol(argv[1]) : 1;
	cpu_set_t set;
	CPU_ZERO(&set);
	check("sched_getaffinity: one bit per vCPU", sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) == cpus);
	check("sysconf(_SC_NPROCESSORS_ONLN) is the vCPU count", sysconf(_SC_NPROCESSORS_ONLN) == cpus);
	check("sched_getaffinity: a small buffer is EINVAL", syscall(SYS_sched_getaffinity, 0, 4, &set) == -1 && errno == EINVAL);
	check("sched_getaffinity: a wild pointer is EFAULT", syscall(SYS_sched_getaffinity, 0, 8, (void *)8) == -1 && errno == EFAULT);
	check("sched_setaffinity accepted", sched_setaffinity(0, sizeof set, &set) == 0);

	struct rlimit r;
	check("RLIMIT_STACK 8 MiB", getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur == 8 * 1024 * 1024 && r.rlim_max == RLIM_INFINITY);
	check("RLIMIT_NOFILE 1024", getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur == 1024 && r.rlim_max == 1024);
	check("RLIMIT_AS unlimited", getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur == RLIM_INFINITY);
	r.rlim_cur = r.rlim_max = 1 << 20;
	check("setrlimit accepted", setrlimit(RLIMIT_CORE, &r) == 0);
	r.rlim_cur = 2;
	r.rlim_max = 1;
	check("setrlimit cur above max is EINVAL", setrlimit(RLIMIT_CORE, &r) == -1 && errno == EINVAL);
	check("getrlimit of no resource is EINVAL", syscall(SYS_prlimit64, 0, 99, 0, &r) == -1 && errno == EINVAL);

	check("getgroups: none", getgroups(0, NULL) == 0);
	check("wait4: no children", wait4(-1, NULL, 0, NULL) == -1 && errno == ECHILD);
	check("waitpid: no children", waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	/* musl's own wrappers of these two answer ENOSYS without asking the kernel (glibc's ask). */
	check("sched_getscheduler: SCHED_OTHER", syscall(SYS_sched_getscheduler, 0) == SCHED_OTHER);
	struct sched_param p = { .sched_priority = 7 };
	check("sched_getparam: priority 0", syscall(SYS_sched_getparam, 0, &p) == 0 && p.sched_priority == 0);
	unsigned cpu = 99, node = 99;
	check("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && cpu < (unsigned)cpus && node == 0);

	time_t t = 0, direct = syscall(SYS_time, &t);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	check("time(2) agrees with CLOCK_REALTIME", direct == t && now.tv_sec - t >= 0 && now.tv_sec - t <= 1);
	struct timeval tv;
	struct { int minuteswest, dsttime; } tz = { 5, 5 };
	check("gettimeofday agrees with time(2), in UTC", syscall(SYS_gettimeofday, &tv, &tz) == 0 && tv.tv_sec - t >= 0 &&
		tv.tv_sec - t <= 1 && tv.tv_usec >= 0 && tv.tv_usec < 1000000 && tz.minuteswest == 0 && tz.dsttime == 0);
	printf("time=%ld\n", (long)t);
	cpu_time_facts();
	memory_facts();
	prctl_facts();
	barrier_and_priority_facts();
	return failures;
}
