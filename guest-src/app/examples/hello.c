/* The smallest unikv guest: print a line and exit 0. */
#include <stdio.h>

int main(void)
{
	printf("Hello from the unikv unikernel!\n");
	return 0;
}
