/* kvbench: throughput and latency of <kv.h> from many guest threads.
 *
 *   kvbench [THREADS [OPS [PUT_PERCENT [VALUE_SIZE [PREFIX [TIMING]]]]]]
 *
 * Defaults: 16 threads, 1000 operations per thread, 50% puts, 4096-byte values,
 * prefix "kvbench", TIMING "call". A first untimed put (PREFIX/warm-up) lets the
 * proxy open its backend before anything is measured. Each thread works on its own KEYS_PER_THREAD keys
 * (PREFIX/THREAD/N); when there are gets in the mix, the threads first store every
 * key once (not timed), so gets find values. Then all threads start together (a
 * barrier) and each does OPS operations, a put with probability PUT_PERCENT and a
 * get otherwise, on a random key of its own. Every call is timed with
 * clock_gettime(CLOCK_MONOTONIC). With TIMING "none" the calls are not timed (two
 * clock_gettime system calls per operation cost several microseconds in the
 * emulator): only throughput is measured, and the latencies print as 0.
 *
 * With PUT_PERCENT 100 and OPS 1, THREADS puts leave at the same moment: the
 * in-flight test runs 64 threads that way on 1 vCPU.
 *
 * Prints human lines, then one machine-readable line:
 *   kvbench threads=T ops=N seconds=S ops_per_s=X p50_us=A p99_us=B
 * (N counts the timed operations of all threads). Exit status 1 if any call failed.
 */
#include <kv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEYS_PER_THREAD 32

static int threads = 16, put_percent = 50;
static long ops = 1000;
static size_t value_size = 4096;
static const char *prefix = "kvbench";
static int timed = 1;
static pthread_barrier_t start_line;

struct worker {
	pthread_t thread;
	int id;
	uint32_t *latency_ns; /* one per timed operation */
	uint32_t *put_ns;     /* the same, puts only, then gets only */
	long puts, gets, errors;
	int first_rc;
};

