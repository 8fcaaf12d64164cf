/* A guest client of servers on the host's loopback, each behaviour checked.
 * usage: net-client echo ECHO_PORT CLOSED_PORT UDP_PORT -- TCP round trips with a host
 *          echo server (printing getsockname's port: "local port N"), blocking and non-blocking connects (EINPROGRESS, SO_ERROR),
 *          ECONNREFUSED, UDP round trips with a host UDP echo server;
 *        net-client reset PORT -- the host peer sends "doomed" and resets;
 *        net-client stall PORT -- the host peer never reads: writes stop;
 *        net-client blast PORT BYTES -- write BYTES and exit without closing;
 *        net-client stream PORT BYTES -- the host peer sends BYTES bytes (byte i is
 *          i % 251) and ends: read them in changing sizes with read, readv, recv and
 *          MSG_PEEK (with FIONREAD), each byte checked, then the end;
 *        net-client unread PORT -- the host peer sends 10 bytes: read 3 and close
 *          (the peer sees a reset, as on Linux);
 *        net-client abort PORT -- once the host peer's "ok" arrives (it has accepted),
 *          send "bye" and close with SO_LINGER on and a zero timeout: the peer sees a
 *          reset;
 *        net-client batch PORT N -- N connections, each sent "go" by the host peer:
 *          one epoll_wait reports them all, each answers "reply N" (sends the kernel
 *          defers to the send batch), every other one then shuts its writing side,
 *          and the program exits at once: every reply must still arrive, before the
 *          end where there is one. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	if (!ok)
		failures++;
}

static struct sockaddr_in host(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	return a;
}

static int read_fully(int fd, char *buf, int n)
{
	int got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return got;
		got += r;
	}
	return got;
}

static void echo(int port, int closed, int udp_port)
{
	struct sockaddr_in a = host(port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	check("connect to a host server", connect(c, (struct sockaddr *)&a, sizeof a) == 0);
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;
	check("getpeername names the host server", getpeername(c, (struct sockaddr *)&peer, &len) == 0 && ntohs(peer.sin_port) == port);
	struct sockaddr_in mine;
	len = sizeof mine;
	check("getsockname names a loopback address and a port",
	      getsockname(c, (struct sockaddr *)&mine, &len) == 0 && mine.sin_family == AF_INET && ntohl(mine.sin_addr.s_addr) == INADDR_LOOPBACK &&
	              mine.sin_port != 0);
	printf("local port %d\n", ntohs(mine.sin_port)); /* the test compares it with the port the server saw */
	int good = 1;
	for (int i = 0; i < 100 && good; i++) {
		char msg[64], back[64];
		int n = snprintf(msg, sizeof msg, "round trip %d\n", i);
		good = write(c, msg, n) == n && read_fully(c, back, n) == n && memcmp(msg, back, n) == 0;
	}
	check("100 round trips with the host server", good);
	close(c);

	int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(nb, (struct sockaddr *)&a, sizeof a);
	check("non-blocking connect: EINPROGRESS", r == -1 && errno == EINPROGRESS);
	struct pollfd p = { .fd = nb, .events = POLLOUT };
	check("... then writable", poll(&p, 1, 5000) == 1 && (p.revents & POLLOUT));
	int err = -1;
	len = sizeof err;
	check("... and SO_ERROR 0", getsockopt(nb, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0);
	check("connect again: EISCONN", connect(nb, (struct sockaddr *)&a, sizeof a) == -1 && errno == EISCONN);
	close(nb);

	struct sockaddr_in gone = host(closed);
	int rc = socket(AF_INET, SOCK_STREAM, 0);
	check("a closed host port: ECONNREFUSED", connect(rc, (struct sockaddr *)&gone, sizeof gone) == -1 && errno == ECONNREFUSED);
	close(rc);
	int nr = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(nr, (struct sockaddr *)&gone, sizeof gone);
	p.fd = nr;
	p.events = POLLOUT;
	int polled = poll(&p, 1, 5000);
	len = sizeof err;
	getsockopt(nr, SOL_SOCKET, SO_ERROR, &err, &len);
	check("non-blocking: POLLERR and SO_ERROR ECONNREFUSED", r == -1 && errno == EINPROGRESS && polled == 1 && (p.revents & POLLERR) && err == ECONNREFUSED);
	close(nr);

	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = host(udp_port);
	good = 1;
	for (int i = 0; i < 10 && good; i++) {
		char msg[32], back[32];
		int n = snprintf(msg, sizeof msg, "datagram %d", i);
		struct sockaddr_in from;
		len = sizeof from;
		good = sendto(u, msg, n, 0, (struct sockaddr *)&ua, sizeof ua) == n && recvfrom(u, back, sizeof back, 0, (struct sockaddr *)&from, &len) == n &&
		       memcmp(msg, back, n) == 0 && ntohs(from.sin_port) == udp_port;
	}
	check("UDP round trips with a host server", good);
	close(u);
}

