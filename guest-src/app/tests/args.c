/* Prints argc, each argument and each environment string on its own line; exits
 * with the status named by the last argument when it is a number (for exit-status
 * tests). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	for (char **e = environ; *e; e++)
		printf("env=%s\n", *e);
	char *end;
	long status = argc > 1 ? strtol(argv[argc - 1], &end, 10) : 0;
	if (argc > 1 && *end == '\0')
		return (int)status;
	return 0;
}
