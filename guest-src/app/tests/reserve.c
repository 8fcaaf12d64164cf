/* Address-space reservations larger than RAM, as Go's runtime makes them: a large
 * PROT_NONE mapping, pieces of it made usable with MAP_FIXED, madvise(MADV_DONTNEED)
 * reading back zeros, munmap, and the memory passed to system calls.
 * argv[1] = the guest's RAM in MiB. Prints one line per check. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	failures += !ok;
}

int main(int argc, char **argv)
{
	size_t ram = (size_t)(argc > 1 ? atoi(argv[1]) : 64) << 20;
	size_t big = 4 * ram;

	char *r = mmap(0, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("reserve 4x RAM", r != MAP_FAILED);
	char *r2 = mmap(0, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("a second reservation elsewhere", r2 != MAP_FAILED && (r2 >= r + big || r2 + big <= r));

	/* Pieces far apart become usable; a page in the middle and one at the end. */
	char *mid = r + big / 2, *end = r + big - 8192;
	check("map fixed inside", mmap(mid, 1 << 20, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == mid &&
				  mmap(end, 8192, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == end);
	int zero = 1;
	for (size_t i = 0; i < (1 << 20); i += 4096)
		zero &= mid[i] == 0;
	check("new memory reads zero", zero && end[8191] == 0);
	memset(mid, 0x5a, 1 << 20);
	end[8191] = 7;
	check("writes stay", mid[12345] == 0x5a && end[8191] == 7);

	/* System calls take pointers into it: a path, a write, a read. */
	strcpy(mid, "/reserve-test");
	int fd = open(mid, O_CREAT | O_RDWR | O_TRUNC, 0644);
	memset(mid + 4096, 'q', 100);
	check("write from reserved memory", fd >= 0 && write(fd, mid + 4096, 100) == 100);
	check("read into reserved memory", lseek(fd, 0, SEEK_SET) == 0 && read(fd, end, 100) == 100 && end[99] == 'q');
	close(fd);

	check("madvise(MADV_DONTNEED) reads back zeros", madvise(mid, 1 << 20, MADV_DONTNEED) == 0 && mid[12345] == 0 && mid[(1 << 20) - 1] == 0);
	check("map fixed over used memory clears it", mmap(end, 8192, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == end && end[8191] == 0);

	check("munmap", munmap(r, big) == 0 && munmap(r2, big) == 0);
	char *again = mmap(0, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("the space comes back", again != MAP_FAILED);
	check("reused memory reads zero", again == MAP_FAILED || mmap(again + big / 2, 4096, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED);
	check("reused memory reads zero (value)", again != MAP_FAILED && again[big / 2 + 4095] == 0);
	check("a reservation the area cannot hold: ENOMEM", mmap(0, (size_t)64 << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
	check("lengths near 2^64 do not wrap into small mappings",
	      mmap(0, (size_t)-4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
		      mmap(0, (size_t)-1, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
		      mremap(again, 4096, (size_t)-4096, MREMAP_MAYMOVE) == MAP_FAILED);
	check("usable memory stays bounded by RAM", mmap(0, 2 * ram, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
	check("madvise refuses memory that is not the program's", madvise((void *)0x200000, 4096, MADV_DONTNEED) != 0);

	/* mremap: glibc's realloc of large blocks. */
	char *m = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(m, 'm', 3 * 4096);
	check("mremap shrinks in place", mremap(m, 3 * 4096, 4096, 0) == m && m[4095] == 'm');
	check("mremap will not grow without MREMAP_MAYMOVE", mremap(m, 4096, 8 * 4096, 0) == MAP_FAILED);
	char *g = mremap(m, 4096, 64 * 4096, MREMAP_MAYMOVE);
	check("mremap grows by moving, bytes kept, the rest zero", g != MAP_FAILED && g[0] == 'm' && g[4095] == 'm' && g[4096] == 0 && g[64 * 4096 - 1] == 0);
	check("mremap refuses unaligned and unknown flags", mremap(g + 1, 4096, 4096, 0) == MAP_FAILED && mremap(g, 4096, 4096, 0x100) == MAP_FAILED);
	return failures != 0;
}
