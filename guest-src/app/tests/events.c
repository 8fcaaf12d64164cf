/* Pipes, eventfds, poll, select and epoll inside one program, with threads.
 * Usage: events [HOSTDIR]; with HOSTDIR (the --share mount, e.g. /host) the epoll
 * checks on /host files run too. One "name: OK" / "name: FAILED" line per check.
 * events stdin: the console's stdin, fed by the test: no input at first, then
 * "hello\n" some time after the line "waiting for input", then its end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	fflush(stdout);
	if (!ok)
		failures++;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&t, NULL);
}

/* A thread that waits, then writes a few bytes to a descriptor. */
struct delayed {
	int fd;
	long ms;
	const void *bytes;
	size_t len;
};

static void *write_later(void *arg)
{
	struct delayed *d = arg;
	sleep_ms(d->ms);
	if (write(d->fd, d->bytes, d->len) != (ssize_t)d->len)
		return (void *)1;
	return NULL;
}

static pthread_t start_write_later(struct delayed *d)
{
	pthread_t t;
	pthread_create(&t, NULL, write_later, d);
	return t;
}

static void *drain_later(void *arg)
{
	static char sink[65536];
	int fd = *(int *)arg;
	sleep_ms(50);
	intptr_t got = 0;
	while (got < 65536) {
		ssize_t n = read(fd, sink, 65536 - got);
		if (n <= 0)
			break;
		got += n;
	}
	return (void *)got;
}

static void pipes(void)
{
	int p[2];
	char buf[16] = { 0 };
	check("pipe: created", pipe(p) == 0 && p[0] >= 3 && p[1] > p[0]);
	check("pipe: round trip", write(p[1], "hello", 5) == 5 && read(p[0], buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
	check("pipe: read end refuses writes", write(p[0], "x", 1) == -1 && errno == EBADF);
	check("pipe: no seeking", lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE);
	struct stat st;
	check("pipe: fstat says FIFO", fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode));
	/* A duplicate keeps the write end open; the last close ends the input. */
	int w2 = dup(p[1]);
	close(p[1]);
	check("pipe: a dup keeps the write end open", write(w2, "ab", 2) == 2 && read(p[0], buf, sizeof buf) == 2);
	close(w2);
	check("pipe: end of file once every writer closed", read(p[0], buf, sizeof buf) == 0);
	close(p[0]);

	pipe(p);
	close(p[0]);
	check("pipe: writing with no reader is EPIPE", write(p[1], "x", 1) == -1 && errno == EPIPE);
	close(p[1]);

	check("pipe2: O_CLOEXEC | O_NONBLOCK", pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0 && (fcntl(p[0], F_GETFD) & FD_CLOEXEC) &&
		(fcntl(p[1], F_GETFD) & FD_CLOEXEC) && (fcntl(p[0], F_GETFL) & O_NONBLOCK) &&
		(fcntl(p[1], F_GETFL) & (O_NONBLOCK | O_ACCMODE)) == (O_NONBLOCK | O_WRONLY));
	check("pipe2: O_NONBLOCK read of an empty pipe is EAGAIN", read(p[0], buf, 1) == -1 && errno == EAGAIN);
	static char big[70000];
	ssize_t total = 0, n;
	while ((n = write(p[1], big, sizeof big)) > 0)
		total += n;
	check("pipe2: O_NONBLOCK write to a full pipe is EAGAIN after 64 KiB", n == -1 && errno == EAGAIN && total == 65536);
	check("pipe2: a full pipe still takes nothing more", write(p[1], "x", 1) == -1 && errno == EAGAIN);
	int waiting = 0;
	check("pipe: FIONREAD counts the bytes waiting", ioctl(p[0], FIONREAD, &waiting) == 0 && waiting == 65536);
	check("pipe: a large read drains it", read(p[0], big, sizeof big) == 65536);
	close(p[0]);
	close(p[1]);
	check("pipe2: other flags are EINVAL", pipe2(p, O_APPEND) == -1 && errno == EINVAL);
	check("pipe: a wild pointer is EFAULT", syscall(SYS_pipe, (void *)8) == -1 && errno == EFAULT);

	pipe(p);
	check("fcntl: F_SETFL O_NONBLOCK on a pipe", fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK) &&
		read(p[0], buf, 1) == -1 && errno == EAGAIN);
	fcntl(p[0], F_SETFL, 0);
	struct delayed d = { p[1], 50, "wake", 4 };
	pthread_t t = start_write_later(&d);
	memset(buf, 0, sizeof buf);
	check("pipe: a reader blocked on an empty pipe is woken by a writer thread",
		read(p[0], buf, sizeof buf) == 4 && memcmp(buf, "wake", 4) == 0);
	pthread_join(t, NULL);

	/* A writer blocked on a full pipe is woken by a reader thread. */
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	while (write(p[1], big, sizeof big) > 0)
		;
	fcntl(p[1], F_SETFL, 0);
	pthread_t reader;
	pthread_create(&reader, NULL, drain_later, &p[0]);
	check("pipe: a writer blocked on a full pipe is woken by a reader thread", write(p[1], big, 5000) == 5000);
	void *drained;
	pthread_join(reader, &drained);
	check("pipe: the reader got the full pipe", (intptr_t)drained == 65536);
	close(p[0]);
	close(p[1]);

	/* Pipe ends move between descriptors like files: busybox sh reads fd 0. */
	pipe(p);
	int saved = dup(0);
	check("pipe: dup2 onto fd 0", dup2(p[0], 0) == 0 && write(p[1], "in", 2) == 2 && read(0, buf, sizeof buf) == 2);
	struct pollfd pf = { 0, POLLIN, 0 };
	write(p[1], "x", 1);
	check("pipe: poll on fd 0 redirected from a pipe", poll(&pf, 1, 0) == 1 && pf.revents == POLLIN);
	dup2(saved, 0);
	close(saved);
	close(p[0]);
	close(p[1]);
}

