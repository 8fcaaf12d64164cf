/* kvcheck: a correctness checker for <kv.h>.
 *
 *   kvcheck [PREFIX [THREADS [OPS [SEED [PHASES]]]]]
 *
 * PREFIX (default "kvcheck") starts every key it writes but the empty key, so runs
 * against a persistent store do not see each other's keys. THREADS x OPS (default
 * 8 x 500) sizes the randomized phases, SEED (default 1) makes them repeatable.
 * PHASES is a comma-separated list (default "all" = contract,private,shared):
 *   contract       every edge case of the contract, one check each
 *   private        THREADS threads, each with its own keys, every get checked
 *                  against the thread's model of its keys
 *   shared         THREADS threads putting and getting the same few keys; every
 *                  get must return a whole value some put wrote to that key, and
 *                  never one older than a value the same reader already saw
 *   persist-write  stores a known set of keys (run once) ...
 *   persist-read   ... and checks them in a later run (another VM, same store)
 *
 * Prints one line per check, "NAME: OK" or "NAME: FAILED" (then indented lines
 * saying why), and exits 0 iff every check passed.
 *
 * Wild pointers: "past the end of RAM" assumes 256 MiB of guest RAM (the VMM's
 * default); set KVCHECK_RAM_MB (--env KVCHECK_RAM_MB=N) when running with --mem.
 */
#include <kv.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_KEY 1024
#define MAX_VALUE 4096

static const char *prefix = "kvcheck";
static int failures;
static int checks_run;

/* ---------------------------------------------------------------- reporting */

static char why[1024];
static int why_len;

/* Notes the first few reasons a check failed; printed under its FAILED line. */
static void note(const char *fmt, ...)
{
	if (why_len > (int)sizeof why - 160)
		return;
	va_list ap;
	va_start(ap, fmt);
	why_len += vsnprintf(why + why_len, sizeof why - why_len, fmt, ap);
	va_end(ap);
	if (why_len < (int)sizeof why - 1)
		why[why_len++] = '\n', why[why_len] = 0;
}

static void report(const char *name, int ok)
{
	checks_run++;
	if (ok) {
		printf("%s: OK\n", name);
	} else {
		failures++;
		printf("%s: FAILED\n", name);
		for (char *line = why; *line;) {
			char *end = strchr(line, '\n');
			if (!end)
				end = line + strlen(line);
			printf("    %.*s\n", (int)(end - line), line);
			line = *end ? end + 1 : end;
		}
	}
	why[0] = 0;
	why_len = 0;
	fflush(stdout);
}

/* One expectation inside a check: returns 1 if it held, notes it otherwise. */
#define EXPECT(cond, ...) ((cond) ? 1 : (note(__VA_ARGS__), 0))

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t rng_seed(uint64_t a, uint64_t b)
{
	uint64_t s = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL);
	s ^= s >> 31;
	return s ? s : 1;
}

static void fill_bytes(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t s = rng_seed(seed, n);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(rng_next(&s) >> 56);
}

/* key = PREFIX "/" name, in a caller's buffer */
static char *key_of(char *buf, size_t size, const char *fmt, ...)
{
	int n = snprintf(buf, size, "%s/", prefix);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
	return buf;
}

/* get into a scratch buffer; returns the status, the length through *len */
static int get_value(char *key, unsigned char *buf, size_t size, size_t *len)
{
	*len = size;
	return get(key, buf, len);
}

/* The key holds exactly value[0..n); notes what differs. */
static int holds(char *key, const void *value, size_t n)
{
	static unsigned char buf[MAX_VALUE + 64];
	size_t len;
	int rc = get_value(key, buf, MAX_VALUE, &len);
	if (rc != 0)
		return EXPECT(0, "get(\"%.40s\") -> %d, expected 0 with %zu bytes", key, rc, n);
	if (len != n)
		return EXPECT(0, "get(\"%.40s\") length %zu, expected %zu", key, len, n);
	if (memcmp(buf, value, n) != 0)
		return EXPECT(0, "get(\"%.40s\") returned different bytes", key);
	return 1;
}

static int absent(char *key)
{
	unsigned char buf[16];
	size_t len = sizeof buf;
	int rc = get(key, buf, &len);
	return EXPECT(rc == -1, "get(\"%.40s\") -> %d, expected -1 (absent)", key, rc);
}

