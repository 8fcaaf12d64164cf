/* Hands the kernel wild pointers: every call must fail with EFAULT (or the error
 * its contract names) and the program must keep running. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/utsname.h>

static int failures;

static void expect(const char *name, long got, int err)
{
	int ok = got == -1 && errno == err;
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	if (!ok)
		failures++;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	errno = 0;
	expect("write NULL", write(1, NULL, 10), EFAULT);
	expect("write wild", write(1, (void *)0x7fffffff0000ULL, 10), EFAULT);
	expect("write wraps", write(1, (void *)-16L, 64), EFAULT);
	expect("write bad fd", write(7, "x", 1), EBADF);
	expect("read wild", read(0, (void *)0xdeadbeef000ULL, 4), EFAULT);
	struct iovec iov[2] = { { "ok", 2 }, { (void *)0x10, 4 } };
	long n = writev(1, iov, 2);
	printf("\nwritev partial: %s\n", n == 2 ? "OK" : "FAILED");
	if (n != 2)
		failures++;
	expect("writev wild iov", writev(1, (struct iovec *)0x20, 1), EFAULT);
	expect("clock_gettime wild", clock_gettime(CLOCK_MONOTONIC, (struct timespec *)0x8), EFAULT);
	expect("getrandom wild", getrandom((void *)0x7fffffff0000ULL, 16, 0), EFAULT);
	expect("uname wild", uname((struct utsname *)0x100), EFAULT);
	printf("still running: %s\n", failures ? "with failures" : "OK");
	return failures;
}
