/* Benchmark guest: N `out` instructions to the no-op port, timed with the guest
 * clock. Prints "ns_per_op=X". Usage: nop-hypercall N */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unikernel/abi.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		__asm__ volatile("out %%eax, %%dx" : : "a"(0), "d"(UK_PORT_NOP));
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("ns_per_op=%.1f\n", ns / n);
	return 0;
}
