/* strlen and strchr for programs that run under the emulator.
 *
 * musl's versions walk byte by byte until the string is 8-byte aligned, then a
 * word at a time, then byte by byte again. Under the engine each conditional
 * branch ends a translated block, so the byte loops cost about three blocks a
 * character, and the C library calls these on short strings: fopen parses its
 * mode with seven strchr calls, PostMark builds every file name with
 * strlen. Here the first word read is the aligned one that holds the string's
 * start (the bytes before the start are masked out), so there is no byte loop at
 * all: one block a word. An aligned word never crosses a page, so no read can
 * fault where the byte-by-byte version would not.
 *
 * Linked ahead of the C library like memory.c (toolchain/guest-toolchain.ts). */
#include <stddef.h>
#include <stdint.h>

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

typedef uint64_t __attribute__((may_alias)) word;

/* The zero bytes of w flagged by their top bit. The lowest flag is always a zero
 * byte; a flag above it may be false (a borrow), so only the lowest is used. */
static inline uint64_t zero_bytes(uint64_t w)
{
	return (w - ONES) & ~w & HIGHS;
}

/* 0xff in each byte of the aligned word that comes before s: never zero, so
 * never flagged once ORed in. */
static inline uint64_t before(const char *s)
{
	return (1ull << (((uintptr_t)s & 7) * 8)) - 1;
}

static inline const word *aligned(const char *s)
{
	return (const word *)((uintptr_t)s & ~(uintptr_t)7);
}

static inline const char *first_flagged(const word *p, uint64_t flags)
{
	return (const char *)p + (__builtin_ctzll(flags) >> 3);
}

size_t strlen(const char *s)
{
	const word *p = aligned(s);
	uint64_t f = zero_bytes(*p | before(s));

	while (!f)
		f = zero_bytes(*++p);
	return (size_t)(first_flagged(p, f) - s);
}

/* The first byte that is c or the terminator, tested together: the lowest flag of
 * either test is the first such byte. */
char *strchr(const char *s, int c)
{
	const uint64_t k = (unsigned char)c * ONES;
	const uint64_t b = before(s);
	const word *p = aligned(s);
	uint64_t w = *p;
	uint64_t f = zero_bytes(w | b) | zero_bytes((w ^ k) | b);

	while (!f) {
		w = *++p;
		f = zero_bytes(w) | zero_bytes(w ^ k);
	}
	const char *r = first_flagged(p, f);
	return *(const unsigned char *)r == (unsigned char)c ? (char *)r : NULL;
}
