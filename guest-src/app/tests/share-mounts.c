/* Two shares at their own guest paths, one read-only: usage: share-mounts RW RO.
 * RW holds nothing at first; RO holds "data.txt" ("read me\n") and a directory "sub"
 * with "inner.txt" ("inner\n"). Reads work in both; every call that would change the
 * read-only share fails with EROFS (the test then checks that its host directory is
 * untouched); writes to the other share land on the host (the test reads them there).
 * Paths between the two shares, relative paths from inside each, getcwd and
 * /proc/self/fd name the shares by their own guest paths. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	if (!ok)
		failures++;
}

static char path_buf[4][512];

/* DIR/NAME in one of four rotating buffers. */
static const char *at(const char *dir, const char *name)
{
	static int next;
	char *p = path_buf[next++ % 4];
	snprintf(p, sizeof path_buf[0], "%s/%s", dir, name);
	return p;
}

static int reads(const char *path, const char *want)
{
	char buf[64] = {0};
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n == (ssize_t)strlen(want) && memcmp(buf, want, n) == 0;
}

/* Did the call fail with EROFS? */
static int erofs(int r)
{
	return r == -1 && errno == EROFS;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: share-mounts RW RO\n");
		return 2;
	}
	const char *rw = argv[1], *ro = argv[2];
	struct stat st;

	/* Reads in both shares. */
	check("ro read", reads(at(ro, "data.txt"), "read me\n"));
	check("ro read below", reads(at(ro, "sub/inner.txt"), "inner\n"));
	check("ro stat", stat(at(ro, "data.txt"), &st) == 0 && st.st_size == 8 && S_ISREG(st.st_mode));
	check("ro open O_RDONLY|O_CREAT of a file that exists", ({
		      int fd = open(at(ro, "data.txt"), O_RDONLY | O_CREAT, 0644);
		      fd >= 0 && close(fd) == 0;
	      }));
	check("ro access R_OK", access(at(ro, "data.txt"), R_OK) == 0);
	check("mount points are directories", stat(rw, &st) == 0 && S_ISDIR(st.st_mode) && stat(ro, &st) == 0 && S_ISDIR(st.st_mode));

	/* Every change to the read-only share: EROFS. */
	check("ro open O_WRONLY", erofs(open(at(ro, "data.txt"), O_WRONLY)));
	check("ro open O_RDWR", erofs(open(at(ro, "data.txt"), O_RDWR)));
	check("ro open O_CREAT of a new file", erofs(open(at(ro, "new.txt"), O_RDONLY | O_CREAT, 0644)));
	check("ro open O_CREAT|O_EXCL of a file that exists", ({
		      int r = open(at(ro, "data.txt"), O_RDONLY | O_CREAT | O_EXCL, 0644);
		      r == -1 && errno == EEXIST;
	      }));
	check("ro open O_TRUNC", erofs(open(at(ro, "data.txt"), O_RDONLY | O_TRUNC)));
	check("ro creat", erofs(creat(at(ro, "made.txt"), 0644)));
	check("ro unlink", erofs(unlink(at(ro, "data.txt"))));
	check("ro rename", erofs(rename(at(ro, "data.txt"), at(ro, "moved.txt"))));
	check("ro mkdir", erofs(mkdir(at(ro, "newdir"), 0755)));
	check("ro rmdir", erofs(rmdir(at(ro, "sub"))));
	check("ro truncate", erofs(truncate(at(ro, "data.txt"), 0)));
	check("ro utimensat", erofs(utimensat(AT_FDCWD, at(ro, "data.txt"), NULL, 0)));
	check("ro utimes", erofs(utimes(at(ro, "data.txt"), NULL)));
	check("ro symlink", erofs(symlink("data.txt", at(ro, "link"))));
	check("ro link", erofs(link(at(ro, "data.txt"), at(ro, "hard"))));
	check("ro chmod", erofs(chmod(at(ro, "data.txt"), 0600)));
	check("ro chown", erofs(chown(at(ro, "data.txt"), 0, 0)));
	check("ro access W_OK", erofs(access(at(ro, "data.txt"), W_OK)));
	int fd = open(at(ro, "data.txt"), O_RDONLY);
	check("ro descriptor", fd >= 0);
	/* A descriptor on a read-only share is read-only, so the calls that write
	 * through one fail as Linux's do on a read-only mount. */
	check("ro write through the descriptor", write(fd, "x", 1) == -1 && errno == EBADF);
	check("ro ftruncate", ftruncate(fd, 0) == -1 && errno == EINVAL);
	check("ro futimens", erofs(futimens(fd, NULL)));
	check("ro fchmod", erofs(fchmod(fd, 0600)));
	check("ro fsync of a read-only file", fsync(fd) == 0);
	check("ro MAP_SHARED|PROT_WRITE", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EACCES);
	void *copy = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check("ro MAP_PRIVATE copy", copy != MAP_FAILED && memcmp(copy, "read me\n", 8) == 0);
	if (copy != MAP_FAILED) {
		memcpy(copy, "changed!", 8);
		check("ro msync of a private copy", msync(copy, 4096, MS_SYNC) == 0);
		munmap(copy, 4096);
	}
	close(fd);
	check("ro data unchanged", reads(at(ro, "data.txt"), "read me\n"));

	/* Writes to the other share land on the host. */
	fd = open(at(rw, "out.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check("rw create", fd >= 0 && write(fd, "written\n", 8) == 8 && close(fd) == 0);
	check("rw read back", reads(at(rw, "out.txt"), "written\n"));
	check("rw mkdir", mkdir(at(rw, "made"), 0755) == 0);
	check("rw rename", rename(at(rw, "out.txt"), at(rw, "made/kept.txt")) == 0);
	/* Between shares: two file systems, as with two mounts. */
	check("rename between shares", rename(at(rw, "made/kept.txt"), at(ro, "kept.txt")) == -1 && errno == EXDEV);

	/* Relative paths, getcwd and /proc/self/fd use the shares' own paths. */
	char cwd[512] = {0};
	check("chdir into the ro share", chdir(at(ro, "sub")) == 0 && getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, at(ro, "sub")) == 0);
	check("relative read in the ro share", reads("inner.txt", "inner\n") && reads("../data.txt", "read me\n"));
	check("relative write in the ro share", erofs(open("made.txt", O_WRONLY | O_CREAT, 0644)));
	check("climbing out of the ro share", chdir("../..") == 0 && getcwd(cwd, sizeof cwd) != NULL);
	int dir = open(rw, O_RDONLY | O_DIRECTORY);
	check("openat from a rw share's directory", dir >= 0 && ({
		      int f = openat(dir, "made/kept.txt", O_RDONLY);
		      f >= 0 && close(f) == 0;
	      }));
	char link[512] = {0};
	char name[64];
	snprintf(name, sizeof name, "/proc/self/fd/%d", dir);
	check("/proc/self/fd names the share's path", readlink(name, link, sizeof link - 1) > 0 && strcmp(link, rw) == 0);
	close(dir);
	check("chdir into the rw share", chdir(rw) == 0 && getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, rw) == 0);
	check("relative write in the rw share", ({
		      int f = open("made/second.txt", O_WRONLY | O_CREAT, 0644);
		      f >= 0 && write(f, "2\n", 2) == 2 && close(f) == 0;
	      }));
	printf("share-mounts: %s\n", failures ? "FAILED" : "OK");
	return failures ? 1 : 0;
}
