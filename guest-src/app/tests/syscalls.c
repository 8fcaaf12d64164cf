/* The single-threaded system calls musl programs rely on, each checked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	if (!ok)
		failures++;
}

int main(void)
{
	struct winsize ws;
	check("ioctl TIOCGWINSZ is ENOTTY", ioctl(1, TIOCGWINSZ, &ws) == -1 && errno == ENOTTY);
	check("getpid", getpid() == 1);
	struct utsname u;
	check("uname", uname(&u) == 0 && strcmp(u.machine, "x86_64") == 0);
	struct timespec a, b, r;
	check("clock_gettime", clock_gettime(CLOCK_MONOTONIC, &a) == 0 && clock_gettime(CLOCK_MONOTONIC, &b) == 0 &&
		(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec)));
	check("clock_gettime realtime", clock_gettime(CLOCK_REALTIME, &r) == 0 && r.tv_sec > 1700000000);
	check("clock_gettime bad clock", clock_gettime(99, &a) == -1 && errno == EINVAL);
	struct timespec d = { 0, 20 * 1000 * 1000 };
	clock_gettime(CLOCK_MONOTONIC, &a);
	nanosleep(&d, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long elapsed = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
	check("nanosleep 20 ms", elapsed >= 20 * 1000 * 1000);
	unsigned char rnd[64] = { 0 }, zero[64] = { 0 };
	check("getrandom", getrandom(rnd, sizeof rnd, 0) == sizeof rnd && memcmp(rnd, zero, sizeof rnd) != 0);
	sigset_t set;
	sigemptyset(&set);
	check("sigprocmask", sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	check("unknown syscall is ENOSYS", syscall(999) == -1 && errno == ENOSYS);
	check("fork is ENOSYS", syscall(57 /* fork */) == -1 && errno == ENOSYS);
	check("fork is ENOSYS twice", syscall(57 /* fork */) == -1 && errno == ENOSYS);
	check("rseq is ENOSYS", syscall(334 /* rseq */, 0, 0, 0, 0) == -1 && errno == ENOSYS);
	return failures;
}