static void polls(void)
{
	int p[2];
	pipe(p);
	struct pollfd pf[3];
	for (int i = 0; i < 3; i++)
		pf[i] = (struct pollfd){ i, POLLIN | POLLOUT, 0 };
	int n = poll(pf, 3, 0);
	check("poll: fds 0-2 answer at once, none POLLNVAL", n >= 2 && !(pf[0].revents & POLLNVAL) && pf[1].revents == POLLOUT &&
		pf[2].revents == POLLOUT);
	pf[0] = (struct pollfd){ 200, POLLIN, 0 };
	pf[1] = (struct pollfd){ -1, POLLIN, 0 };
	check("poll: a closed fd is POLLNVAL, a negative one is skipped", poll(pf, 2, 0) == 1 && pf[0].revents == POLLNVAL &&
		pf[1].revents == 0);
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	pf[1] = (struct pollfd){ p[1], POLLIN | POLLOUT, 0 };
	check("poll: an empty pipe: writable, not readable", poll(pf, 2, 0) == 1 && pf[0].revents == 0 && pf[1].revents == POLLOUT);
	long t0 = now_ms();
	n = poll(pf, 1, 120);
	long waited = now_ms() - t0;
	check("poll: the timeout passes and 0 comes back", n == 0 && pf[0].revents == 0);
	check("poll: it waited at least the time asked", waited >= 120);
	write(p[1], "x", 1);
	check("poll: data makes the read end POLLIN", poll(pf, 1, -1) == 1 && pf[0].revents == POLLIN);
	char c;
	read(p[0], &c, 1);
	struct delayed d = { p[1], 50, "y", 1 };
	pthread_t t = start_write_later(&d);
	pf[0].revents = 0;
	check("poll: a waiter without timeout is woken by a writer thread", poll(pf, 1, -1) == 1 && pf[0].revents == POLLIN);
	pthread_join(t, NULL);
	read(p[0], &c, 1);
	close(p[1]);
	check("poll: the read end hangs up when every writer closed", poll(pf, 1, 0) == 1 && pf[0].revents == POLLHUP);
	close(p[0]);

	pipe(p);
	close(p[0]);
	pf[0] = (struct pollfd){ p[1], POLLOUT, 0 };
	check("poll: the write end reports POLLERR when the reader closed", poll(pf, 1, 0) == 1 && (pf[0].revents & POLLERR));
	close(p[1]);

	int f = open("/events-file", O_CREAT | O_RDWR, 0600);
	pf[0] = (struct pollfd){ f, POLLIN | POLLOUT, 0 };
	check("poll: a regular file is always readable and writable", poll(pf, 1, -1) == 1 && pf[0].revents == (POLLIN | POLLOUT));
	close(f);
	check("poll: a wild pointer is EFAULT", poll((void *)8, 1, 0) == -1 && errno == EFAULT);

	pipe(p);
	struct timespec ts = { 0, 80 * 1000000 };
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	t0 = now_ms();
	check("ppoll: a timespec timeout passes", ppoll(pf, 1, &ts, NULL) == 0 && now_ms() - t0 >= 80);
	ts.tv_nsec = 1000000000;
	check("ppoll: a bad timespec is EINVAL", ppoll(pf, 1, &ts, NULL) == -1 && errno == EINVAL);

	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &wr);
	n = select(p[1] + 1, &rd, &wr, NULL, NULL);
	check("select: the write end is ready, the empty read end not", n == 1 && !FD_ISSET(p[0], &rd) && FD_ISSET(p[1], &wr));
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	struct timeval tv = { 0, 60000 };
	t0 = now_ms();
	n = select(p[0] + 1, &rd, NULL, NULL, &tv);
	check("select: a timeval timeout passes", n == 0 && !FD_ISSET(p[0], &rd) && now_ms() - t0 >= 60);
	write(p[1], "z", 1);
	FD_SET(p[0], &rd);
	check("select: data makes the read end ready", select(p[0] + 1, &rd, NULL, NULL, NULL) == 1 && FD_ISSET(p[0], &rd));
	FD_ZERO(&rd);
	FD_SET(300, &rd);
	check("select: a closed fd is EBADF", select(301, &rd, NULL, NULL, NULL) == -1 && errno == EBADF);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	struct timespec zero = { 0, 0 };
	check("pselect6: readable", pselect(p[0] + 1, &rd, NULL, NULL, &zero, NULL) == 1 && FD_ISSET(p[0], &rd));
	read(p[0], &c, 1);
	struct delayed d2 = { p[1], 50, "w", 1 };
	t = start_write_later(&d2);
	struct timespec long_wait = { 10, 0 };
	check("pselect6: a waiter is woken by a writer thread", pselect(p[0] + 1, &rd, NULL, NULL, &long_wait, NULL) == 1 &&
		FD_ISSET(p[0], &rd));
	pthread_join(t, NULL);
	close(p[0]);
	close(p[1]);
}

