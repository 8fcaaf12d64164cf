/* share-fuzz: reads and lists the host share (/host) over and over while the host
 * swaps what lies there (tests/integration/files/share-fuzz.test.ts): FIFOs, UNIX
 * sockets, device nodes, symlinks to the outside swapped in a loop, files truncated or
 * replaced. Each turn lists /host and every directory under it, stats, lstats,
 * readlinks and opens each entry (also through the names the host uses for its
 * swaps), and reads what opens. Every answer must be data or an errno; no byte read may
 * come from outside the share: the host's canary text (argv[1]) lives only outside.
 * Usage: share-fuzz CANARY SECONDS. Prints "opens N reads N bytes N errors N" and
 * "escapes N", then "share-fuzz: done". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *canary;
static long opens, reads, bytes, errors, escapes;
static char buf[65536 + 1];

static void look_at(const char *path)
{
	struct stat st;
	char link[512];
	if (lstat(path, &st) != 0)
		errors++;
	if (stat(path, &st) != 0)
		errors++;
	if (readlink(path, link, sizeof link - 1) < 0)
		errors++;
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		errors++;
		return;
	}
	opens++;
	long n, chunks = 0;
	while ((n = read(fd, buf, sizeof buf - 1)) > 0) {
		reads++;
		bytes += n;
		buf[n] = 0;
		if (memmem(buf, n, canary, strlen(canary))) {
			printf("ESCAPE: read the canary through %s\n", path);
			escapes++;
		}
		if (++chunks >= 64) /* a device that never ends (4 MiB are enough) */
			break;
	}
	if (n < 0)
		errors++;
	struct dirent *e;
	DIR *d = fdopendir(fd);
	if (d) {
		while ((e = readdir(d)) != NULL)
			;
		closedir(d);
	} else {
		close(fd);
	}
}

static void walk(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d) {
		errors++;
		return;
	}
	char names[64][256];
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && count < 64) {
		if (strcmp(e->d_name, ".") == 0)
			continue;
		snprintf(names[count++], 256, "%s", e->d_name);
	}
	closedir(d);
	for (int i = 0; i < count; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%.500s/%.255s", dir, names[i]);
		look_at(path);
		if (depth < 2 && strcmp(names[i], "..") != 0) {
			struct stat st;
			if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
				walk(path, depth + 1);
		}
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	canary = argc > 1 ? argv[1] : "CANARY";
	double seconds = argc > 2 ? atof(argv[2]) : 5;
	static const char *fixed[] = { "/host/swap-link", "/host/swap-dir/file", "/host/swap-dir/..", "/host/fifo", "/host/socket",
				       "/host/device", "/host/growing", "/host/replaced", "/host/../../etc/passwd", "/host/swap-dir/../.." };
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long turns = 0;
	do {
		walk("/host", 0);
		for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
			look_at(fixed[i]);
		turns++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	printf("turns %ld opens %ld reads %ld bytes %ld errors %ld\n", turns, opens, reads, bytes, errors);
	printf("escapes %ld\n", escapes);
	puts("share-fuzz: done");
	return escapes != 0;
}
