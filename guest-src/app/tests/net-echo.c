/* An echo server of the usual shape: one thread, epoll, non-blocking sockets,
 * accept4. usage: net-echo PORT CONNECTIONS -- listens on the guest's PORT, echoes
 * every byte back, and ends once CONNECTIONS connections have come and gone, with a
 * line saying how many bytes it echoed. Prints "listening" when it is ready. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 64

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: net-echo PORT CONNECTIONS\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	int port = atoi(argv[1]);
	long want = atol(argv[2]);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, SOMAXCONN) != 0) {
		perror("net-echo: bind/listen");
		return 1;
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l };
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	printf("listening\n");
	long done = 0, bytes = 0, peak = 0, open = 0;
	static char buf[65536];
	struct epoll_event events[MAX_EVENTS];
	while (done < want) {
		int n = epoll_wait(ep, events, MAX_EVENTS, -1);
		if (n < 0 && errno == EINTR)
			continue;
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;
			if (fd == l) {
				for (;;) {
					int c = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
					if (c < 0)
						break;
					struct epoll_event cev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
					if (++open > peak)
						peak = open;
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(fd, buf, sizeof buf);
				if (r > 0) {
					ssize_t off = 0;
					while (off < r) {
						ssize_t w = write(fd, buf + off, r - off);
						if (w > 0)
							off += w;
						else if (w < 0 && errno == EAGAIN) {
							/* The client is slow to read: wait until it does. */
							struct epoll_event wev = { .events = EPOLLOUT, .data.fd = fd };
							int wep = epoll_create1(0);
							epoll_ctl(wep, EPOLL_CTL_ADD, fd, &wev);
							epoll_wait(wep, &wev, 1, -1);
							close(wep);
						} else
							break;
					}
					bytes += r;
					continue;
				}
				if (r < 0 && errno == EAGAIN)
					break;
				close(fd); /* the end, or a reset */
				open--;
				done++;
				break;
			}
		}
	}
	printf("echoed %ld bytes over %ld connections (at most %ld open at once)\n", bytes, done, peak);
	return 0;
}