static void eventfds(void)
{
	uint64_t v = 4;
	int e = eventfd(3, 0);
	check("eventfd: write adds, read takes all", e >= 0 && write(e, &v, 8) == 8 && read(e, &v, 8) == 8 && v == 7);
	struct pollfd pf = { e, POLLIN | POLLOUT, 0 };
	check("eventfd: at 0 writable, not readable", poll(&pf, 1, 0) == 1 && pf.revents == POLLOUT);
	check("eventfd: a short buffer is EINVAL", read(e, &v, 4) == -1 && errno == EINVAL);
	v = ~0ull;
	check("eventfd: writing 2^64-1 is EINVAL", write(e, &v, 8) == -1 && errno == EINVAL);
	close(e);
	e = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t a = 0, b = 0;
	check("eventfd: semaphore mode reads 1 at a time", read(e, &a, 8) == 8 && read(e, &b, 8) == 8 && a == 1 && b == 1);
	check("eventfd: EFD_NONBLOCK at 0 is EAGAIN", read(e, &a, 8) == -1 && errno == EAGAIN);
	check("eventfd: EFD_CLOEXEC", fcntl(e, F_GETFD) & FD_CLOEXEC);
	v = 0xfffffffffffffffeull;
	check("eventfd: a full counter refuses more (EAGAIN)", write(e, &v, 8) == 8 && (v = 1, write(e, &v, 8)) == -1 &&
		errno == EAGAIN);
	close(e);
	check("eventfd2: other flags are EINVAL", syscall(SYS_eventfd2, 0, 0x10) == -1 && errno == EINVAL);
	e = eventfd(0, 0);
	v = 5;
	struct delayed d = { e, 50, &v, 8 };
	pthread_t t = start_write_later(&d);
	uint64_t got = 0;
	check("eventfd: a reader blocked at 0 is woken by a writer thread", read(e, &got, 8) == 8 && got == 5);
	pthread_join(t, NULL);
	close(e);
}

