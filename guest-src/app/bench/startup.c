/* Benchmark guest: prints the host's wall clock (CLOCK_REALTIME, nanoseconds) as
 * early as a C program can, so the host can tell how long booting took. */
#include <stdio.h>
#include <time.h>

int main(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	printf("main_realtime_ns=%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
	return 0;
}
