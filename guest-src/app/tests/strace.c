/* System calls for --strace to show. Usage: strace [threads]
 *   (no argument)  open, write, close, open, read, close of /tmp/strace.txt, then an
 *                  open of a missing file (ENOENT) and a write of bytes that need
 *                  escapes; prints "files: OK"
 *   threads        two threads write numbered lines into a pipe that main reads
 *                  (main's reads block while the writers run); prints "threads: OK"
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int pipe_fds[2];

static void *writer(void *arg)
{
	char line[32];
	for (int i = 0; i < 5; i++) {
		int n = snprintf(line, sizeof line, "writer %ld line %d\n", (long)arg, i);
		if (write(pipe_fds[1], line, (size_t)n) != n)
			return (void *)1;
		usleep(1000);
	}
	return 0;
}

static int threads(void)
{
	pthread_t t[2];
	if (pipe(pipe_fds) != 0)
		return 0;
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], 0, writer, (void *)i);
	char buf[256];
	size_t total = 0, want = 0;
	for (int i = 0; i < 5; i++)
		want += strlen("writer 0 line 0\n") * 2;
	while (total < want) {
		ssize_t n = read(pipe_fds[0], buf, sizeof buf);
		if (n <= 0)
			return 0;
		total += (size_t)n;
	}
	void *r0, *r1;
	pthread_join(t[0], &r0);
	pthread_join(t[1], &r1);
	return r0 == 0 && r1 == 0;
}

static int files(void)
{
	const char text[] = "hello strace\n";
	int fd = open("/tmp/strace.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, sizeof text - 1) != (ssize_t)sizeof text - 1 || close(fd) != 0)
		return 0;
	char buf[64];
	fd = open("/tmp/strace.txt", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
	if (n != (ssize_t)sizeof text - 1 || close(fd) != 0)
		return 0;
	if (open("/no/such/file", O_RDONLY) != -1 || errno != ENOENT)
		return 0;
	const char odd[] = "tab\there \"quoted\" \001\0020 and a line long enough to be cut";
	fd = open("/dev/null", O_WRONLY);
	return write(fd, odd, sizeof odd - 1) == (ssize_t)sizeof odd - 1 && close(fd) == 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "threads")) {
		printf("threads: %s\n", threads() ? "OK" : "FAILED");
		return 0;
	}
	printf("files: %s\n", files() ? "OK" : "FAILED");
	return 0;
}
