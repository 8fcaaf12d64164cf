/* musl pthreads on the unikv kernel. Usage: threads TEST [ARGS]; prints
 * "TEST: OK" or "TEST: FAILED ..." and exits 0 or 1.
 *   mutex N ITER    N threads add 1 to a mutex-protected counter ITER times each
 *   atomic N ITER   the same with __atomic_fetch_add
 *   condvar ITEMS   one producer, one consumer, a bounded queue with condition variables
 *   create N        N threads created and joined, 8 alive at a time
 *   barrier N ROUNDS  N threads meet at a pthread_barrier ROUNDS times
 *   spinner N       one thread spins without ever blocking; N others must finish work
 *   spinner-compute N  main computes N steps without system calls beside a spinner
 *   sleep MS        nanosleep(MS): prints the measured time in microseconds
 *   futex-timeout MS  FUTEX_WAIT with a timeout nobody wakes: expects ETIMEDOUT
 *   exit-group      exit(3) from main while other threads run (busy, sleeping)
 *   spawn-until-fail  create threads until pthread_create fails (EAGAIN/ENOMEM)
 */
#include <errno.h>
#include <limits.h>
#define FUTEX_WAIT 0
#define FUTEX_PRIVATE_FLAG 128
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *test_name;

static int report(int ok, const char *detail)
{
	printf("%s: %s%s%s\n", test_name, ok ? "OK" : "FAILED", detail ? " " : "", detail ? detail : "");
	return ok ? 0 : 1;
}

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* --- counters --- */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long iterations;

