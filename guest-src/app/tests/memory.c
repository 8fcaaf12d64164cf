/* malloc of tens of MiB, mmap and munmap, brk growth, printf with floats: the C
 * library's memory paths on the kernel's allocator; and the guest library's own
 * memcpy, memmove and memset (guest-src/app/lib/memory.c) and strlen and strchr
 * (guest-src/app/lib/string.c) against byte loops.
 * Prints one line per check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/syscall.h>

static int check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	return ok ? 0 : 1;
}

/* memmove(buf + to, buf + from, n) on a copy of `start`, against a byte loop */
static int move_agrees(const unsigned char *start, size_t to, size_t from, size_t n)
{
	static unsigned char buf[512], want[512];

	memcpy(buf, start, sizeof buf);
	memcpy(want, start, sizeof want);
	for (size_t i = 0; i < n; i++)
		want[to + i] = start[from + i];
	return memmove(buf + to, buf + from, n) == buf + to && !memcmp(buf, want, sizeof buf);
}

/* Every length to 300 at every alignment mod 16 of both ends, and overlaps both
 * ways for memmove; each result checked byte by byte, bytes around it untouched. */
static int string_routines_agree(void)
{
	static unsigned char a[512], b[512], want[512];

	for (size_t n = 0; n <= 300; n++)
		for (size_t da = 0; da < 16; da++)
			for (size_t sa = 0; sa < 16; sa++) {
				for (size_t i = 0; i < sizeof a; i++) {
					a[i] = (unsigned char)(i * 7 + 1);
					b[i] = (unsigned char)(i * 13 + 5);
				}
				memcpy(want, b, sizeof b);
				for (size_t i = 0; i < n; i++)
					want[da + i] = a[sa + i];
				if (memcpy(b + da, a + sa, n) != b + da || memcmp(b, want, sizeof b))
					return 0;
				/* memmove within one buffer: source above and below the destination */
				size_t d = 64 + da, s = 64 + sa + (n & 1 ? 0 : n / 3);
				if (!move_agrees(b, d, s, n) || !move_agrees(b, s, d, n))
					return 0;
				memcpy(want, b, sizeof b);
				for (size_t i = 0; i < n; i++)
					want[da + i] = (unsigned char)(0x1c0 + n);
				if (memset(b + da, (int)(0x1c0 + n), n) != b + da || memcmp(b, want, sizeof b))
					return 0;
			}
	return 1;
}

/* strlen and strchr at every start alignment mod 16, every length to 40, over bytes
 * that provoke the word tests' borrows (0x00 next to 0x01, 0x80, 0xff), looking for
 * every byte of the string, for bytes it lacks, and for the terminator. */
static int search_routines_agree(void)
{
	static const unsigned char pattern[] = {'a', 0x01, 0x80, 0xff, 'b', 0x7f, 0x02, 0xfe, 'c', 0x81};
	static char buf[128];
	static const int absent[] = {'z', 0x03, 0xfd, 0x100 + 'a', -1};

	for (size_t at = 0; at < 16; at++)
		for (size_t len = 0; len <= 40; len++) {
			for (size_t i = 0; i < sizeof buf; i++)
				buf[i] = (char)0x01;                 /* after the NUL: bytes a search must not see */
			char *s = buf + 16 + at;
			for (size_t i = 0; i < len; i++)
				s[i] = (char)pattern[(i * 3 + at) % sizeof pattern];
			s[len] = 0;
			if (strlen(s) != len)
				return 0;
			for (size_t i = 0; i < len; i++) {
				unsigned char c = (unsigned char)s[i];
				size_t first = 0;
				while ((unsigned char)s[first] != c)
					first++;
				if (strchr(s, c) != s + first || strchr(s, c - 256) != s + first)
					return 0;
			}
			if (strchr(s, 0) != s + len)
				return 0;
			for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
				unsigned char c = (unsigned char)absent[i];
				int present = 0;
				for (size_t j = 0; j < len; j++)
					present |= (unsigned char)s[j] == c;
				if (!present && strchr(s, absent[i]) != NULL)
					return 0;
			}
			if (len > 0 && strchr(s, 0x01) != NULL && memchr(s, 0x01, len) == NULL)
				return 0;                            /* found the 0x01 after the NUL */
		}
	return 1;
}

int main(void)
{
	int failed = 0;
	size_t big = 48u << 20;
	unsigned char *p = malloc(big);
	int ok = p != NULL;
	if (ok) {
		for (size_t i = 0; i < big; i += 4096)
			ok &= p[i] == 0;
		memset(p, 0xab, big);
		ok &= p[big - 1] == 0xab;
		free(p);
	}
	failed |= check("malloc 48 MiB", ok);

	void **small = malloc(10000 * sizeof *small);
	ok = small != NULL;
	for (int i = 0; ok && i < 10000; i++) {
		small[i] = malloc(16 + i % 200);
		ok = small[i] != NULL;
		if (ok)
			memset(small[i], i & 0xff, 16 + i % 200);
	}
	for (int i = 0; ok && i < 10000; i++) {
		ok = ((unsigned char *)small[i])[15] == (i & 0xff);
		free(small[i]);
	}
	free(small);
	failed |= check("10000 small mallocs", ok);

	unsigned char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok = m != MAP_FAILED;
	if (ok) {
		ok = m[0] == 0 && m[(1 << 20) - 1] == 0;
		memset(m, 1, 1 << 20);
		ok &= munmap(m, 1 << 20) == 0;
		unsigned char *again = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ok &= again != MAP_FAILED && again[4096] == 0; /* reused pages come back zeroed */
		/* Ten pages, written, unmapped and mapped again: the kernel clears reused runs
		 * under 64 KiB a page at a time (COPYs from its zero page), larger ones with one
		 * FILL; every byte must read zero either way. */
		for (size_t size = 40 << 10; ok && size <= (1 << 20); size <<= 5) {
			unsigned char *m2 = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			ok = m2 != MAP_FAILED;
			if (!ok)
				break;
			memset(m2, 0x5a, size);
			ok &= munmap(m2, size) == 0;
			unsigned char *m3 = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			ok &= m3 != MAP_FAILED;
			for (size_t i = 0; ok && i < size; i++)
				ok = m3[i] == 0;
			ok &= munmap(m3, size) == 0;
		}
	}
	failed |= check("mmap/munmap", ok);

	/* musl's sbrk() only answers sbrk(0); exercise the system call itself. */
	char *b0 = (char *)syscall(SYS_brk, 0);
	char *b1 = (char *)syscall(SYS_brk, b0 + 65536);
	ok = b1 == b0 + 65536 && b1[-1] == 0;
	if (ok) {
		b1[-1] = 7;
		ok = (char *)syscall(SYS_brk, b0) == b0 && (char *)syscall(SYS_brk, b1) == b1 && b1[-1] == 0;
	}
	ok &= (char *)syscall(SYS_brk, (char *)1) == b0 + 65536; /* refused: the break stays */
	failed |= check("brk", ok);

	failed |= check("memcpy/memmove/memset", string_routines_agree());
	failed |= check("strlen/strchr", search_routines_agree());

	char line[64];
	snprintf(line, sizeof line, "%.3f", 3.14159);
	failed |= check("printf %f", strcmp(line, "3.142") == 0);
	return failed;
}