static int put_ok(char *key, const void *value, size_t n)
{
	int rc = put(key, (void *)value, n);
	return EXPECT(rc == 0, "put(\"%.40s\", %zu bytes) -> %d, expected 0", key, n, rc);
}

static uintptr_t ram_end(void)
{
	const char *mb = getenv("KVCHECK_RAM_MB");
	uintptr_t m = mb ? strtoul(mb, NULL, 10) : 256;
	return m << 20;
}

/* ---------------------------------------------------------------- contract */

static void contract(void)
{
	char k[MAX_KEY + 64], k2[MAX_KEY + 64];
	static unsigned char big[MAX_VALUE + 64], buf[MAX_VALUE + 64];
	size_t len;
	int ok, rc;

	/* the empty key is a key like any other */
	ok = put_ok("", "empty-key value", 16);
	ok &= holds("", "empty-key value", 16);
	ok &= put_ok("", NULL, 0);
	ok &= absent("");
	report("empty key", ok);

	/* 1024 bytes before the NUL: valid; 1025: -1, and the 1024-byte prefix of it
	 * (a truncating implementation would write there) is unchanged */
	memset(k, 'L', sizeof k);
	memcpy(k, prefix, strlen(prefix));
	k[MAX_KEY] = 0;
	ok = put_ok(k, "long key", 8);
	ok &= holds(k, "long key", 8);
	report("1024-byte key", ok);
	memcpy(k2, k, MAX_KEY);
	k2[MAX_KEY] = 'L';
	k2[MAX_KEY + 1] = 0;
	rc = put(k2, "too long", 8);
	ok = EXPECT(rc == -1, "put(1025-byte key) -> %d", rc);
	len = sizeof buf;
	rc = get(k2, buf, &len);
	ok &= EXPECT(rc == -1, "get(1025-byte key) -> %d", rc);
	rc = put(k2, NULL, 0);
	ok &= EXPECT(rc == -1, "delete(1025-byte key) -> %d", rc);
	ok &= holds(k, "long key", 8);
	memset(k2, 'M', sizeof k2 - 1); /* much longer: 1087 bytes */
	k2[sizeof k2 - 1] = 0;
	ok &= EXPECT(put(k2, "x", 1) == -1, "put(1087-byte key) accepted");
	report("1025-byte key refused, store unchanged", ok);
	put(k, NULL, 0);

	/* every byte 1..255 may appear in a key; keys differing in one byte are distinct */
	ok = 1;
	size_t p = strlen(prefix);
	for (int b = 1; b <= 255; b++) {
		snprintf(k, sizeof k, "%s/byte/", prefix);
		size_t n = strlen(k);
		k[n] = (char)b, k[n + 1] = 'x', k[n + 2] = 0;
		unsigned char v[2] = { (unsigned char)b, (unsigned char)~b };
		ok &= put_ok(k, v, 2);
	}
	for (int b = 1; b <= 255 && ok; b++) {
		snprintf(k, sizeof k, "%s/byte/", prefix);
		size_t n = strlen(k);
		k[n] = (char)b, k[n + 1] = 'x', k[n + 2] = 0;
		unsigned char v[2] = { (unsigned char)b, (unsigned char)~b };
		ok &= holds(k, v, 2);
	}
	/* one key holding all 255 byte values */
	memcpy(k, prefix, p);
	for (int b = 1; b <= 255; b++)
		k[p + b - 1] = (char)b;
	k[p + 255] = 0;
	ok &= put_ok(k, "all bytes", 9);
	ok &= holds(k, "all bytes", 9);
	report("key bytes 1..255 valid and distinct", ok);

	/* keys differing only in case are different keys */
	char kl[64], ku[64], km[64];
	key_of(kl, sizeof kl, "case-key");
	key_of(ku, sizeof ku, "CASE-KEY");
	key_of(km, sizeof km, "Case-Key");
	ok = put_ok(kl, "lower", 5) & put_ok(ku, "UPPER", 5) & put_ok(km, "Mixed", 5);
	ok &= holds(kl, "lower", 5) & holds(ku, "UPPER", 5) & holds(km, "Mixed", 5);
	ok &= put_ok(ku, NULL, 0);
	ok &= absent(ku) & holds(kl, "lower", 5) & holds(km, "Mixed", 5);
	report("keys differing only in case are distinct", ok);

	/* NULL key */
	char kn[64];
	key_of(kn, sizeof kn, "null-checks");
	put_ok(kn, "keep", 4);
	rc = put(NULL, "x", 1);
	ok = EXPECT(rc == -1, "put(NULL, \"x\", 1) -> %d", rc);
	rc = put(NULL, NULL, 0);
	ok &= EXPECT(rc == -1, "put(NULL, NULL, 0) -> %d", rc);
	len = sizeof buf;
	rc = get(NULL, buf, &len);
	ok &= EXPECT(rc == -1, "get(NULL, buf, &len) -> %d", rc);
	len = 0;
	rc = get(NULL, NULL, &len);
	ok &= EXPECT(rc == -1, "get(NULL, NULL, &0) -> %d", rc);
	report("NULL key", ok);

	/* value lengths: 4096 valid, 4097 and beyond -1 with the old value kept */
	char kv[64];
	key_of(kv, sizeof kv, "value-length");
	fill_bytes(big, MAX_VALUE + 1, 4096);
	ok = put_ok(kv, big, MAX_VALUE);
	ok &= holds(kv, big, MAX_VALUE);
	len = MAX_VALUE;
	rc = get(kv, buf, &len);
	ok &= EXPECT(rc == 0 && len == MAX_VALUE, "get with a buffer of exactly 4096 -> %d, %zu", rc, len);
	report("value_len 4096", ok);
	ok = put_ok(kv, "small", 5);
	rc = put(kv, big, MAX_VALUE + 1);
	ok &= EXPECT(rc == -1, "put(4097 bytes) -> %d", rc);
	rc = put(kv, big, 1 << 20);
	ok &= EXPECT(rc == -1, "put(1 MiB) -> %d", rc);
	rc = put(kv, big, (size_t)-1);
	ok &= EXPECT(rc == -1, "put(SIZE_MAX) -> %d", rc);
	rc = put(kv, big, (size_t)1 << 32);
	ok &= EXPECT(rc == -1, "put(2^32 bytes) -> %d", rc);
	ok &= holds(kv, "small", 5);
	report("value_len 4097 refused, store unchanged", ok);

	/* NULL value with a non-zero length */
	rc = put(kv, NULL, 1);
	ok = EXPECT(rc == -1, "put(key, NULL, 1) -> %d", rc);
	rc = put(kv, NULL, MAX_VALUE);
	ok &= EXPECT(rc == -1, "put(key, NULL, 4096) -> %d", rc);
	ok &= holds(kv, "small", 5);
	report("NULL value with length refused, store unchanged", ok);

	/* value_len 0 deletes; value may be NULL or not */
	ok = put_ok(kv, NULL, 0);
	ok &= absent(kv);
	ok &= put_ok(kv, "again", 5);
	ok &= holds(kv, "again", 5);
	ok &= put_ok(kv, "ignored", 0);
	ok &= absent(kv);
	report("put with length 0 deletes", ok);

	/* deleting a missing key succeeds, and leaves it missing */
	char km2[64];
	key_of(km2, sizeof km2, "never-written");
	rc = put(km2, NULL, 0);
	ok = EXPECT(rc == 0, "delete(missing) -> %d", rc);
	rc = put(km2, NULL, 0);
	ok &= EXPECT(rc == 0, "delete(missing) twice -> %d", rc);
	ok &= absent(km2);
	report("deleting a missing key returns 0", ok);

	/* get of an absent key: -1, whatever the buffer */
	len = sizeof buf;
	rc = get(km2, buf, &len);
	ok = EXPECT(rc == -1, "get(absent) -> %d", rc);
	len = 0;
	rc = get(km2, NULL, &len);
	ok &= EXPECT(rc == -1, "get(absent, NULL, &0) -> %d", rc);
	len = 1;
	rc = get(km2, buf, &len);
	ok &= EXPECT(rc == -1, "get(absent, buf, &1) -> %d", rc);
	report("get of an absent key returns -1", ok);

	/* buffer too small: -2, *value_len = the real length, nothing written past
	 * the buffer */
	char ks[64];
	key_of(ks, sizeof ks, "small-buffer");
	fill_bytes(big, 100, 100);
	ok = put_ok(ks, big, 100);
	memset(buf, 0xEE, 200);
	len = 10;
	rc = get(ks, buf, &len);
	ok &= EXPECT(rc == -2, "get(100-byte value, 10-byte buffer) -> %d", rc);
	ok &= EXPECT(len == 100, "*value_len = %zu after -2, expected 100", len);
	int clean = 1;
	for (int i = 10; i < 200; i++)
		clean &= buf[i] == 0xEE;
	ok &= EXPECT(clean, "get wrote past the 10-byte buffer");
	len = 99;
	rc = get(ks, buf, &len);
	ok &= EXPECT(rc == -2 && len == 100, "get(100-byte value, 99-byte buffer) -> %d, %zu", rc, len);
	len = 100;
	rc = get(ks, buf, &len);
	ok &= EXPECT(rc == 0 && len == 100 && memcmp(buf, big, 100) == 0, "get(exact 100-byte buffer) -> %d, %zu", rc, len);
	memset(buf, 0xEE, 200);
	len = MAX_VALUE;
	rc = get(ks, buf, &len);
	clean = 1;
	for (int i = 100; i < 200; i++)
		clean &= buf[i] == 0xEE;
	ok &= EXPECT(rc == 0 && len == 100 && clean, "get(4096-byte buffer) -> %d, %zu, %s", rc, len, clean ? "clean" : "wrote past the value");
	unsigned char *huge = malloc(1 << 20);
	len = 1 << 20;
	rc = huge ? get(ks, huge, &len) : 0;
	ok &= EXPECT(huge && rc == 0 && len == 100 && memcmp(huge, big, 100) == 0, "get(1 MiB buffer) -> %d, %zu", rc, len);
	free(huge);
	report("get with a small buffer returns -2 and the length", ok);

	/* the length query: *value_len 0, value NULL (or not) */
	len = 0;
	rc = get(ks, NULL, &len);
	ok = EXPECT(rc == -2 && len == 100, "get(key, NULL, &0) -> %d, %zu", rc, len);
	len = 0;
	buf[0] = 0xEE;
	rc = get(ks, buf, &len);
	ok &= EXPECT(rc == -2 && len == 100 && buf[0] == 0xEE, "get(key, buf, &0) -> %d, %zu", rc, len);
	report("get with *value_len 0 asks for the length", ok);

	/* NULL value_len; NULL value with a non-zero size */
	rc = get(ks, buf, NULL);
	ok = EXPECT(rc == -1, "get(key, buf, NULL) -> %d", rc);
	rc = get(ks, NULL, NULL);
	ok &= EXPECT(rc == -1, "get(key, NULL, NULL) -> %d", rc);
	report("NULL value_len", ok);
	len = 10;
	rc = get(ks, NULL, &len);
	ok = EXPECT(rc == -1, "get(key, NULL, &10) -> %d", rc);
	report("get with NULL value and non-zero size", ok);

	/* wild pointers: every call -1, the program keeps running, the store unchanged */
	char kw[64];
	key_of(kw, sizeof kw, "wild");
	ok = put_ok(kw, "original", 8);
	void *wild[] = { (void *)0x7fff00000000ULL, (void *)8, (void *)0xfff, (void *)0xdeadbeef000ULL, (void *)-16L };
	uintptr_t end = ram_end();
	for (unsigned i = 0; i < sizeof wild / sizeof wild[0]; i++) {
		rc = put((char *)wild[i], "x", 1);
		ok &= EXPECT(rc == -1, "put(key=%p) -> %d", wild[i], rc);
		len = 4;
		rc = get((char *)wild[i], buf, &len);
		ok &= EXPECT(rc == -1, "get(key=%p) -> %d", wild[i], rc);
		rc = put(kw, wild[i], 64);
		ok &= EXPECT(rc == -1, "put(value=%p, 64) -> %d", wild[i], rc);
		len = 64;
		rc = get(kw, wild[i], &len);
		ok &= EXPECT(rc == -1, "get(buffer=%p, 64) -> %d", wild[i], rc);
		rc = get(kw, buf, (size_t *)wild[i]);
		ok &= EXPECT(rc == -1, "get(value_len=%p) -> %d", wild[i], rc);
	}
	/* ranges that start in RAM and run past its end */
	rc = put(kw, (void *)(end - 100), 200);
	ok &= EXPECT(rc == -1, "put(value = RAM end - 100, 200 bytes) -> %d", rc);
	rc = put(kw, (void *)(end - 1), 2);
	ok &= EXPECT(rc == -1, "put(value = RAM end - 1, 2 bytes) -> %d", rc);
	len = 200;
	rc = get(kw, (void *)(end - 100), &len);
	ok &= EXPECT(rc == -1, "get(buffer = RAM end - 100, 200 bytes) -> %d", rc);
	rc = get(kw, buf, (size_t *)(end - 4));
	ok &= EXPECT(rc == -1, "get(value_len = RAM end - 4) -> %d", rc);
	/* a key whose bytes run up to the end of RAM with no NUL. The top of RAM is
	 * free memory at this point (pages are handed out from the bottom); its bytes
	 * are saved and put back. */
	char *tail = (char *)(end - 16);
	char saved[16];
	memcpy(saved, tail, 16);
	memset(tail, 'w', 16);
	rc = put(tail, "x", 1);
	ok &= EXPECT(rc == -1, "put(key running off the end of RAM) -> %d", rc);
	len = sizeof buf;
	rc = get(tail, buf, &len);
	ok &= EXPECT(rc == -1, "get(key running off the end of RAM) -> %d", rc);
	memcpy(tail, saved, 16);
	/* a get with a wild buffer must not have consumed or changed anything */
	ok &= holds(kw, "original", 8);
	report("wild pointers return -1, store unchanged", ok);

	/* binary values: NUL and 0xFF bytes, every byte value */
	char kb[64];
	key_of(kb, sizeof kb, "binary");
	unsigned char bin[512];
	for (int i = 0; i < 512; i++)
		bin[i] = (unsigned char)(i * 7 + (i >> 8));
	bin[0] = 0, bin[1] = 0xFF, bin[511] = 0;
	ok = put_ok(kb, bin, 512) & holds(kb, bin, 512);
	unsigned char zeros[300] = { 0 };
	ok &= put_ok(kb, zeros, 300) & holds(kb, zeros, 300);
	unsigned char ffs[4096];
	memset(ffs, 0xFF, sizeof ffs);
	ok &= put_ok(kb, ffs, 4096) & holds(kb, ffs, 4096);
	ok &= put_ok(kb, "\0", 1) & holds(kb, "\0", 1);
	report("binary values read back exactly", ok);

	/* overwrite: longer, shorter, longer again; the length follows */
	char ko[64];
	key_of(ko, sizeof ko, "overwrite");
	fill_bytes(big, 3000, 3000);
	ok = put_ok(ko, big, 3000) & holds(ko, big, 3000);
	ok &= put_ok(ko, "short", 5) & holds(ko, "short", 5);
	fill_bytes(big, 4096, 77);
	ok &= put_ok(ko, big, 4096) & holds(ko, big, 4096);
	ok &= put_ok(ko, "x", 1) & holds(ko, "x", 1);
	report("overwrite", ok);

	/* put copies the value when called: changing the buffer afterwards changes
	 * nothing stored */
	unsigned char mine[64];
	memset(mine, 'a', sizeof mine);
	ok = put_ok(ko, mine, sizeof mine);
	memset(mine, 'b', sizeof mine);
	memset(buf, 'a', 64);
	ok &= holds(ko, buf, 64);
	report("put copies the value", ok);

	/* one thread's keys, read back after many others were written */
	char kx[64];
	ok = 1;
	for (int i = 0; i < 64; i++) {
		unsigned char v[40];
		int n = 1 + i % 40;
		fill_bytes(v, n, 1000 + i);
		ok &= put_ok(key_of(kx, sizeof kx, "many/%d", i), v, n);
	}
	for (int i = 0; i < 64 && ok; i++) {
		unsigned char v[40];
		int n = 1 + i % 40;
		fill_bytes(v, n, 1000 + i);
		ok &= holds(key_of(kx, sizeof kx, "many/%d", i), v, n);
	}
	report("64 keys read back", ok);
}