static int epoll_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static void epolls(const char *hostdir)
{
	int p[2];
	struct epoll_event ev[8];
	pipe(p);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	check("epoll_create1: EPOLL_CLOEXEC", ep >= 0 && (fcntl(ep, F_GETFD) & FD_CLOEXEC));
	check("epoll_create: size 0 is EINVAL", syscall(SYS_epoll_create, 0) == -1 && errno == EINVAL);
	check("epoll_create1: other flags are EINVAL", epoll_create1(1) == -1 && errno == EINVAL);
	check("epoll_ctl: ADD", epoll_add(ep, p[0], EPOLLIN, 42) == 0);
	check("epoll_ctl: ADD twice is EEXIST", epoll_add(ep, p[0], EPOLLIN, 42) == -1 && errno == EEXIST);
	struct epoll_event mod = { .events = EPOLLIN, .data.u64 = 1 };
	check("epoll_ctl: MOD of an unwatched fd is ENOENT", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &mod) == -1 && errno == ENOENT);
	check("epoll_ctl: DEL of an unwatched fd is ENOENT", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == -1 && errno == ENOENT);
	check("epoll_ctl: a set watching itself is EINVAL", epoll_add(ep, ep, EPOLLIN, 0) == -1 && errno == EINVAL);
	check("epoll_ctl: a closed fd is EBADF", epoll_add(ep, 300, EPOLLIN, 0) == -1 && errno == EBADF);
	check("epoll_ctl: a bad op is EINVAL", epoll_ctl(ep, 9, p[0], &mod) == -1 && errno == EINVAL);
	int f = open("/events-file", O_RDWR);
	check("epoll_ctl: a regular file is EPERM", epoll_add(ep, f, EPOLLIN, 0) == -1 && errno == EPERM);
	close(f);
	f = open("/", O_RDONLY | O_DIRECTORY);
	check("epoll_ctl: a directory is EPERM", epoll_add(ep, f, EPOLLIN, 0) == -1 && errno == EPERM);
	close(f);
	if (hostdir) {
		char path[256];
		snprintf(path, sizeof path, "%s/events-host-file", hostdir);
		f = open(path, O_CREAT | O_RDWR, 0600);
		check("epoll_ctl: a /host file is EPERM", f >= 0 && epoll_add(ep, f, EPOLLIN, 0) == -1 && errno == EPERM);
		close(f);
		unlink(path);
		f = open(hostdir, O_RDONLY | O_DIRECTORY);
		check("epoll_ctl: a /host directory is EPERM", f >= 0 && epoll_add(ep, f, EPOLLIN, 0) == -1 && errno == EPERM);
		close(f);
	}
	check("epoll_ctl: the console is watchable", epoll_add(ep, 1, EPOLLOUT, 7) == 0 && epoll_ctl(ep, EPOLL_CTL_DEL, 1, NULL) == 0);

	/* Level-triggered: reported while data waits. */
	check("epoll_wait: nothing ready, timeout 0", epoll_wait(ep, ev, 8, 0) == 0);
	write(p[1], "a", 1);
	check("epoll_wait: level-triggered reports data", epoll_wait(ep, ev, 8, 0) == 1 && ev[0].events == EPOLLIN &&
		ev[0].data.u64 == 42);
	check("epoll_wait: ... and again while it waits", epoll_wait(ep, ev, 8, 0) == 1);
	long t0 = now_ms();
	char c;
	read(p[0], &c, 1);
	check("epoll_wait: the timeout passes", epoll_wait(ep, ev, 8, 90) == 0 && now_ms() - t0 >= 90);

	/* Edge-triggered: reported once per arrival. */
	mod.events = EPOLLIN | EPOLLET;
	mod.data.u64 = 43;
	check("epoll_ctl: MOD to edge-triggered", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod) == 0);
	write(p[1], "b", 1);
	check("epoll_wait: edge-triggered reports the arrival", epoll_wait(ep, ev, 8, 0) == 1 && ev[0].data.u64 == 43);
	check("epoll_wait: ... and not again without new data", epoll_wait(ep, ev, 8, 60) == 0);
	struct delayed d = { p[1], 50, "c", 1 };
	pthread_t t = start_write_later(&d);
	check("epoll_wait: an edge-triggered waiter is woken by new data", epoll_wait(ep, ev, 8, 10000) == 1 &&
		ev[0].events == EPOLLIN);
	pthread_join(t, NULL);
	read(p[0], &c, 1);
	read(p[0], &c, 1);

	/* One-shot: one report, then nothing until MOD. */
	mod.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod);
	write(p[1], "d", 1);
	check("epoll_wait: EPOLLONESHOT reports once", epoll_wait(ep, ev, 8, 0) == 1 && epoll_wait(ep, ev, 8, 0) == 0);
	check("epoll_wait: EPOLL_CTL_MOD re-arms it", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod) == 0 && epoll_wait(ep, ev, 8, 0) == 1);
	read(p[0], &c, 1);

	/* Hang-ups: always reported, asked for or not. */
	mod.events = EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod);
	check("epoll_ctl: DEL", epoll_add(ep, p[1], EPOLLOUT, 44) == 0 && epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0);
	close(p[1]);
	check("epoll_wait: EPOLLHUP when every writer closed", epoll_wait(ep, ev, 8, 0) == 1 && ev[0].events == EPOLLHUP);
	close(p[0]);
	check("epoll_wait: closing the last descriptor removes the watch", epoll_wait(ep, ev, 8, 0) == 0);
	pipe(p);
	epoll_add(ep, p[1], EPOLLOUT, 45);
	close(p[0]);
	check("epoll_wait: EPOLLERR on the write end when the reader closed", epoll_wait(ep, ev, 8, 0) == 1 &&
		(ev[0].events & EPOLLERR) && ev[0].data.u64 == 45);
	close(p[1]);

	/* Level-triggered reports take turns when more are ready than asked for. */
	int q[3][2];
	int seen[3] = { 0, 0, 0 };
	for (int i = 0; i < 3; i++) {
		pipe(q[i]);
		write(q[i][1], "r", 1);
		epoll_add(ep, q[i][0], EPOLLIN, 100 + i);
	}
	int first = epoll_wait(ep, ev, 2, 0);
	for (int i = 0; i < first; i++)
		seen[ev[i].data.u64 - 100]++;
	int second = epoll_wait(ep, ev, 2, 0);
	for (int i = 0; i < second; i++)
		seen[ev[i].data.u64 - 100]++;
	check("epoll_wait: ready items take turns when maxevents is smaller", first == 2 && second == 2 && seen[0] && seen[1] && seen[2]);
	for (int i = 0; i < 3; i++) {
		close(q[i][0]);
		close(q[i][1]);
	}

	/* Sets inside sets. */
	int e = eventfd(0, EFD_NONBLOCK);
	int inner = epoll_create1(0);
	epoll_add(inner, e, EPOLLIN, 46);
	epoll_add(ep, inner, EPOLLIN, 47);
	check("epoll: an inner set with nothing ready is not ready", epoll_wait(ep, ev, 8, 0) == 0);
	uint64_t one = 1;
	write(e, &one, 8);
	check("epoll: an inner set with an event makes the outer one ready", epoll_wait(ep, ev, 8, 0) == 1 && ev[0].data.u64 == 47 &&
		epoll_wait(inner, ev, 8, 0) == 1 && ev[0].data.u64 == 46);
	check("epoll_ctl: a loop of sets is ELOOP", epoll_add(inner, ep, EPOLLIN, 0) == -1 && errno == ELOOP);
	struct pollfd pf = { inner, POLLIN, 0 };
	check("poll: an epoll set with events is readable", poll(&pf, 1, 0) == 1 && pf.revents == POLLIN);
	check("read: an epoll set is EINVAL", read(inner, &one, 8) == -1 && errno == EINVAL);
	close(inner);
	close(e);
	close(ep);
}