static void failed(struct worker *w, int rc)
{
	if (!w->errors++)
		w->first_rc = rc;
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + t.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned char *value = malloc(value_size ? value_size : 1);
	unsigned char *buf = malloc(value_size + 1);
	char key[KEYS_PER_THREAD][256];
	uint64_t s = 0x9E3779B97F4A7C15ULL * (w->id + 1);
	int keys = ops < KEYS_PER_THREAD ? (int)(ops > 0 ? ops : 1) : KEYS_PER_THREAD;
	for (int k = 0; k < keys; k++)
		snprintf(key[k], sizeof key[k], "%s/%d/%d", prefix, w->id, k);
	for (size_t i = 0; i < value_size; i++)
		value[i] = (unsigned char)rng_next(&s);
	if (put_percent < 100)
		for (int k = 0; k < keys; k++) {
			int rc = put(key[k], value, value_size);
			if (rc != 0)
				failed(w, rc);
		}

	pthread_barrier_wait(&start_line);
	for (long i = 0; i < ops; i++) {
		uint64_t r = rng_next(&s);
		int k = (int)(r % keys);
		int is_put = (int)((r >> 32) % 100) < put_percent;
		int rc;
		value[0] = (unsigned char)i;
		uint64_t t0 = timed ? now_ns() : 0;
		if (is_put) {
			rc = put(key[k], value, value_size);
		} else {
			size_t len = value_size;
			rc = get(key[k], buf, &len);
		}
		uint64_t dt = timed ? now_ns() - t0 : 0;
		w->latency_ns[i] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
		if (is_put)
			w->put_ns[w->puts++] = w->latency_ns[i];
		else
			w->put_ns[ops - 1 - w->gets++] = w->latency_ns[i];
		if (rc != 0)
			failed(w, rc);
	}
	free(value);
	free(buf);
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double pct_us(uint32_t *sorted, long n, double p)
{
	if (n == 0)
		return 0;
	long rank = (long)(p / 100 * n + 0.999999) - 1;
	if (rank < 0)
		rank = 0;
	if (rank >= n)
		rank = n - 1;
	return sorted[rank] / 1000.0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		threads = atoi(argv[1]);
	if (argc > 2)
		ops = atol(argv[2]);
	if (argc > 3)
		put_percent = atoi(argv[3]);
	if (argc > 4)
		value_size = strtoul(argv[4], NULL, 10);
	if (argc > 5)
		prefix = argv[5];
	if (argc > 6)
		timed = strcmp(argv[6], "none") != 0;
	if (threads < 1 || threads > 1000 || ops < 1 || put_percent < 0 || put_percent > 100 || value_size < 1 ||
	    value_size > KV_VALUE_MAX || strlen(prefix) > 200) {
		fprintf(stderr, "usage: kvbench [THREADS (1..1000) [OPS (>= 1) [PUT_PERCENT (0..100) [VALUE_SIZE (1..4096) [PREFIX [call|none]]]]]]\n");
		return 2;
	}

	struct worker *w = calloc(threads, sizeof *w);
	uint32_t *all = malloc(sizeof(uint32_t) * threads * ops);
	uint32_t *split = malloc(sizeof(uint32_t) * threads * ops);
	if (!w || !all || !split) {
		fprintf(stderr, "kvbench: out of memory\n");
		return 2;
	}
	/* One untimed put first: the proxy opens its backend on the first request (for
	 * s3, a client, perhaps a server); no timed call, and no in-flight count, should
	 * include that. */
	char warm[256];
	snprintf(warm, sizeof warm, "%s/warm-up", prefix);
	int warm_rc = put(warm, "w", 1);
	pthread_barrier_init(&start_line, NULL, threads + 1);
	for (int i = 0; i < threads; i++) {
		w[i].id = i;
		w[i].latency_ns = all + (size_t)i * ops;
		w[i].put_ns = split + (size_t)i * ops;
		if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0) {
			fprintf(stderr, "kvbench: cannot create thread %d\n", i);
			return 2;
		}
	}
	pthread_barrier_wait(&start_line);
	uint64_t t0 = now_ns();
	for (int i = 0; i < threads; i++)
		pthread_join(w[i].thread, NULL);
	double seconds = (now_ns() - t0) / 1e9;

	long total = (long)threads * ops, puts = 0, gets = 0, errors = 0;
	int first_rc = 0;
	/* gather put and get latencies apart, for the human lines */
	uint32_t *put_lat = malloc(sizeof(uint32_t) * total), *get_lat = malloc(sizeof(uint32_t) * total);
	for (int i = 0; i < threads; i++) {
		memcpy(put_lat + puts, w[i].put_ns, sizeof(uint32_t) * w[i].puts);
		memcpy(get_lat + gets, w[i].put_ns + ops - w[i].gets, sizeof(uint32_t) * w[i].gets);
		puts += w[i].puts;
		gets += w[i].gets;
		if (w[i].errors && !errors)
			first_rc = w[i].first_rc;
		errors += w[i].errors;
	}
	qsort(all, total, sizeof *all, by_value);
	qsort(put_lat, puts, sizeof *put_lat, by_value);
	qsort(get_lat, gets, sizeof *get_lat, by_value);

	printf("kvbench: %d threads x %ld operations, %d%% puts, %zu-byte values, prefix \"%s\"\n", threads, ops, put_percent, value_size, prefix);
	printf("  %ld operations in %.3f s: %.0f operations/s\n", total, seconds, total / seconds);
	if (!timed)
		printf("  (calls not timed: latencies below are 0)\n");
	printf("  all  latency: p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us\n", pct_us(all, total, 50), pct_us(all, total, 90),
	       pct_us(all, total, 99), pct_us(all, total, 100));
	if (puts)
		printf("  put  latency: p50 %.1f us, p99 %.1f us (%ld puts)\n", pct_us(put_lat, puts, 50), pct_us(put_lat, puts, 99), puts);
	if (gets)
		printf("  get  latency: p50 %.1f us, p99 %.1f us (%ld gets)\n", pct_us(get_lat, gets, 50), pct_us(get_lat, gets, 99), gets);
	if (warm_rc != 0 && !errors++)
		first_rc = warm_rc;
	if (errors)
		printf("  %ld calls failed (first status %d)\n", errors, first_rc);
	printf("kvbench threads=%d ops=%ld seconds=%.6f ops_per_s=%.1f p50_us=%.1f p99_us=%.1f\n", threads, total, seconds, total / seconds,
	       pct_us(all, total, 50), pct_us(all, total, 99));
	return errors != 0;
}
