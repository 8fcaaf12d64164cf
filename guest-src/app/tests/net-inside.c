/* Sockets that stay inside the guest, each behaviour checked: TCP to the guest's own
 * listener on 127.0.0.1 and ::1, errors as Linux gives them, readiness through poll
 * and epoll, flow control, UDP between guest sockets, AF_UNIX (socketpair, paths,
 * the abstract namespace), connect's SO_SNDTIMEO. usage: net-inside [none] -- "none": run under --net none,
 * where a connection beyond the guest fails with ENETUNREACH. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	if (!ok)
		failures++;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int listener(int port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(port);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0)
		return -1;
	return s;
}

static int connected(int port)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(port);
	if (connect(c, (struct sockaddr *)&a, sizeof a) != 0)
		return -1;
	return c;
}

static volatile int sigpipes;
static void on_sigpipe(int sig) { (void)sig; sigpipes++; }

static void *late_writer(void *arg)
{
	usleep(20000);
	write(*(int *)arg, "late", 4);
	return NULL;
}

static void tcp_inside(void)
{
	int l = listener(5555);
	check("tcp listener", l >= 0);
	struct sockaddr_in name;
	socklen_t len = sizeof name;
	check("getsockname of the listener", getsockname(l, (struct sockaddr *)&name, &len) == 0 && len == sizeof name && ntohs(name.sin_port) == 5555);
	int again = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(5555);
	check("a second bind: EADDRINUSE", bind(again, (struct sockaddr *)&a, sizeof a) == -1 && errno == EADDRINUSE);
	close(again);

	fcntl(l, F_SETFL, O_NONBLOCK);
	check("accept on an empty non-blocking listener: EAGAIN", accept(l, NULL, NULL) == -1 && errno == EAGAIN);
	fcntl(l, F_SETFL, 0);

	int c = connected(5555);
	check("connect to the guest's own listener on 127.0.0.1", c >= 0);
	struct pollfd pl = { .fd = l, .events = POLLIN };
	check("the listener polls readable", poll(&pl, 1, 0) == 1 && (pl.revents & POLLIN));
	struct sockaddr_in peer;
	len = sizeof peer;
	int s = accept4(l, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
	check("accept4 gives the peer's address", s >= 0 && len == sizeof peer && peer.sin_family == AF_INET && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	struct sockaddr_in mine;
	len = sizeof mine;
	getsockname(c, (struct sockaddr *)&mine, &len);
	check("the client's port is the server's peer port", mine.sin_port == peer.sin_port && ntohs(mine.sin_port) >= 32768);
	len = sizeof name;
	check("getpeername of the client", getpeername(c, (struct sockaddr *)&name, &len) == 0 && ntohs(name.sin_port) == 5555);
	check("fstat: a socket", ({ struct stat sb; fstat(c, &sb) == 0 && S_ISSOCK(sb.st_mode); }));
	check("getsockopt SO_TYPE", ({ int v = 0; socklen_t n = sizeof v; getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &n) == 0 && v == SOCK_STREAM && n == 4; }));
	int one = 1;
	check("setsockopt TCP_NODELAY and SO_KEEPALIVE", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0 && setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0);
	check("getsockopt TCP_NODELAY remembers", ({ int v = 0; socklen_t n = sizeof v; getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &n) == 0 && v == 1; }));
	check("getsockopt SO_ERROR is 0", ({ int v = 7; socklen_t n = sizeof v; getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &n) == 0 && v == 0; }));

	char buf[64] = { 0 };
	check("write to the server", write(c, "hello", 5) == 5);
	int avail = -1;
	check("FIONREAD counts waiting bytes", ioctl(s, FIONREAD, &avail) == 0 && avail == 5);
	check("MSG_PEEK leaves the bytes", recv(s, buf, sizeof buf, MSG_PEEK) == 5 && memcmp(buf, "hello", 5) == 0);
	check("read them", read(s, buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
	struct timeval tv = { 0, 30000 };
	check("SO_RCVTIMEO: a blocking read ends with EAGAIN", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 && read(s, buf, sizeof buf) == -1 && errno == EAGAIN);
	tv.tv_usec = 0;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	check("MSG_DONTWAIT on nothing: EAGAIN", recv(s, buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN);
	struct iovec out[2] = { { "ab", 2 }, { "cde", 3 } };
	check("writev", writev(s, out, 2) == 5);
	char x[2], y[8];
	struct iovec in[2] = { { x, 2 }, { y, 8 } };
	check("readv fills both", readv(c, in, 2) == 5 && memcmp(x, "ab", 2) == 0 && memcmp(y, "cde", 3) == 0);
	struct msghdr m = { .msg_iov = out, .msg_iovlen = 2 };
	check("sendmsg", sendmsg(c, &m, 0) == 5);
	memset(buf, 0, sizeof buf);
	struct iovec one_in = { buf, sizeof buf };
	struct msghdr r = { .msg_iov = &one_in, .msg_iovlen = 1, .msg_controllen = 99 };
	check("recvmsg", recvmsg(s, &r, 0) == 5 && memcmp(buf, "abcde", 5) == 0 && r.msg_controllen == 0);

	pthread_t t;
	pthread_create(&t, NULL, late_writer, &c);
	check("a blocking read waits for another thread's write", read(s, buf, sizeof buf) == 4 && memcmp(buf, "late", 4) == 0);
	pthread_join(t, NULL);
	write(c, "ab", 2);
	pthread_create(&t, NULL, late_writer, &c);
	check("MSG_WAITALL waits for the whole request", recv(s, buf, 6, MSG_WAITALL) == 6 && memcmp(buf, "ablate", 6) == 0);
	pthread_join(t, NULL);

	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = s };
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	struct epoll_event got;
	check("epoll: nothing yet", epoll_wait(ep, &got, 1, 0) == 0);
	check("shutdown(SHUT_WR)", shutdown(c, SHUT_WR) == 0);
	check("epoll: EPOLLRDHUP after the peer's shutdown", epoll_wait(ep, &got, 1, 1000) == 1 && (got.events & EPOLLRDHUP) && (got.events & EPOLLIN));
	check("read at the end: 0", read(s, buf, sizeof buf) == 0);
	check("a write after shutdown: EPIPE", send(c, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	check("the other way still works", write(s, "back", 4) == 4 && read(c, buf, sizeof buf) == 4);
	close(s);
	signal(SIGPIPE, on_sigpipe);
	int c2 = connected(5555);
	int s2 = accept(l, NULL, NULL);
	close(s2);
	check("write to a closed peer: EPIPE", write(c2, "x", 1) == -1 && errno == EPIPE);
	check("... and SIGPIPE", sigpipes == 1);
	check("MSG_NOSIGNAL: no SIGPIPE", send(c2, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE && sigpipes == 1);
	check("read from a closed peer: 0", read(c2, buf, sizeof buf) == 0);
	struct pollfd pc = { .fd = c2, .events = POLLIN | POLLOUT };
	check("poll: POLLHUP on a closed connection", poll(&pc, 1, 0) == 1 && (pc.revents & POLLHUP));
	close(c2);

	/* Flow control: a peer that does not read stops a non-blocking writer. */
	int c3 = connected(5555);
	int s3 = accept(l, NULL, NULL);
	fcntl(c3, F_SETFL, O_NONBLOCK);
	static char chunk[65536];
	long total = 0;
	for (int i = 0; i < 1000; i++) {
		ssize_t n = write(c3, chunk, sizeof chunk);
		if (n < 0)
			break;
		total += n;
	}
	check("a reader that stops: EAGAIN after a bounded amount", errno == EAGAIN && total > 0 && total <= 1 << 20);
	struct pollfd pw = { .fd = c3, .events = POLLOUT };
	check("poll: not writable while full", poll(&pw, 1, 0) == 0);
	char sink[65536];
	check("reading frees room", read(s3, sink, sizeof sink) > 0 && poll(&pw, 1, 0) == 1);
	close(s3);
	close(c3);

	/* An abortive close (SO_LINGER on, timeout 0): the peer reads what arrived, then ECONNRESET. */
	int c4 = connected(5555);
	int s4 = accept(l, NULL, NULL);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	check("SO_LINGER: a value shorter than struct linger is EINVAL", setsockopt(c4, SOL_SOCKET, SO_LINGER, &lg, 4) == -1 && errno == EINVAL);
	check("SO_LINGER set and read back", setsockopt(c4, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0 && ({
		struct linger g = { 0 };
		socklen_t n = sizeof g;
		getsockopt(c4, SOL_SOCKET, SO_LINGER, &g, &n) == 0 && g.l_onoff == 1 && g.l_linger == 0 && n == sizeof g;
	}));
	check("abortive close: the bytes, then ECONNRESET", write(c4, "last", 4) == 4 && close(c4) == 0 && read(s4, buf, sizeof buf) == 4 && read(s4, buf, sizeof buf) == -1 && errno == ECONNRESET);
	close(s4);

	/* IPv6 loopback. */
	int l6 = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(5556), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	check("AF_INET6 listener", l6 >= 0 && bind(l6, (struct sockaddr *)&a6, sizeof a6) == 0 && listen(l6, 4) == 0);
	int c6 = socket(AF_INET6, SOCK_STREAM, 0);
	check("connect to ::1", connect(c6, (struct sockaddr *)&a6, sizeof a6) == 0);
	int s6 = accept(l6, NULL, NULL);
	check("echo over ::1", s6 >= 0 && write(c6, "six", 3) == 3 && read(s6, buf, sizeof buf) == 3);
	close(s6);
	close(c6);
	close(l6);

	int free_port = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in nobody = loopback(5999);
	check("no listener anywhere: ECONNREFUSED", connect(free_port, (struct sockaddr *)&nobody, sizeof nobody) == -1 && errno == ECONNREFUSED);
	close(free_port);
	close(l);
	int l2 = listener(5555);
	check("a closed listener's port can be bound again", l2 >= 0);
	close(l2);
}

