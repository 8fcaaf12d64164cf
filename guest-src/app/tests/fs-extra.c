/* File-system facts beyond read and write: timestamps, utimensat, statx, chown,
 * fsync, flock and record locks, sendfile, copy_file_range, the /dev, /proc, /tmp
 * and /etc tree. usage: fs-extra CPUS [MEM_MB] [host]
 * With "host", also works in /host (run with --share): sets a file's times, writes
 * and fsyncs a file, prints "synced" and waits for a line on stdin before exiting,
 * so the test can look at the host file while the VM still runs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static int failures;

/* struct statx as Linux lays it out (this musl has no statx wrapper). */
struct sx_time {
	long long tv_sec;
	unsigned tv_nsec;
	int pad;
};
struct sx {
	unsigned stx_mask, stx_blksize;
	unsigned long long stx_attributes;
	unsigned stx_nlink, stx_uid, stx_gid;
	unsigned short stx_mode, pad1;
	unsigned long long stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct sx_time stx_atime, stx_btime, stx_ctime, stx_mtime;
	unsigned stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	unsigned long long spare[14];
};
#define STATX_TYPE 1u
#define STATX_SIZE 0x200u
#define STATX_BASIC_STATS 0x7ffu
#define sx_call(d, p, f, m, b) syscall(SYS_statx, d, p, f, m, b)

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	if (!ok)
		failures++;
}

