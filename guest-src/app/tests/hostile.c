/* What a hostile program does to the VMM, which must answer and go on: argv[1] =
 * "truncate" (ftruncate of a /host file to 2^62 bytes), "fifo" (open a FIFO in the
 * share, which must not freeze the machine), "ports" (touch 4,096 unclaimed ports).
 * Prints what each call answered. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "truncate")) {
		int fd = open("/host/big", O_CREAT | O_RDWR, 0644);
		int r = ftruncate(fd, 1LL << 62);
		printf("ftruncate: %d %s\n", r, r ? strerror(errno) : "ok");
		r = truncate("/host/big", 1LL << 62);
		printf("truncate: %d %s\n", r, r ? strerror(errno) : "ok");
		printf("still running: %s\n", write(fd, "x", 1) == 1 ? "yes" : "no");
		return 0;
	}
	if (!strcmp(what, "fifo")) {
		int fd = open("/host/fifo", O_RDONLY);
		printf("open fifo: %d %s\n", fd, fd < 0 ? strerror(errno) : "opened");
		fd = open("/host/fifo", O_WRONLY);
		printf("open fifo for writing: %d %s\n", fd, fd < 0 ? strerror(errno) : "opened");
		printf("truncate fifo: %d\n", truncate("/host/fifo", 0) == 0 ? 0 : -errno);
		return 0;
	}
	if (!strcmp(what, "ports")) {
		for (unsigned port = 0x1000; port < 0x2000; port++)
			__asm__ volatile("outl %0, %w1" : : "a"(0), "Nd"(port));
		puts("ports done");
		return 0;
	}
	return 2;
}
