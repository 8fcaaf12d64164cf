/* The process facts runtimes ask for at start, each checked: usage: facts CPUS.
 * Prints "time=SECONDS" so the test can compare the guest's time(2) with the host's. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	if (!ok)
		failures++;
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
	return failures;
}
