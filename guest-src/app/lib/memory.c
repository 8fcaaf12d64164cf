/* memcpy, memmove and memset for programs that run under the emulator.
 *
 * musl's x86-64 versions move the bulk with `rep movsq` / `rep stosq`. On real
 * hardware that is the fast way; under the engine each repetition is a separate
 * pass through a translated block, about 3 ns per 8 bytes. A loop that moves 64
 * bytes per turn through general registers runs one block per 64 bytes. Measured
 * in the guest (copy then clear, ns per call): 512 bytes 205 -> 130 and 122 -> 71,
 * 1 KiB 362 -> 245 and 229 -> 129; 16 bytes 42 -> 26 and 25 -> 18. 128-bit SSE
 * moves were slower than either (512 bytes: 240 ns), hence general registers only.
 *
 * The toolchain links these ahead of the C library (toolchain/guest-toolchain.ts
 * asks the linker for them by name), so every guest program, and the C library's
 * own stdio and malloc, use them. memmove comes along because musl's memmove
 * shares an internal entry point with its memcpy. */
#include <stddef.h>
#include <stdint.h>

/* Loops the compiler must not turn back into calls to these very functions. */
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#define GENERAL_REGS __attribute__((target("general-regs-only")))

/* An 8-byte word at any alignment, allowed to alias anything. */
typedef uint64_t __attribute__((may_alias, aligned(1))) word;

/* copy_up -- front to back; each turn reads its 64 bytes before writing any, so
 * it is also right for overlapping ranges with the destination below the source
 * (no `restrict` here: memmove relies on that order). */
GENERAL_REGS static inline void copy_up(unsigned char *d, const unsigned char *s, size_t n)
{
	for (; n >= 64; d += 64, s += 64, n -= 64) {
		const word *from = (const word *)s;
		word *to = (word *)d;
		uint64_t a = from[0], b = from[1], c = from[2], e = from[3];
		uint64_t f = from[4], g = from[5], h = from[6], i = from[7];

		to[0] = a; to[1] = b; to[2] = c; to[3] = e;
		to[4] = f; to[5] = g; to[6] = h; to[7] = i;
	}
	for (; n >= 8; d += 8, s += 8, n -= 8)
		*(word *)d = *(const word *)s;
	while (n--)
		*d++ = *s++;
}

GENERAL_REGS void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_up(dst, src, n);
	return dst;
}

GENERAL_REGS void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* Destination below the source, or no overlap: front to back. */
	if ((uintptr_t)d - (uintptr_t)s >= n) {
		copy_up(d, s, n);
		return dst;
	}
	/* Destination inside the source: copy from the end down. */
	for (; n >= 8; n -= 8)
		*(word *)(d + n - 8) = *(const word *)(s + n - 8);
	while (n--)
		d[n] = s[n];
	return dst;
}

GENERAL_REGS void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t v = (unsigned char)c * 0x0101010101010101ull;

	for (; n >= 64; d += 64, n -= 64) {
		word *to = (word *)d;

		to[0] = v; to[1] = v; to[2] = v; to[3] = v;
		to[4] = v; to[5] = v; to[6] = v; to[7] = v;
	}
	for (; n >= 8; d += 8, n -= 8)
		*(word *)d = v;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}