static void udp_inside(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in aa = loopback(6001), ba = loopback(6002);
	check("udp bind", bind(a, (struct sockaddr *)&aa, sizeof aa) == 0 && bind(b, (struct sockaddr *)&ba, sizeof ba) == 0);
	char buf[32];
	check("udp recv on nothing: EAGAIN", recv(b, buf, sizeof buf, 0) == -1 && errno == EAGAIN);
	check("udp sendto", sendto(a, "ping", 4, 0, (struct sockaddr *)&ba, sizeof ba) == 4);
	struct sockaddr_in from;
	socklen_t len = sizeof from;
	check("udp recvfrom names the sender", recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) == 4 && ntohs(from.sin_port) == 6001);
	check("udp connect and send", connect(b, (struct sockaddr *)&aa, sizeof aa) == 0 && send(b, "pong", 4, 0) == 4);
	check("udp reply arrives", recv(a, buf, sizeof buf, 0) == 4 && memcmp(buf, "pong", 4) == 0);
	check("udp datagrams keep their edges", sendto(a, "12", 2, 0, (struct sockaddr *)&ba, sizeof ba) == 2 && sendto(a, "345", 3, 0, (struct sockaddr *)&ba, sizeof ba) == 3 && recv(b, buf, sizeof buf, 0) == 2 && recv(b, buf, sizeof buf, 0) == 3);
	struct mmsghdr out[2] = { 0 }, in[2] = { 0 };
	struct iovec o0 = { "one", 3 }, o1 = { "three", 5 }, i0 = { buf, 16 }, i1 = { buf + 16, 16 };
	out[0].msg_hdr = (struct msghdr){ .msg_name = &ba, .msg_namelen = sizeof ba, .msg_iov = &o0, .msg_iovlen = 1 };
	out[1].msg_hdr = (struct msghdr){ .msg_name = &ba, .msg_namelen = sizeof ba, .msg_iov = &o1, .msg_iovlen = 1 };
	in[0].msg_hdr = (struct msghdr){ .msg_iov = &i0, .msg_iovlen = 1 };
	in[1].msg_hdr = (struct msghdr){ .msg_iov = &i1, .msg_iovlen = 1 };
	check("sendmmsg sends both", sendmmsg(a, out, 2, 0) == 2 && out[0].msg_len == 3 && out[1].msg_len == 5);
	check("recvmmsg takes both", recvmmsg(b, in, 2, 0, NULL) == 2 && in[0].msg_len == 3 && in[1].msg_len == 5 && memcmp(buf + 16, "three", 5) == 0);
	/* recvmmsg's timeout is looked at after each message (Linux's rule): a zero one
	 * stops after the first, a long one lets both through and says what is left. */
	struct timespec zero = { 0, 0 }, ample = { 60, 0 }, bad = { 0, 1000000000 };
	check("sendmmsg again", sendmmsg(a, out, 2, 0) == 2);
	check("recvmmsg with a zero timeout: one message", recvmmsg(b, in, 2, 0, &zero) == 1 && in[0].msg_len == 3);
	check("... the other is still there", recv(b, buf, sizeof buf, 0) == 5);
	check("recvmmsg with a timeout not reached: both, and the time left written back",
	      sendmmsg(a, out, 2, 0) == 2 && recvmmsg(b, in, 2, 0, &ample) == 2 && ample.tv_sec <= 60 && ample.tv_sec >= 50 && ample.tv_nsec < 1000000000);
	check("recvmmsg with tv_nsec out of range: EINVAL", recvmmsg(b, in, 2, 0, &bad) == -1 && errno == EINVAL);
	check("recvmmsg with an unreadable timeout: EFAULT", recvmmsg(b, in, 2, 0, (struct timespec *)8) == -1 && errno == EFAULT);
	close(a);
	close(b);
}