/* Many threads waiting on one object, all woken. */
static int shared_fd;
static int woken;
static pthread_mutex_t woken_lock = PTHREAD_MUTEX_INITIALIZER;

static void *eventfd_waiter(void *arg)
{
	(void)arg;
	uint64_t v;
	if (read(shared_fd, &v, 8) == 8 && v == 1) {
		pthread_mutex_lock(&woken_lock);
		woken++;
		pthread_mutex_unlock(&woken_lock);
	}
	return NULL;
}

static void *epoll_waiter(void *arg)
{
	(void)arg;
	struct epoll_event ev;
	if (epoll_wait(shared_fd, &ev, 1, 20000) == 1 && ev.data.u64 == 99) {
		pthread_mutex_lock(&woken_lock);
		woken++;
		pthread_mutex_unlock(&woken_lock);
	}
	return NULL;
}

static void many(void)
{
	enum { N = 8 };
	pthread_t t[N];
	shared_fd = eventfd(0, EFD_SEMAPHORE);
	woken = 0;
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, eventfd_waiter, NULL);
	sleep_ms(50);
	uint64_t v = N;
	write(shared_fd, &v, 8);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	check("eventfd: 8 threads blocked on one eventfd are all woken", woken == N);
	close(shared_fd);

	int e = eventfd(0, 0);
	shared_fd = epoll_create1(0);
	epoll_add(shared_fd, e, EPOLLIN, 99);
	woken = 0;
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, epoll_waiter, NULL);
	sleep_ms(50);
	v = 1;
	write(e, &v, 8);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	check("epoll: 8 threads in epoll_wait on one set are all woken", woken == N);
	close(shared_fd);
	close(e);
}