/* ---------------------------------------------------------------- private keys */

#define PRIVATE_KEYS 12

struct model {
	size_t len; /* 0: absent */
	unsigned char value[MAX_VALUE];
};

struct worker {
	pthread_t thread;
	int id;
	long ops;
	uint64_t seed;
	long done;
	int failed;
	char why[256];
	struct model *keys;
};

static void worker_fail(struct worker *w, const char *fmt, ...)
{
	if (w->failed++)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof w->why, fmt, ap);
	va_end(ap);
}

static size_t random_length(uint64_t *s)
{
	uint64_t r = rng_next(s);
	switch (r % 20) {
	case 0:
		return MAX_VALUE;
	case 1:
	case 2:
		return 1 + (r >> 8) % MAX_VALUE;
	case 3:
	case 4:
	case 5:
		return 1 + (r >> 8) % 1024;
	default:
		return 1 + (r >> 8) % 64;
	}
}

static void *private_worker(void *arg)
{
	struct worker *w = arg;
	uint64_t s = rng_seed(w->seed, 1000 + w->id);
	unsigned char *buf = malloc(MAX_VALUE + 64);
	char key[128];
	if (!buf) {
		worker_fail(w, "thread %d: out of memory", w->id);
		return NULL;
	}
	for (int k = 0; k < PRIVATE_KEYS; k++) {
		/* start from a known state: absent */
		key_of(key, sizeof key, "private/%d/%d", w->id, k);
		if (put(key, NULL, 0) != 0)
			worker_fail(w, "thread %d: initial delete of key %d failed", w->id, k);
		w->keys[k].len = 0;
	}
	for (long i = 0; i < w->ops && !w->failed; i++) {
		int k = rng_next(&s) % PRIVATE_KEYS;
		struct model *m = &w->keys[k];
		key_of(key, sizeof key, "private/%d/%d", w->id, k);
		unsigned r = rng_next(&s) % 100;
		size_t len;
		int rc;
		if (r < 40) {
			size_t n = random_length(&s);
			unsigned char *v = buf;
			fill_bytes(v, n, rng_next(&s));
			rc = put(key, v, n);
			if (rc != 0) {
				worker_fail(w, "thread %d op %ld: put(%s, %zu) -> %d", w->id, i, key, n, rc);
				break;
			}
			memcpy(m->value, v, n);
			m->len = n;
		} else if (r < 50) {
			rc = put(key, (r & 1) ? NULL : (void *)buf, 0);
			if (rc != 0) {
				worker_fail(w, "thread %d op %ld: delete(%s) -> %d", w->id, i, key, rc);
				break;
			}
			m->len = 0;
		} else if (r < 85) {
			memset(buf, 0xEE, MAX_VALUE + 64);
			len = MAX_VALUE + 64;
			rc = get(key, buf, &len);
			if (m->len == 0) {
				if (rc != -1)
					worker_fail(w, "thread %d op %ld: get(%s) of a deleted key -> %d (len %zu)", w->id, i, key, rc, len);
			} else if (rc != 0 || len != m->len) {
				worker_fail(w, "thread %d op %ld: get(%s) -> %d len %zu, model has %zu bytes", w->id, i, key, rc, len, m->len);
			} else if (memcmp(buf, m->value, len) != 0) {
				worker_fail(w, "thread %d op %ld: get(%s) returned different bytes", w->id, i, key);
			} else if (len < MAX_VALUE + 64 && buf[len] != 0xEE) {
				worker_fail(w, "thread %d op %ld: get(%s) wrote past the value", w->id, i, key);
			}
		} else if (r < 95) {
			len = m->len ? rng_next(&s) % m->len : 1 + rng_next(&s) % 16;
			rc = get(key, buf, &len);
			if (m->len == 0 ? rc != -1 : rc != -2 || len != m->len)
				worker_fail(w, "thread %d op %ld: get(%s) with a small buffer -> %d len %zu, model has %zu bytes", w->id, i, key, rc, len, m->len);
		} else {
			len = 0;
			rc = get(key, NULL, &len);
			if (m->len == 0 ? rc != -1 : rc != -2 || len != m->len)
				worker_fail(w, "thread %d op %ld: get(%s, NULL, &0) -> %d len %zu, model has %zu bytes", w->id, i, key, rc, len, m->len);
		}
		w->done++;
	}
	free(buf);
	return NULL;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void private_phase(int threads, long ops, uint64_t seed)
{
	struct worker *w = calloc(threads, sizeof *w);
	int ok = w != NULL;
	double t0 = now_s();
	int started = 0;
	for (int i = 0; ok && i < threads; i++) {
		w[i].id = i;
		w[i].ops = ops;
		w[i].seed = seed;
		w[i].keys = calloc(PRIVATE_KEYS, sizeof(struct model));
		ok = w[i].keys && pthread_create(&w[i].thread, NULL, private_worker, &w[i]) == 0;
		EXPECT(ok, "could not start thread %d", i);
		started += ok;
	}
	long done = 0;
	for (int i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		done += w[i].done;
		if (w[i].failed) {
			ok = 0;
			note("%s", w[i].why);
		}
		free(w[i].keys);
	}
	printf("private keys: %d threads x %ld ops, seed %llu: %ld ops in %.2f s\n", threads, ops, (unsigned long long)seed, done, now_s() - t0);
	report("random private keys", ok);
	free(w);
}

/* ---------------------------------------------------------------- shared keys */

#define SHARED_KEYS 4
#define HEADER 16
#define MAGIC 0x4b56434bu /* "KVCK" */

/* Highest sequence number each writer has begun to put (writers: threads, then main). */
static uint32_t *issued;
static int shared_threads;

/* A self-describing value: magic, key, writer, sequence, length, then bytes
 * derived from all of them. A torn or mixed value fails to describe itself. */
static size_t make_shared(unsigned char *v, int key, int writer, uint32_t seq, uint64_t *s)
{
	size_t n = random_length(s);
	if (n < HEADER + 1)
		n = HEADER + 1 + n % 32;
	uint32_t hdr[4] = { MAGIC, (uint32_t)key | (uint32_t)writer << 16, seq, (uint32_t)n };
	memcpy(v, hdr, HEADER);
	fill_bytes(v + HEADER, n - HEADER, rng_seed(((uint64_t)key << 48) ^ ((uint64_t)writer << 32) ^ seq, 7));
	return n;
}

/* 0 if v[0..n) is a whole value written to `key`; notes the defect otherwise. */
static const char *check_shared(const unsigned char *v, size_t n, int key, int *writer, uint32_t *seq, unsigned char *expect)
{
	uint32_t hdr[4];
	if (n < HEADER + 1)
		return "too short to be any written value";
	memcpy(hdr, v, HEADER);
	if (hdr[0] != MAGIC)
		return "bad magic (not a value this program wrote)";
	if ((int)(hdr[1] & 0xffff) != key)
		return "a value written to another key";
	*writer = hdr[1] >> 16;
	*seq = hdr[2];
	if (*writer > shared_threads)
		return "an unknown writer";
	if (hdr[3] != n)
		return "length differs from the length written (torn or mixed)";
	if (*seq > __atomic_load_n(&issued[*writer], __ATOMIC_ACQUIRE))
		return "a sequence number its writer has not used yet";
	fill_bytes(expect, n - HEADER, rng_seed(((uint64_t)key << 48) ^ ((uint64_t)*writer << 32) ^ *seq, 7));
	if (memcmp(expect, v + HEADER, n - HEADER) != 0)
		return "bytes differ from the value written (torn or mixed)";
	return NULL;
}

static void *shared_worker(void *arg)
{
	struct worker *w = arg;
	uint64_t s = rng_seed(w->seed, 5000 + w->id);
	unsigned char *buf = malloc(MAX_VALUE + 64), *expect = malloc(MAX_VALUE);
	/* last[key][writer]: the newest sequence this reader saw from that writer */
	uint32_t *last = calloc((size_t)SHARED_KEYS * (shared_threads + 1), sizeof *last);
	char key[128];
	if (!buf || !last || !expect) {
		worker_fail(w, "thread %d: out of memory", w->id);
		return NULL;
	}
	for (long i = 0; i < w->ops && !w->failed; i++) {
		int k = rng_next(&s) % SHARED_KEYS;
		key_of(key, sizeof key, "shared/%d", k);
		if (rng_next(&s) % 2) {
			uint32_t seq = __atomic_add_fetch(&issued[w->id], 1, __ATOMIC_RELEASE);
			size_t n = make_shared(buf, k, w->id, seq, &s);
			int rc = put(key, buf, n);
			if (rc != 0)
				worker_fail(w, "thread %d op %ld: put(%s, %zu) -> %d", w->id, i, key, n, rc);
		} else {
			size_t len = MAX_VALUE + 64;
			int rc = get(key, buf, &len);
			int writer;
			uint32_t seq;
			const char *defect = rc == 0 ? check_shared(buf, len, k, &writer, &seq, expect) : "get failed";
			if (defect) {
				worker_fail(w, "thread %d op %ld: get(%s) -> %d, %zu bytes: %s", w->id, i, key, rc, len, defect);
			} else {
				uint32_t *seen = &last[k * (shared_threads + 1) + writer];
				if (seq < *seen)
					worker_fail(w, "thread %d op %ld: get(%s) went back in time: writer %d seq %u after seq %u", w->id, i, key, writer, seq, *seen);
				*seen = seq;
			}
		}
		w->done++;
	}
	free(buf);
	free(expect);
	free(last);
	return NULL;
}

static void shared_phase(int threads, long ops, uint64_t seed)
{
	shared_threads = threads;
	issued = calloc(threads + 1, sizeof *issued);
	struct worker *w = calloc(threads, sizeof *w);
	unsigned char *v = malloc(MAX_VALUE);
	char key[128];
	int ok = issued && w && v;
	uint64_t s = rng_seed(seed, 9);
	/* main (writer `threads`) gives every shared key a first value */
	for (int k = 0; ok && k < SHARED_KEYS; k++) {
		uint32_t seq = ++issued[threads];
		size_t n = make_shared(v, k, threads, seq, &s);
		ok &= put_ok(key_of(key, sizeof key, "shared/%d", k), v, n);
	}
	double t0 = now_s();
	int started = 0;
	for (int i = 0; ok && i < threads; i++) {
		w[i].id = i;
		w[i].ops = ops;
		w[i].seed = seed;
		ok = pthread_create(&w[i].thread, NULL, shared_worker, &w[i]) == 0;
		EXPECT(ok, "could not start thread %d", i);
		started += ok;
	}
	long done = 0;
	for (int i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		done += w[i].done;
		if (w[i].failed) {
			ok = 0;
			note("%s", w[i].why);
		}
	}
	printf("shared keys: %d threads x %ld ops on %d keys, seed %llu: %ld ops in %.2f s\n", threads, ops, SHARED_KEYS, (unsigned long long)seed, done, now_s() - t0);
	report("random shared keys: whole values, never older", ok);
	free(w);
	free(v);
	free(issued);
}

/* ---------------------------------------------------------------- persistence */

#define PERSIST_KEYS 24

static size_t persist_value(unsigned char *v, int i)
{
	size_t n = i == 0 ? MAX_VALUE : i == 1 ? 1 : 1 + (size_t)(i * 131) % 2000;
	fill_bytes(v, n, 0xC0FFEE + i);
	if (n > 2)
		v[0] = 0, v[n - 1] = 0xFF;
	return n;
}

static void persist(int writing)
{
	static unsigned char v[MAX_VALUE];
	char key[128];
	int ok = 1;
	for (int i = 0; i < PERSIST_KEYS; i++) {
		size_t n = persist_value(v, i);
		key_of(key, sizeof key, "persist/%d", i);
		ok &= writing ? put_ok(key, v, n) : holds(key, v, n);
	}
	key_of(key, sizeof key, "persist/deleted");
	if (writing)
		ok &= put_ok(key, "gone", 4) & put_ok(key, NULL, 0);
	else
		ok &= absent(key);
	report(writing ? "persist write" : "persist read", ok);
}

/* ---------------------------------------------------------------- main */

static int has_phase(const char *list, const char *phase)
{
	size_t n = strlen(phase);
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, phase, n) == 0)
			return 1;
		p += len + (end != NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		prefix = argv[1];
	int threads = argc > 2 ? atoi(argv[2]) : 8;
	long ops = argc > 3 ? atol(argv[3]) : 500;
	uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 1;
	const char *phases = argc > 5 ? argv[5] : "all";
	if (strcmp(phases, "all") == 0)
		phases = "contract,private,shared";
	if (strlen(prefix) > 200 || threads < 1 || threads > 1000 || ops < 0) {
		fprintf(stderr, "usage: kvcheck [PREFIX (<= 200 bytes) [THREADS (1..1000) [OPS [SEED [PHASES]]]]]\n");
		return 2;
	}

	if (has_phase(phases, "contract"))
		contract();
	if (has_phase(phases, "private"))
		private_phase(threads, ops, seed);
	if (has_phase(phases, "shared"))
		shared_phase(threads, ops, seed);
	if (has_phase(phases, "persist-write"))
		persist(1);
	if (has_phase(phases, "persist-read"))
		persist(0);

	printf("kvcheck: %d checks, %d failed\n", checks_run, failures);
	return failures != 0 || checks_run == 0;
}
