/* Dies of the CPU exception named by argv[1]: ud2, div0, null, wild, wildjump, int3. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	volatile int zero = 0;
	fflush(stdout);
	if (!strcmp(what, "ud2"))
		__asm__ volatile("ud2");
	if (!strcmp(what, "div0"))
		return 10 / zero;
	if (!strcmp(what, "null"))
		return *(volatile int *)(uintptr_t)zero;
	if (!strcmp(what, "wild"))
		*(volatile int *)0x7ff0000000ULL = 1;
	if (!strcmp(what, "wildjump"))
		((void (*)(void))0x7ff0000000ULL)();
	if (!strcmp(what, "int3"))
		__asm__ volatile("int3");
	puts("no crash");
	return 0;
}