/* What Go's runtime does at its first timer or file: a wake-up pipe in an
 * edge-triggered set, epoll_pwait with -1, 0 or a timeout, a byte to wake it. */
static void go_runtime(void)
{
	int p[2];
	struct epoll_event ev[128];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int ok = ep >= 0 && pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0;
	struct epoll_event add = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET };
	*(int32_t *)&add.data = p[0];
	ok = ok && epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &add) == 0;
	check("go: epoll_create1, pipe2 and an edge-triggered ADD", ok);
	check("go: epoll_pwait with timeout 0 finds nothing", epoll_pwait(ep, ev, 128, 0, NULL) == 0);
	long t0 = now_ms();
	check("go: epoll_pwait with a timeout returns 0 after it", epoll_pwait(ep, ev, 128, 70, NULL) == 0 && now_ms() - t0 >= 70);
	struct delayed d = { p[1], 50, "", 1 };
	pthread_t t = start_write_later(&d);
	int n = epoll_pwait(ep, ev, 128, 10000, NULL);
	check("go: a byte written to the pipe wakes epoll_pwait", n == 1 && ev[0].events == EPOLLIN && *(int32_t *)&ev[0].data == p[0]);
	pthread_join(t, NULL);
	char buf[16];
	check("go: the wake-up byte drains, then EAGAIN", read(p[0], buf, sizeof buf) == 1 && read(p[0], buf, 1) == -1 &&
		errno == EAGAIN);
	t = start_write_later(&d);
	check("go: epoll_pwait with -1 is woken too", epoll_pwait(ep, ev, 128, -1, NULL) == 1);
	pthread_join(t, NULL);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static volatile int ticks;

static void *ticker(void *arg)
{
	(void)arg;
	for (;;) {
		sleep_ms(10);
		ticks++;
	}
	return NULL;
}

static void console_stdin(void)
{
	struct pollfd pf = { 0, POLLIN, 0 };
	long t0 = now_ms();
	check("stdin: no input yet: poll times out", poll(&pf, 1, 100) == 0 && pf.revents == 0 && now_ms() - t0 >= 100);
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(0, &rd);
	struct timeval tv = { 0, 0 };
	check("stdin: no input yet: select says so", select(1, &rd, NULL, NULL, &tv) == 0);
	fcntl(0, F_SETFL, O_NONBLOCK);
	char buf[64] = { 0 };
	check("stdin: O_NONBLOCK read without input is EAGAIN", read(0, buf, sizeof buf) == -1 && errno == EAGAIN);
	fcntl(0, F_SETFL, 0);
	pthread_t t;
	pthread_create(&t, NULL, ticker, NULL);
	printf("waiting for input\n");
	fflush(stdout);
	ticks = 0;
	ssize_t n = read(0, buf, sizeof buf);
	check("stdin: a blocking read gets the input", n == 6 && memcmp(buf, "hello\n", 6) == 0);
	check("stdin: other threads ran while the read waited", ticks > 0);
	check("stdin: its end is readable", poll(&pf, 1, -1) == 1 && (pf.revents & POLLIN) && read(0, buf, sizeof buf) == 0);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "stdin") == 0) {
		console_stdin();
		return failures;
	}
	pipes();
	polls();
	eventfds();
	epolls(argc > 1 ? argv[1] : NULL);
	many();
	go_runtime();
	return failures;
}
