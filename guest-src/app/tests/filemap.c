/* mmap of files: MAP_PRIVATE copies, MAP_SHARED writes reaching the file on msync,
 * munmap and exit, the errors Linux gives. argv[1] = a directory to work in (/ for
 * the RAM file system, /host for the share); argv[2] = "exit" to leave a shared
 * mapping dirty at exit (the test reads the file afterwards). One line per check. */
#include <errno.h>
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

static int file_says(const char *path, const char *want)
{
	char buf[256] = {0};
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	close(fd);
	return n == (ssize_t)strlen(want) && !memcmp(buf, want, n);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/";
	char path[256];
	snprintf(path, sizeof path, "%s/mapped.txt", dir);
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	const char *text = "hello, mapped world";
	check("write the file", fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));

	if (argc > 2 && !strcmp(argv[2], "exit")) {
		char *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			return 2;
		m[0] = 'J';
		return 0; /* no msync, no munmap: the exit writes it back */
	}

	char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check("MAP_PRIVATE sees the file", p != MAP_FAILED && !memcmp(p, text, strlen(text)));
	check("past the end reads zero", p != MAP_FAILED && p[strlen(text)] == 0 && p[4095] == 0);
	if (p != MAP_FAILED)
		p[0] = 'X';
	check("private writes stay private", file_says(path, text));
	check("munmap private", p != MAP_FAILED && munmap(p, 4096) == 0);

	char *s = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check("MAP_SHARED", s != MAP_FAILED && !memcmp(s, text, strlen(text)));
	if (s != MAP_FAILED)
		s[0] = 'Y';
	check("msync writes back", s != MAP_FAILED && msync(s, 4096, MS_SYNC) == 0 && file_says(path, "Yello, mapped world"));
	check("within the file's size only", lseek(fd, 0, SEEK_END) == (off_t)strlen(text));
	if (s != MAP_FAILED)
		s[1] = 'Z';
	check("munmap writes back", s != MAP_FAILED && munmap(s, 4096) == 0 && file_says(path, "YZllo, mapped world"));

	/* An offset: the second page of a two-page file. */
	char big[8192];
	memset(big, 'a', 4096);
	memset(big + 4096, 'b', 4096);
	check("two pages", pwrite(fd, big, sizeof big, 0) == (ssize_t)sizeof big);
	char *o = mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 4096);
	check("offset mapping", o != MAP_FAILED && o[0] == 'b' && o[4095] == 'b');
	check("unaligned offset: EINVAL", mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL);
	check("bad fd: EBADF", mmap(0, 4096, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED && errno == EBADF);
	check("no type: EINVAL", mmap(0, 4096, PROT_READ, 0, fd, 0) == MAP_FAILED && errno == EINVAL);
	int ro = open(path, O_RDONLY);
	check("shared writable on a read-only fd: EACCES", mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED && errno == EACCES);
	check("the console cannot be mapped: ENODEV", mmap(0, 4096, PROT_READ, MAP_PRIVATE, 1, 0) == MAP_FAILED && errno == ENODEV);
	check("msync with both MS_SYNC and MS_ASYNC: EINVAL", msync(o, 4096, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL);
	close(ro);
	close(fd);
	return failures != 0;
}
