/* Signals against the waits of pipes, poll and epoll: EINTR, SA_RESTART, the masks
 * ppoll and epoll_pwait wait with, and SIGPIPE. argv[1] = "sigpipe" writes to a pipe
 * nobody reads, with SIGPIPE's default action (the program must end with it).
 * One line per check. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failures;
static atomic_int handled;
static atomic_long waiter_tid;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	failures += !ok;
}

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

static void nap(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, 0);
}

/* Sends SIGUSR1 to the waiting thread once it is waiting, then (with `then_write`)
 * writes a byte to fd. */
struct kick {
	int fd;
	int then_write;
};

static void *kicker(void *arg)
{
	struct kick *k = arg;
	while (!atomic_load(&waiter_tid))
		nap(1);
	nap(30);
	syscall(SYS_tgkill, getpid(), atomic_load(&waiter_tid), SIGUSR1);
	if (k->then_write) {
		nap(30);
		write(k->fd, "z", 1);
	}
	return 0;
}

static void handler(int restart)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGUSR1, &sa, 0);
}

static pthread_t start_kick(struct kick *k)
{
	pthread_t t;
	atomic_store(&waiter_tid, 0);
	pthread_create(&t, 0, kicker, k);
	atomic_store(&waiter_tid, syscall(SYS_gettid));
	return t;
}

int main(int argc, char **argv)
{
	int p[2];
	char c;
	if (argc > 1 && !strcmp(argv[1], "sigpipe")) {
		pipe(p);
		close(p[0]);
		write(p[1], "x", 1);
		puts("still here");
		return 0;
	}

	pipe(p);
	handler(0);
	struct kick k = { p[1], 0 };
	pthread_t t = start_kick(&k);
	ssize_t n = read(p[0], &c, 1);
	check("a signal ends a blocked pipe read with EINTR", n == -1 && errno == EINTR && atomic_load(&handled) == 1);
	pthread_join(t, 0);

	handler(1);
	k.then_write = 1;
	t = start_kick(&k);
	n = read(p[0], &c, 1);
	check("with SA_RESTART the read goes on and gets the byte", n == 1 && c == 'z' && atomic_load(&handled) == 2);
	pthread_join(t, 0);

	struct pollfd pf = { p[0], POLLIN, 0 };
	k.then_write = 0;
	t = start_kick(&k);
	int r = poll(&pf, 1, -1);
	check("poll is not restarted after a handler, even with SA_RESTART", r == -1 && errno == EINTR && atomic_load(&handled) == 3);
	pthread_join(t, 0);

	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = p[0] };
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	t = start_kick(&k);
	r = epoll_wait(ep, &ev, 1, 5000);
	check("epoll_wait ends with EINTR", r == -1 && errno == EINTR && atomic_load(&handled) == 4);
	pthread_join(t, 0);

	/* ppoll with a mask that blocks SIGUSR1: the signal waits until ppoll returns. */
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	t = start_kick(&k);
	struct timespec ts = { 0, 150000000 };
	r = ppoll(&pf, 1, &ts, &block);
	int during = atomic_load(&handled);
	check("ppoll's mask holds the signal back for the wait", r == 0 && during == 4);
	pthread_join(t, 0);
	check("and it is taken when ppoll returns", atomic_load(&handled) == 5);

	/* The thread blocks SIGUSR1; ppoll's mask lets it in. */
	sigprocmask(SIG_BLOCK, &block, 0);
	sigset_t open_mask;
	sigemptyset(&open_mask);
	t = start_kick(&k);
	ts.tv_sec = 5;
	r = ppoll(&pf, 1, &ts, &open_mask);
	check("ppoll's mask lets a blocked signal in: EINTR", r == -1 && errno == EINTR && atomic_load(&handled) == 6);
	pthread_join(t, 0);
	sigset_t now;
	sigprocmask(SIG_BLOCK, 0, &now);
	check("and the thread's own mask is back afterwards", sigismember(&now, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &block, 0);

	t = start_kick(&k);
	r = epoll_pwait(ep, &ev, 1, 150, &block);
	check("epoll_pwait's mask holds the signal back", r == 0 && atomic_load(&handled) == 6);
	pthread_join(t, 0);
	check("until epoll_pwait returns", atomic_load(&handled) == 7);

	signal(SIGPIPE, SIG_IGN);
	close(p[0]);
	check("an ignored SIGPIPE leaves EPIPE", write(p[1], "x", 1) == -1 && errno == EPIPE);
	return failures != 0;
}