static long long ns_of(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int count_in(const char *path, const char *word)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n, total = 0;
	while ((n = read(fd, buf + total, sizeof buf - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = 0;
	int count = 0;
	for (char *p = buf; (p = strstr(p, word)); p += strlen(word))
		count++;
	return count;
}

static char buf_x[16];

static void times(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int fd = open("/t1", O_CREAT | O_RDWR, 0644);
	struct stat a, b, d0, d1;
	fstat(fd, &a);
	printf("mtime=%lld\n", (long long)a.st_mtim.tv_sec);
	check("creation sets mtime to now", llabs(ns_of(a.st_mtim) - ns_of(now)) < 5000000000LL);
	check("creation sets atime and ctime", a.st_atim.tv_sec == a.st_mtim.tv_sec && a.st_ctim.tv_sec == a.st_mtim.tv_sec);
	usleep(20000);
	write(fd, "hello", 5);
	fstat(fd, &b);
	check("write moves mtime and ctime forward", ns_of(b.st_mtim) > ns_of(a.st_mtim) && ns_of(b.st_ctim) > ns_of(a.st_ctim));
	usleep(20000);
	ftruncate(fd, 2);
	fstat(fd, &a);
	check("truncate moves mtime forward", ns_of(a.st_mtim) > ns_of(b.st_mtim));
	char c;
	pread(fd, &c, 1, 0);
	fstat(fd, &b);
	check("read moves atime (relatime)", ns_of(b.st_atim) >= ns_of(a.st_mtim));
	stat("/", &d0);
	usleep(20000);
	rename("/t1", "/t2");
	stat("/", &d1);
	check("rename changes the directory's mtime", ns_of(d1.st_mtim) > ns_of(d0.st_mtim));
	stat("/t2", &a);
	check("rename changes the file's ctime", ns_of(a.st_ctim) > ns_of(b.st_ctim));

	struct timespec ts[2] = {{1000000000, 5}, {1200000000, 7}};
	check("utimensat sets both times", utimensat(AT_FDCWD, "/t2", ts, 0) == 0 && stat("/t2", &a) == 0 &&
						   a.st_atim.tv_sec == 1000000000 && a.st_atim.tv_nsec == 5 &&
						   a.st_mtim.tv_sec == 1200000000 && a.st_mtim.tv_nsec == 7);
	struct timespec omit[2] = {{0, UTIME_OMIT}, {1300000000, 0}};
	check("UTIME_OMIT keeps atime", utimensat(AT_FDCWD, "/t2", omit, 0) == 0 && stat("/t2", &a) == 0 &&
						a.st_atim.tv_sec == 1000000000 && a.st_mtim.tv_sec == 1300000000);
	struct timespec nowt[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	check("UTIME_NOW is now", utimensat(AT_FDCWD, "/t2", nowt, 0) == 0 && stat("/t2", &a) == 0 &&
					  llabs(a.st_mtim.tv_sec - now.tv_sec) < 10 && a.st_atim.tv_sec == 1000000000);
	check("NULL times: both now", utimensat(AT_FDCWD, "/t2", NULL, 0) == 0 && stat("/t2", &a) == 0 &&
					      llabs(a.st_atim.tv_sec - now.tv_sec) < 10);
	symlink("/t2", "/l2");
	check("AT_SYMLINK_NOFOLLOW sets the link", utimensat(AT_FDCWD, "/l2", ts, AT_SYMLINK_NOFOLLOW) == 0 &&
							   lstat("/l2", &a) == 0 && a.st_mtim.tv_sec == 1200000000 &&
							   stat("/l2", &b) == 0 && b.st_mtim.tv_sec != 1200000000);
	check("futimens", futimens(fd, ts) == 0 && stat("/t2", &a) == 0 && a.st_mtim.tv_sec == 1200000000);
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	check("utimensat dirfd + path", utimensat(dir, "t2", omit, 0) == 0 && stat("/t2", &a) == 0 && a.st_mtim.tv_sec == 1300000000);
	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
	check("utimensat bad nsec is EINVAL", utimensat(AT_FDCWD, "/t2", bad, 0) == -1 && errno == EINVAL);
	check("utimensat bad flags is EINVAL", utimensat(AT_FDCWD, "/t2", ts, 0x4) == -1 && errno == EINVAL);
	check("utimensat missing path is ENOENT", utimensat(AT_FDCWD, "/nope", ts, 0) == -1 && errno == ENOENT);

	check("chown recorded", chown("/t2", 12, 34) == 0 && stat("/t2", &a) == 0 && a.st_uid == 12 && a.st_gid == 34);
	check("fchown -1 keeps", fchown(fd, -1, 56) == 0 && stat("/t2", &a) == 0 && a.st_uid == 12 && a.st_gid == 56);
	check("lchown on the link", lchown("/l2", 7, 7) == 0 && lstat("/l2", &a) == 0 && a.st_uid == 7 && stat("/t2", &b) == 0 && b.st_uid == 12);
	check("fchownat dirfd", fchownat(dir, "t2", 0, 0, 0) == 0 && stat("/t2", &a) == 0 && a.st_uid == 0);
	stat("/t2", &b);
	usleep(20000);
	check("chmod moves ctime", chmod("/t2", 0600) == 0 && stat("/t2", &a) == 0 && ns_of(a.st_ctim) > ns_of(b.st_ctim));
	check("chown missing is ENOENT", chown("/nope", 0, 0) == -1 && errno == ENOENT);
	check("fchown bad fd is EBADF", fchown(99, 0, 0) == -1 && errno == EBADF);

	struct sx sx;
	check("statx basic fields", sx_call(AT_FDCWD, "/t2", 0, STATX_BASIC_STATS, &sx) == 0 && stat("/t2", &a) == 0 &&
					    (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS && sx.stx_size == 2 &&
					    sx.stx_ino == a.st_ino && sx.stx_mode == a.st_mode && sx.stx_nlink == 1 &&
					    sx.stx_mtime.tv_sec == a.st_mtim.tv_sec && sx.stx_mtime.tv_nsec == (unsigned)a.st_mtim.tv_nsec);
	check("statx AT_EMPTY_PATH", sx_call(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx) == 0 && sx.stx_size == 2);
	check("statx of /dev/null: rdev 1:3", sx_call(AT_FDCWD, "/dev/null", 0, STATX_TYPE, &sx) == 0 && S_ISCHR(sx.stx_mode) &&
						       sx.stx_rdev_major == 1 && sx.stx_rdev_minor == 3);
	check("statx reserved mask is EINVAL", sx_call(AT_FDCWD, "/t2", 0, 0x80000000u, &sx) == -1 && errno == EINVAL);
	check("fsync and fdatasync on RAM", fsync(fd) == 0 && fdatasync(fd) == 0 && syncfs(fd) == 0);
	check("getxattr is ENOTSUP", syscall(SYS_getxattr, "/t2", "user.x", buf_x, sizeof buf_x) == -1 && errno == ENOTSUP);
	void *wild = (void *)(uintptr_t)0x7ff0000000ULL;
	check("wild pointers are EFAULT (utimensat, statx, fcntl, sendfile)",
	      syscall(SYS_utimensat, AT_FDCWD, "/t2", wild, 0) == -1 && errno == EFAULT &&
		      sx_call(AT_FDCWD, "/t2", 0, STATX_BASIC_STATS, wild) == -1 && errno == EFAULT &&
		      fcntl(fd, F_GETLK, wild) == -1 && errno == EFAULT &&
		      sendfile(fd, fd, wild, 1) == -1 && errno == EFAULT &&
		      syscall(SYS_utimensat, AT_FDCWD, wild, NULL, 0) == -1 && errno == EFAULT);
	check("fsync bad fd is EBADF", fsync(77) == -1 && errno == EBADF);
	close(dir);
	close(fd);
}

static int waiter_fd;
static volatile int waiter_done;

static void *ofd_waiter(void *arg)
{
	(void)arg;
	struct flock w = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	waiter_done = fcntl(waiter_fd, F_OFD_SETLKW, &w) == 0 ? 1 : -1;
	return NULL;
}

static void *flock_waiter(void *arg)
{
	(void)arg;
	waiter_done = flock(waiter_fd, LOCK_EX) == 0 ? 1 : -1;
	return NULL;
}

/* A second thread asks for a lock another open file description holds: it waits
 * until the holder lets go, then has it. */
static void waits(void)
{
	int a = open("/wk", O_CREAT | O_RDWR, 0644);
	waiter_fd = open("/wk", O_RDWR);
	struct flock w = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	fcntl(a, F_OFD_SETLK, &w);
	pthread_t t;
	waiter_done = 0;
	pthread_create(&t, NULL, ofd_waiter, NULL);
	usleep(30000);
	check("F_OFD_SETLKW waits while the lock is held", waiter_done == 0);
	w.l_type = F_UNLCK;
	fcntl(a, F_OFD_SETLK, &w);
	pthread_join(t, NULL);
	check("F_OFD_SETLKW has the lock after the release", waiter_done == 1);
	w.l_type = F_UNLCK;
	fcntl(waiter_fd, F_OFD_SETLK, &w);

	flock(a, LOCK_EX);
	waiter_done = 0;
	pthread_create(&t, NULL, flock_waiter, NULL);
	usleep(30000);
	check("flock waits while another open holds the lock", waiter_done == 0);
	close(a);
	pthread_join(t, NULL);
	check("flock has the lock after the holder's close", waiter_done == 1);
	close(waiter_fd);
}

static void locks(void)
{
	int a = open("/lk", O_CREAT | O_RDWR, 0644), b = open("/lk", O_RDWR), a2 = dup(a);
	check("flock LOCK_EX", flock(a, LOCK_EX) == 0);
	check("flock: another open conflicts", flock(b, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK);
	check("flock: a dup shares the lock", flock(a2, LOCK_EX | LOCK_NB) == 0);
	check("flock LOCK_UN releases", flock(a, LOCK_UN) == 0 && flock(b, LOCK_SH | LOCK_NB) == 0);
	check("flock: shared locks share", flock(a, LOCK_SH | LOCK_NB) == 0);
	check("flock: EX against SH conflicts", flock(a, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK);
	close(b);
	check("close releases flock", flock(a, LOCK_EX | LOCK_NB) == 0);
	flock(a, LOCK_UN);
	b = open("/lk", O_RDWR);

	struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
	check("F_SETLK", fcntl(a, F_SETLK, &l) == 0);
	check("POSIX locks of one process never conflict", fcntl(b, F_SETLK, &l) == 0);
	l.l_type = F_WRLCK;
	check("F_GETLK reports F_UNLCK", fcntl(b, F_GETLK, &l) == 0 && l.l_type == F_UNLCK);
	struct flock o = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 10};
	check("OFD lock conflicts with the process's lock", fcntl(a, F_OFD_SETLK, &o) == -1 && errno == EAGAIN);
	l.l_type = F_UNLCK;
	l.l_start = 0;
	l.l_len = 0;
	fcntl(a, F_SETLK, &l);
	check("F_OFD_SETLK after unlock", fcntl(a, F_OFD_SETLK, &o) == 0);
	struct flock q = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100};
	check("F_OFD_GETLK names the holder", fcntl(b, F_OFD_GETLK, &q) == 0 && q.l_type == F_WRLCK && q.l_start == 5 && q.l_len == 10 && q.l_pid == -1);
	q.l_type = F_RDLCK;
	q.l_pid = 0;
	q.l_start = 20;
	check("OFD: no conflict past the range", fcntl(b, F_OFD_SETLK, &q) == 0);
	q.l_start = 0;
	q.l_len = 6;
	check("OFD: conflict on overlap", fcntl(b, F_OFD_SETLK, &q) == -1 && errno == EAGAIN);
	struct flock bad = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_pid = 5};
	check("OFD with l_pid is EINVAL", fcntl(a, F_OFD_SETLK, &bad) == -1 && errno == EINVAL);
	int r = open("/lk", O_RDONLY);
	struct flock w = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	check("write lock on a read-only fd is EBADF", fcntl(r, F_SETLK, &w) == -1 && errno == EBADF);
	close(r);
	close(a2);
	close(a);
	check("last close releases OFD locks", fcntl(b, F_OFD_SETLK, &q) == 0);
	close(b);

	int p = open("/lk2", O_CREAT | O_RDWR, 0644), p2 = open("/lk2", O_RDWR), o2 = open("/lk2", O_RDWR);
	int nul = open("/dev/null", O_RDONLY);
	struct flock pw = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	fcntl(p, F_SETLK, &pw);
	struct flock ow = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	check("an OFD lock waits for the process's POSIX lock", fcntl(o2, F_OFD_SETLK, &ow) == -1 && errno == EAGAIN);
	dup2(nul, p2);
	check("any close of the file (dup2 over it) releases POSIX locks", fcntl(o2, F_OFD_SETLK, &ow) == 0);
	close(p);
	close(o2);
	close(nul);
	close(p2);
}

static void copies(void)
{
	int src = open("/src", O_CREAT | O_RDWR | O_TRUNC, 0644);
	char big[40000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7);
	write(src, big, sizeof big);
	int dst = open("/dst", O_CREAT | O_RDWR | O_TRUNC, 0644);
	off_t off = 100;
	check("sendfile with an offset", sendfile(dst, src, &off, 30000) == 30000 && off == 30100 && lseek(src, 0, SEEK_CUR) == sizeof big);
	char back[40000];
	check("sendfile copied the bytes", pread(dst, back, 30000, 0) == 30000 && memcmp(back, big + 100, 30000) == 0);
	lseek(src, 39990, SEEK_SET);
	check("sendfile at the position stops at the end", sendfile(dst, src, NULL, 100) == 10 && lseek(src, 0, SEEK_CUR) == sizeof big);
	int cp = open("/cp", O_CREAT | O_RDWR | O_TRUNC, 0644);
	loff_t in = 0, out = 5;
	check("copy_file_range with offsets", copy_file_range(src, &in, cp, &out, sizeof big, 0) == sizeof big && in == sizeof big && out == 5 + (loff_t)sizeof big);
	check("copy_file_range copied the bytes", pread(cp, back, sizeof big, 5) == sizeof big && memcmp(back, big, sizeof big) == 0);
	check("copy_file_range flags is EINVAL", copy_file_range(src, &in, cp, &out, 1, 1) == -1 && errno == EINVAL);
	printf("%s", "");
	fflush(stdout);
	lseek(src, 0, SEEK_SET);
	ftruncate(src, 0);
	write(src, "via sendfile\n", 13);
	lseek(src, 0, SEEK_SET);
	check("sendfile to stdout", sendfile(1, src, NULL, 13) == 13);
	close(src);
	close(dst);
	close(cp);
}

static void tree(long cpus, long mem_mb)
{
	char buf[256];
	int fd = open("/dev/null", O_RDWR);
	check("/dev/null swallows writes", write(fd, "x", 1) == 1);
	check("/dev/null reads end of file", read(fd, buf, sizeof buf) == 0);
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 1, sizeof buf);
	check("/dev/zero reads zeros", read(fd, buf, sizeof buf) == sizeof buf && buf[0] == 0 && buf[255] == 0);
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	memset(buf, 0, sizeof buf);
	int nonzero = 0;
	check("/dev/urandom gives bytes", read(fd, buf, 64) == 64);
	for (int i = 0; i < 64; i++)
		nonzero += buf[i] != 0;
	check("/dev/urandom bytes are not all zero", nonzero > 0);
	close(fd);
	fd = open("/dev/full", O_WRONLY);
	check("/dev/full is ENOSPC", write(fd, "x", 1) == -1 && errno == ENOSPC);
	close(fd);
	struct stat st;
	check("/dev/null is a character device 1:3", stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1u, 3u));
	fd = open("/dev/fd/1", O_WRONLY);
	check("/dev/fd/1 opens", fd >= 3);
	check("/dev/fd/1 writes to stdout", write(fd, "dev-fd-1 reached stdout\n", 24) == 24);
	close(fd);
	fd = open("/dev/stdout", O_WRONLY);
	check("/dev/stdout opens", fd >= 3);
	close(fd);
	check("/tmp is a directory with mode 1777", stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 01777);
	char tmpl[] = "/tmp/fx-XXXXXX";
	fd = mkstemp(tmpl);
	check("mkstemp in /tmp", fd >= 0 && write(fd, "t", 1) == 1);
	char link[256];
	snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(buf, link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	check("readlink /proc/self/fd/N names the file", strcmp(link, tmpl) == 0);
	close(fd);
	n = readlink("/proc/self/exe", link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	check("readlink /proc/self/exe is the program", n > 0 && strstr(link, "fs-extra") != NULL);
	DIR *d = opendir("/proc/self/fd");
	int fds = 0, has0 = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		fds++;
		has0 |= strcmp(e->d_name, "0") == 0;
	}
	check("/proc/self/fd lists the open descriptors", fds >= 4 && has0);
	if (d)
		closedir(d);
	check("/proc/cpuinfo: a processor line per vCPU", count_in("/proc/cpuinfo", "processor\t:") == cpus);
	check("/proc/cpuinfo has flags", count_in("/proc/cpuinfo", "flags\t\t:") == cpus);
	fd = open("/proc/meminfo", O_RDONLY);
	n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	long total = 0, avail = 0;
	char *p = strstr(buf, "MemTotal:");
	if (p)
		total = strtol(p + 9, NULL, 10);
	p = strstr(buf, "MemAvailable:");
	if (p)
		avail = strtol(p + 13, NULL, 10);
	check("/proc/meminfo MemTotal is --mem", total == mem_mb * 1024);
	check("/proc/meminfo MemAvailable below it", avail > 0 && avail < total);
	check("/proc/meminfo is read-only", open("/proc/meminfo", O_WRONLY) == -1 && errno == EACCES);
	check("/proc/self/maps names the program, stack and vDSO",
	      count_in("/proc/self/maps", "fs-extra.elf\n") == 1 && count_in("/proc/self/maps", "[stack]\n") == 1 &&
		      count_in("/proc/self/maps", "[vdso]\n") == 1);
	check("/etc/passwd has root", count_in("/etc/passwd", "root:x:0:0:") == 1);
	check("/etc/hostname", count_in("/etc/hostname", "unikv") == 1);
	d = opendir("/");
	char names[256] = "";
	while (d && (e = readdir(d))) {
		if (strlen(names) + strlen(e->d_name) + 2 < sizeof names) {
			strcat(names, e->d_name);
			strcat(names, " ");
		}
	}
	if (d)
		closedir(d);
	printf("root=%s\n", names);
	check("getdents of / lists dev proc tmp etc", strstr(names, "dev proc tmp etc ") != NULL);
	const char *home = getenv("HOME");
	printf("home=%s\n", home ? home : "(none)");
}

static void host(void)
{
	struct stat st, root;
	check("stat /host/..", stat("/host/..", &st) == 0 && stat("/", &root) == 0 && st.st_ino == root.st_ino && S_ISDIR(st.st_mode));
	check("stat /host/sub/../.. is the root", mkdir("/host/sub", 0755) == 0 && stat("/host/sub/../..", &st) == 0 && st.st_ino == root.st_ino);
	int fd = open("/host/stamped", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	struct timespec ts[2] = {{1000000000, 0}, {1234567890, 123456789}};
	check("utimensat on /host", utimensat(AT_FDCWD, "/host/stamped", ts, 0) == 0 && stat("/host/stamped", &st) == 0 &&
					    st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 123456789);
	check("futimens on /host", futimens(fd, ts) == 0);
	close(fd);
	fd = open("/host/synced", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	static char data[100000];
	memset(data, 'z', sizeof data);
	check("write on /host", write(fd, data, sizeof data) == sizeof data);
	check("fsync on /host", fsync(fd) == 0);
	check("fdatasync and syncfs on /host", fdatasync(fd) == 0 && syncfs(fd) == 0);
	int a = open("/host/synced", O_RDONLY), b = open("/host/synced", O_RDONLY);
	check("flock on /host conflicts between opens", flock(a, LOCK_SH) == 0 && flock(b, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK);
	close(a);
	close(b);
	int cp = open("/host/copied", O_CREAT | O_RDWR | O_TRUNC, 0644);
	int src = open("/host/synced", O_RDONLY);
	check("copy_file_range /host to /host", copy_file_range(src, NULL, cp, NULL, sizeof data, 0) == sizeof data);
	close(src);
	close(cp);
	printf("synced\n");
	fflush(stdout);
	char line[16];
	read(0, line, sizeof line);
	close(fd);
}

int main(int argc, char **argv)
{
	long cpus = argc > 1 ? atol(argv[1]) : 1;
	long mem = argc > 2 ? atol(argv[2]) : 64;
	times();
	locks();
	waits();
	copies();
	tree(cpus, mem);
	if (argc > 3 && strcmp(argv[3], "host") == 0)
		host();
	printf("failures=%d\n", failures);
	fflush(stdout);
	return failures != 0;
}