static void *add_locked(void *arg)
{
	(void)arg;
	for (long i = 0; i < iterations; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *add_atomic(void *arg)
{
	(void)arg;
	for (long i = 0; i < iterations; i++)
		__atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int run_counter(int n, long iter, void *(*fn)(void *))
{
	pthread_t t[64];
	iterations = iter;
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, NULL))
			return report(0, "pthread_create");
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	char detail[64];
	snprintf(detail, sizeof detail, "counter=%ld expected=%ld", counter, n * iter);
	return report(counter == n * iter, detail);
}

/* --- condition variables --- */
#define QUEUE 8
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static int queue[QUEUE], head, tail, count;
static long items;
static long long consumed_sum;

static void *producer(void *arg)
{
	(void)arg;
	for (long i = 1; i <= items; i++) {
		pthread_mutex_lock(&lock);
		while (count == QUEUE)
			pthread_cond_wait(&not_full, &lock);
		queue[tail] = (int)i;
		tail = (tail + 1) % QUEUE;
		count++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (long i = 1; i <= items; i++) {
		pthread_mutex_lock(&lock);
		while (count == 0)
			pthread_cond_wait(&not_empty, &lock);
		consumed_sum += queue[head];
		head = (head + 1) % QUEUE;
		count--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* --- create/join --- */
static void *return_arg(void *arg)
{
	return arg;
}

/* --- barrier --- */
static pthread_barrier_t barrier;
static int rounds;
static long phase_errors;
static volatile long phase;

static void *barrier_worker(void *arg)
{
	long serial_seen = 0;
	(void)arg;
	for (int r = 0; r < rounds; r++) {
		long before = phase;
		if (before != r)
			__atomic_fetch_add(&phase_errors, 1, __ATOMIC_SEQ_CST);
		int rc = pthread_barrier_wait(&barrier);
		if (rc == PTHREAD_BARRIER_SERIAL_THREAD) {
			phase = r + 1;
			serial_seen++;
		}
		pthread_barrier_wait(&barrier);
	}
	return (void *)serial_seen;
}

/* --- spinner --- */
static volatile int stop_spinning;

static void *spin(void *arg)
{
	(void)arg;
	while (!stop_spinning)
		; /* never blocks, never calls the kernel */
	return NULL;
}

static void *work(void *arg)
{
	volatile unsigned long x = (unsigned long)arg;
	for (int i = 0; i < 200000; i++)
		x = x * 6364136223846793005UL + 1;
	struct timespec d = { 0, 1000000 };
	nanosleep(&d, NULL);
	return NULL;
}

/* --- exit_group --- */
static void *busy(void *arg)
{
	(void)arg;
	for (;;)
		getpid(); /* computes and makes system calls, never sleeps */
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec d = { 0, 5000000 };
		nanosleep(&d, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_name = argc > 1 ? argv[1] : "";
	long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;

	if (!strcmp(test_name, "mutex"))
		return run_counter((int)a, b, add_locked);
	if (!strcmp(test_name, "atomic"))
		return run_counter((int)a, b, add_atomic);
	if (!strcmp(test_name, "condvar")) {
		pthread_t p, c;
		items = a;
		pthread_create(&c, NULL, consumer, NULL);
		pthread_create(&p, NULL, producer, NULL);
		pthread_join(p, NULL);
		pthread_join(c, NULL);
		return report(consumed_sum == a * (a + 1) / 2 && count == 0, NULL);
	}
	if (!strcmp(test_name, "create")) {
		pthread_t t[8];
		long done = 0, bad = 0;
		while (done < a) {
			int batch = a - done < 8 ? (int)(a - done) : 8;
			for (int i = 0; i < batch; i++)
				if (pthread_create(&t[i], NULL, return_arg, (void *)(done + i)))
					return report(0, "pthread_create");
			for (int i = 0; i < batch; i++) {
				void *r;
				pthread_join(t[i], &r);
				bad += (long)r != done + i;
			}
			done += batch;
		}
		return report(bad == 0, NULL);
	}
	if (!strcmp(test_name, "barrier")) {
		pthread_t t[32];
		int n = a > 32 ? 32 : (int)a;
		rounds = (int)b;
		pthread_barrier_init(&barrier, NULL, (unsigned)n);
		for (int i = 0; i < n; i++)
			pthread_create(&t[i], NULL, barrier_worker, NULL);
		long serials = 0;
		for (int i = 0; i < n; i++) {
			void *r;
			pthread_join(t[i], &r);
			serials += (long)r;
		}
		return report(phase_errors == 0 && serials == rounds && phase == rounds, NULL);
	}
	if (!strcmp(test_name, "spinner")) {
		pthread_t s, t[16];
		int n = a > 16 ? 16 : (int)a;
		pthread_create(&s, NULL, spin, NULL);
		for (int i = 0; i < n; i++)
			pthread_create(&t[i], NULL, work, (void *)(long)i);
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		stop_spinning = 1;
		pthread_join(s, NULL);
		return report(1, NULL);
	}
	if (!strcmp(test_name, "spinner-compute")) {
		/* main computes without system calls while another thread spins */
		pthread_t s;
		pthread_create(&s, NULL, spin, NULL);
		volatile unsigned long x = 1;
		for (long i = 0; i < a; i++)
			x = x * 6364136223846793005UL + 1;
		stop_spinning = 1;
		pthread_join(s, NULL);
		return report(1, NULL);
	}
	if (!strcmp(test_name, "sleep")) {
		struct timespec d = { a / 1000, (a % 1000) * 1000000 };
		long long t0 = now_ns();
		int rc = nanosleep(&d, NULL);
		long long us = (now_ns() - t0) / 1000;
		char detail[64];
		snprintf(detail, sizeof detail, "slept_us=%lld", us);
		return report(rc == 0 && us >= a * 1000, detail);
	}
	if (!strcmp(test_name, "futex-timeout")) {
		static int word;
		struct timespec d = { a / 1000, (a % 1000) * 1000000 };
		long long t0 = now_ns();
		long rc = syscall(SYS_futex, &word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &d, NULL, 0);
		int err = errno;
		long long us = (now_ns() - t0) / 1000;
		char detail[64];
		snprintf(detail, sizeof detail, "waited_us=%lld", us);
		return report(rc == -1 && err == ETIMEDOUT && us >= a * 1000, detail);
	}
	if (!strcmp(test_name, "exit-group")) {
		pthread_t t[4];
		pthread_create(&t[0], NULL, busy, NULL);
		for (int i = 1; i < 4; i++)
			pthread_create(&t[i], NULL, sleeper, NULL);
		struct timespec d = { 0, 20000000 };
		nanosleep(&d, NULL);
		printf("exit-group: exiting\n");
		exit(3);
	}
	if (!strcmp(test_name, "spawn-until-fail")) {
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 1 << 20);
		long n = 0;
		int rc;
		pthread_t t;
		while ((rc = pthread_create(&t, &attr, sleeper, NULL)) == 0)
			n++;
		char detail[64];
		snprintf(detail, sizeof detail, "created=%ld error=%s", n, rc == EAGAIN ? "EAGAIN" : rc == ENOMEM ? "ENOMEM" : "other");
		return report(n > 0 && (rc == EAGAIN || rc == ENOMEM), detail);
	}
	return report(0, "unknown test");
}
