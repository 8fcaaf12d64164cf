/* The kernel's clocks (host readings extended by the TSC, kernel lib/clock.asm):
 * CLOCK_MONOTONIC never goes back, in any thread, on any vCPU; both clocks agree
 * with the host's, read here through the CLOCK hypercall itself (the program runs
 * in ring 0, so it can); sleeps last at least what was asked; musl finds the vDSO
 * (kernel sys/vdso.asm) and so reads the clocks without a system call. Prints one
 * line per check, then "reads=N" for the test to compare with the VMM's --stats. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>

#define READS_PER_THREAD 200000
#define THREADS 4
#define HOST_TOLERANCE_NS 2000000LL     /* kernel clock vs host clock */

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	if (!ok)
		failures++;
}

static long long now(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The host's clocks, asked directly (port CLOCK 0x980, struct HcClock). */
static struct { uint64_t monotonic, realtime; } host_block __attribute__((aligned(16)));

static long long host_monotonic(void)
{
	uint32_t address = (uint32_t)(uintptr_t)&host_block;
	__asm__ volatile("outl %0, %1" : : "a"(address), "Nd"((uint16_t)0x980) : "memory");
	return (long long)host_block.monotonic;
}

static void *reader(void *arg)
{
	long backwards = 0;
	long long last = now(CLOCK_MONOTONIC);
	for (int i = 0; i < READS_PER_THREAD; i++) {
		long long t = now(CLOCK_MONOTONIC);
		if (t < last)
			backwards++;
		last = t;
		if (i % 50000 == 0)
			sched_yield();
	}
	*(long *)arg = backwards;
	return NULL;
}

int main(void)
{
	const unsigned char *vdso = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	check("a vDSO in the auxiliary vector", vdso && memcmp(vdso, "\177ELF", 4) == 0);
	struct timespec bad;
	check("the vDSO refuses a clock it does not have", clock_gettime(1234, &bad) == -1);

	pthread_t threads[THREADS];
	long backwards[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&threads[i], NULL, reader, &backwards[i]);
	long total = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		total += backwards[i];
	}
	check("monotonic in every thread", total == 0);

	long long worst = 0, offset_min = 0, offset_max = 0;
	for (int round = 0; round < 20; round++) {
		if (round % 4 == 3) {
			struct timespec d = { 0, 15 * 1000 * 1000 };
			nanosleep(&d, NULL);
		} else {
			for (volatile long i = 0; i < 300000; i++)
				;
		}
		long long before = host_monotonic();
		long long kernel = now(CLOCK_MONOTONIC);
		long long after = host_monotonic();
		long long off = kernel < before ? before - kernel : kernel > after ? kernel - after : 0;
		if (off > worst)
			worst = off;
		long long real_minus_mono = now(CLOCK_REALTIME) - now(CLOCK_MONOTONIC);
		if (round == 0 || real_minus_mono < offset_min)
			offset_min = real_minus_mono;
		if (round == 0 || real_minus_mono > offset_max)
			offset_max = real_minus_mono;
	}
	printf("kernel vs host, worst: %lld ns\n", worst);
	check("agrees with the host's monotonic clock", worst < HOST_TOLERANCE_NS);
	check("realtime moves with monotonic", offset_max - offset_min < HOST_TOLERANCE_NS);

	struct timespec d = { 0, 30 * 1000 * 1000 };
	long long a = now(CLOCK_MONOTONIC);
	nanosleep(&d, NULL);
	long long b = now(CLOCK_MONOTONIC);
	check("a 30 ms sleep lasts at least 30 ms", b - a >= 30 * 1000 * 1000);
	check("and not much longer", b - a < 200 * 1000 * 1000);

	printf("reads=%d\n", THREADS * READS_PER_THREAD);
	return failures ? 1 : 0;
}
