/* Benchmark guest for threads and SMP. Usage: smpbench TEST N
 *   create N    N threads created and joined one after another -> "per_s=X"
 *   pingpong N  two threads hand a token back and forth N times through futexes
 *               (a mutex + two condition variables) -> "us_per_round_trip=X"
 *   yield N     two threads call sched_yield N times each -> "us_per_switch=X"
 *   compute N   a checksum over a 64 KiB buffer, N passes -> "minstr_per_s=X"
 *               (about 5 guest instructions per byte: the loop below) */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void *nothing(void *arg) { return arg; }

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static long turn, rounds;

static void *ponger(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	for (long i = 0; i < rounds; i++) {
		while (turn != 1)
			pthread_cond_wait(&c, &m);
		turn = 0;
		pthread_cond_signal(&c);
	}
	pthread_mutex_unlock(&m);
	return NULL;
}

static long yields;
static void *yielder(void *arg)
{
	(void)arg;
	for (long i = 0; i < yields; i++)
		sched_yield();
	return NULL;
}

int main(int argc, char **argv)
{
	const char *test = argc > 1 ? argv[1] : "";
	long n = argc > 2 ? atol(argv[2]) : 1000;
	double t0 = now_s();
	if (!strcmp(test, "create")) {
		for (long i = 0; i < n; i++) {
			pthread_t t;
			pthread_create(&t, NULL, nothing, NULL);
			pthread_join(t, NULL);
		}
		printf("per_s=%.1f\n", n / (now_s() - t0));
	} else if (!strcmp(test, "pingpong")) {
		pthread_t t;
		rounds = n;
		pthread_create(&t, NULL, ponger, NULL);
		t0 = now_s();
		pthread_mutex_lock(&m);
		for (long i = 0; i < n; i++) {
			turn = 1;
			pthread_cond_signal(&c);
			while (turn != 0)
				pthread_cond_wait(&c, &m);
		}
		pthread_mutex_unlock(&m);
		printf("us_per_round_trip=%.2f\n", (now_s() - t0) * 1e6 / n);
		pthread_join(t, NULL);
	} else if (!strcmp(test, "yield")) {
		pthread_t a, b;
		yields = n;
		pthread_create(&a, NULL, yielder, NULL);
		pthread_create(&b, NULL, yielder, NULL);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		printf("us_per_switch=%.2f\n", (now_s() - t0) * 1e6 / (2.0 * n));
	} else if (!strcmp(test, "compute")) {
		static unsigned char buf[65536];
		for (unsigned i = 0; i < sizeof buf; i++)
			buf[i] = (unsigned char)(i * 7);
		unsigned long sum = 0;
		t0 = now_s();
		for (long p = 0; p < n; p++)
			for (unsigned i = 0; i < sizeof buf; i++)
				sum = (sum << 1 ^ buf[i]) + (sum >> 63);
		double s = now_s() - t0;
		printf("minstr_per_s=%.1f sum=%lu\n", 5.0 * n * sizeof buf / s / 1e6, sum);
	} else {
		fprintf(stderr, "usage: smpbench create|pingpong|yield|compute N\n");
		return 2;
	}
	return 0;
}