static void reset(int port)
{
	struct sockaddr_in a = host(port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	check("connect", connect(c, (struct sockaddr *)&a, sizeof a) == 0);
	char buf[16];
	check("the data before the reset arrives", read_fully(c, buf, 6) == 6 && memcmp(buf, "doomed", 6) == 0);
	ssize_t r = read(c, buf, sizeof buf);
	check("then ECONNRESET", r == -1 && errno == ECONNRESET);
	check("a write after it: EPIPE", send(c, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	close(c);
}

static void stall(int port)
{
	struct sockaddr_in a = host(port);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	connect(c, (struct sockaddr *)&a, sizeof a);
	struct pollfd p = { .fd = c, .events = POLLOUT };
	check("connect", poll(&p, 1, 5000) == 1);
	static char chunk[65536];
	long total = 0;
	int again = 0;
	/* Write until the VMM's window and the host socket's buffers are full: the
	 * writes then stop with EAGAIN for good (a reader that never reads). */
	for (int i = 0; i < 4000 && !again; i++) {
		ssize_t n = write(c, chunk, sizeof chunk);
		if (n > 0) {
			total += n;
			continue;
		}
		if (errno != EAGAIN)
			break;
		again = poll(&p, 1, 300) == 0;
	}
	printf("stalled after %ld bytes\n", total);
	check("writes stop with EAGAIN", again);
	check("... after a bounded amount", total < 64L << 20);
}

/* Writes `total` bytes and exits at once: the VMM must still deliver them. */
static void blast(int port, long total)
{
	struct sockaddr_in a = host(port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	check("connect", connect(c, (struct sockaddr *)&a, sizeof a) == 0);
	static char chunk[65536];
	long sent = 0;
	while (sent < total) {
		for (int i = 0; i < (int)sizeof chunk; i++)
			chunk[i] = (char)((sent + i) % 251);
		ssize_t n = write(c, chunk, total - sent < (long)sizeof chunk ? total - sent : (long)sizeof chunk);
		if (n <= 0)
			break;
		sent += n;
	}
	check("every byte written", sent == total);
}

static int connected_to(int port)
{
	struct sockaddr_in a = host(port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	return connect(c, (struct sockaddr *)&a, sizeof a) == 0 ? c : -1;
}

/* Reads the host's pattern in sizes that cross the receive ring's wrap in every way. */
static void stream(int port, long total)
{
	static const int sizes[] = { 1, 7, 100, 4095, 4097, 13, 65536, 3, 2048, 4096, 5000, 1 };
	static char buf[65536], peeked[65536];
	int c = connected_to(port);
	check("connect", c >= 0);
	long got = 0;
	int intact = 1, peeks_match = 1, pending_ok = 1, calls = 0;
	for (;;) {
		int want = sizes[calls % (sizeof sizes / sizeof sizes[0])];
		ssize_t r;
		switch (calls++ % 4) {
		case 0:
			r = read(c, buf, want);
			break;
		case 1: { /* three iovecs */
			int a = want / 3, b = want / 3;
			struct iovec v[3] = { { buf, a }, { buf + a, b }, { buf + a + b, want - a - b } };
			r = readv(c, v, 3);
			break;
		}
		case 2: { /* peek, then take the same bytes */
			ssize_t p = recv(c, peeked, want, MSG_PEEK);
			int n = 0;
			if (p > 0 && (ioctl(c, FIONREAD, &n) != 0 || n < p))
				pending_ok = 0;
			r = p > 0 ? recv(c, buf, p, 0) : p;
			if (p > 0 && (r != p || memcmp(peeked, buf, p) != 0))
				peeks_match = 0;
			break;
		}
		default:
			r = recv(c, buf, want, 0);
		}
		if (r <= 0) {
			check("the end after the last byte", r == 0);
			break;
		}
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != (char)((got + i) % 251))
				intact = 0;
		got += r;
	}
	check("every byte, in order", intact && got == total);
	check("a peek shows the bytes the next recv takes", peeks_match);
	check("FIONREAD counts at least what a peek saw", pending_ok);
	printf("read %ld bytes in %d calls\n", got, calls);
	close(c);
}

/* Reads part of what arrived and closes: the unread bytes make the close a reset. */
static void unread(int port)
{
	int c = connected_to(port);
	check("connect", c >= 0);
	struct pollfd p = { .fd = c, .events = POLLIN };
	int n = 0;
	for (int i = 0; i < 200 && n < 10; i++) {
		poll(&p, 1, 10);
		ioctl(c, FIONREAD, &n);
	}
	check("FIONREAD: 10 bytes waiting", n == 10);
	char buf[3];
	check("read 3 of them", read(c, buf, 3) == 3 && memcmp(buf, "unr", 3) == 0);
	close(c);
}

static void abortive(int port)
{
	int c = connected_to(port);
	check("connect", c >= 0);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char ok[2];
	check("SO_LINGER on, timeout 0", setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0 && read_fully(c, ok, 2) == 2);
	check("send, close", write(c, "bye", 3) == 3 && close(c) == 0);
}

static void batch(int port, int n)
{
	int ep = epoll_create1(0);
	int fds[64];
	for (int i = 0; i < n; i++) {
		fds[i] = connected_to(port);
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	struct epoll_event ready[64];
	int got = 0;
	for (int tries = 0; tries < 200 && got < n; tries++) {
		usleep(10000); /* let every "go" arrive, so one wait reports them all */
		got = epoll_wait(ep, ready, 64, 0);
	}
	check("one epoll_wait reports every connection", got == n);
	for (int k = 0; k < got; k++) {
		int i = ready[k].data.u32;
		char go[2], reply[32];
		int len = snprintf(reply, sizeof reply, "reply %d", i);
		if (read(fds[i], go, 2) != 2 || write(fds[i], reply, len) != len)
			check("read go, write the reply", 0);
		if (i % 2)
			shutdown(fds[i], SHUT_WR);
	}
	exit(failures != 0); /* at once: no wait, no close */
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 5 && strcmp(argv[1], "echo") == 0)
		echo(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	else if (argc == 3 && strcmp(argv[1], "reset") == 0)
		reset(atoi(argv[2]));
	else if (argc == 3 && strcmp(argv[1], "stall") == 0)
		stall(atoi(argv[2]));
	else if (argc == 4 && strcmp(argv[1], "blast") == 0)
		blast(atoi(argv[2]), atol(argv[3]));
	else if (argc == 4 && strcmp(argv[1], "stream") == 0)
		stream(atoi(argv[2]), atol(argv[3]));
	else if (argc == 3 && strcmp(argv[1], "unread") == 0)
		unread(atoi(argv[2]));
	else if (argc == 3 && strcmp(argv[1], "abort") == 0)
		abortive(atoi(argv[2]));
	else if (argc == 4 && strcmp(argv[1], "batch") == 0 && atoi(argv[3]) > 0 && atoi(argv[3]) <= 64)
		batch(atoi(argv[2]), atoi(argv[3]));
	else {
		fprintf(stderr, "usage: net-client echo|reset|stall|blast|stream|unread|abort|batch PORT...\n");
		return 2;
	}
	return failures != 0;
}