static void unix_inside(void)
{
	int sv[2];
	char buf[32];
	check("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && write(sv[0], "pair", 4) == 4 && read(sv[1], buf, sizeof buf) == 4);
	close(sv[0]);
	check("socketpair: the other end closed, read 0", read(sv[1], buf, sizeof buf) == 0);
	close(sv[1]);
	check("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && send(sv[0], "a", 1, 0) == 1 && send(sv[0], "bc", 2, 0) == 2 && recv(sv[1], buf, sizeof buf, 0) == 1 && recv(sv[1], buf, sizeof buf, 0) == 2);
	close(sv[0]);
	close(sv[1]);

	struct sockaddr_un path = { .sun_family = AF_UNIX, .sun_path = "/tmp/net.sock" };
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	check("AF_UNIX bind and listen on a path", bind(l, (struct sockaddr *)&path, sizeof path) == 0 && listen(l, 4) == 0);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	check("AF_UNIX connect", connect(c, (struct sockaddr *)&path, sizeof path) == 0);
	int s = accept(l, NULL, NULL);
	check("AF_UNIX stream echo", s >= 0 && write(c, "unix", 4) == 4 && read(s, buf, sizeof buf) == 4 && memcmp(buf, "unix", 4) == 0);
	struct sockaddr_un got;
	socklen_t len = sizeof got;
	check("AF_UNIX getsockname", getsockname(l, (struct sockaddr *)&got, &len) == 0 && strcmp(got.sun_path, "/tmp/net.sock") == 0);
	struct stat st;
	check("AF_UNIX bind makes a socket file", stat("/tmp/net.sock", &st) == 0 && S_ISSOCK(st.st_mode));
	check("... which open refuses: ENXIO", open("/tmp/net.sock", O_RDONLY) == -1 && errno == ENXIO);
	int twice = socket(AF_UNIX, SOCK_STREAM, 0);
	check("... and a second bind: EADDRINUSE", bind(twice, (struct sockaddr *)&path, sizeof path) == -1 && errno == EADDRINUSE);
	close(twice);
	struct sockaddr_un missing = { .sun_family = AF_UNIX, .sun_path = "/tmp/none.sock" };
	int m = socket(AF_UNIX, SOCK_STREAM, 0);
	check("AF_UNIX connect to no such path: ENOENT", connect(m, (struct sockaddr *)&missing, sizeof missing) == -1 && errno == ENOENT);
	close(m);
	close(s);
	close(c);
	close(l);
	int late = socket(AF_UNIX, SOCK_STREAM, 0);
	check("a closed listener's file stays: connect ECONNREFUSED", connect(late, (struct sockaddr *)&path, sizeof path) == -1 && errno == ECONNREFUSED);
	close(late);
	int again = socket(AF_UNIX, SOCK_STREAM, 0);
	check("binding over a stale socket file: EADDRINUSE", bind(again, (struct sockaddr *)&path, sizeof path) == -1 && errno == EADDRINUSE);
	check("unlink removes the socket file", unlink("/tmp/net.sock") == 0 && stat("/tmp/net.sock", &st) == -1 && errno == ENOENT);
	check("... and the path can be bound again", bind(again, (struct sockaddr *)&path, sizeof path) == 0 && stat("/tmp/net.sock", &st) == 0 && S_ISSOCK(st.st_mode));
	close(again);
	unlink("/tmp/net.sock");

	struct sockaddr_un abstract = { .sun_family = AF_UNIX };
	memcpy(abstract.sun_path, "\0unikv-test", 11);
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 11;
	int d = socket(AF_UNIX, SOCK_DGRAM, 0), e = socket(AF_UNIX, SOCK_DGRAM, 0);
	check("AF_UNIX dgram on an abstract name", bind(d, (struct sockaddr *)&abstract, alen) == 0 && sendto(e, "abs", 3, 0, (struct sockaddr *)&abstract, alen) == 3 && recv(d, buf, sizeof buf, 0) == 3);
	close(d);
	close(e);
}

/* Blocking connects that give up after SO_SNDTIMEO: to a listener whose queue is full
 * and never accepted from, TCP answers EINPROGRESS, AF_UNIX EAGAIN (as Linux). */
static int connect_until_refused(int domain, const struct sockaddr *to, socklen_t len, int *err)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	int fds[16], n = 0, r = 0;
	while (n < 16) {
		int c = socket(domain, SOCK_STREAM, 0);
		setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		fds[n++] = c;
		r = connect(c, to, len);
		*err = errno;
		if (r != 0)
			break;
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return r;
}

static void connect_timeouts(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(5600);
	int err = 0;
	check("connect timeout: a listener with a queue of 1", bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 1) == 0);
	check("connect to a full queue with SO_SNDTIMEO: EINPROGRESS",
	      connect_until_refused(AF_INET, (struct sockaddr *)&a, sizeof a, &err) == -1 && err == EINPROGRESS);
	close(l);
	struct sockaddr_un path = { .sun_family = AF_UNIX, .sun_path = "/tmp/full.sock" };
	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	check("AF_UNIX connect to a full queue with SO_SNDTIMEO: EAGAIN",
	      bind(u, (struct sockaddr *)&path, sizeof path) == 0 && listen(u, 1) == 0 &&
	              connect_until_refused(AF_UNIX, (struct sockaddr *)&path, sizeof path, &err) == -1 && err == EAGAIN);
	close(u);
}

static void refusals(void)
{
	check("unknown family: EAFNOSUPPORT", socket(12345, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT);
	check("raw sockets: not offered", socket(AF_INET, SOCK_RAW, 1) == -1);
	check("a socket call on a pipe: ENOTSOCK", ({ int p[2]; pipe(p) == 0 && listen(p[0], 1) == -1 && errno == ENOTSOCK; }));
	check("a bad address: EFAULT", ({ int s = socket(AF_INET, SOCK_STREAM, 0); int r = bind(s, (struct sockaddr *)8, 16); close(s); r == -1 && errno == EFAULT; }));
	check("listen on a closed descriptor: EBADF", listen(999, 1) == -1 && errno == EBADF);
	int n = 0, last = 0;
	int fds[1100];
	while (n < 1100) {
		last = socket(AF_INET, SOCK_STREAM, 0);
		if (last < 0)
			break;
		fds[n++] = last;
	}
	check("sockets until the table is full: EMFILE", last == -1 && errno == EMFILE && n > 1000);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && strcmp(argv[1], "none") == 0) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = loopback(9);
		check("--net none: ENETUNREACH", connect(c, (struct sockaddr *)&a, sizeof a) == -1 && errno == ENETUNREACH);
		return failures != 0;
	}
	tcp_inside();
	udp_inside();
	unix_inside();
	connect_timeouts();
	refusals();
	return failures != 0;
}
