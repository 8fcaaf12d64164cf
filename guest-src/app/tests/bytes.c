/* Writes every byte value 0..255 twice to stdout and "err\0or" to stderr, with raw
 * write(2), so the host can check the console is byte-exact (NUL bytes included). */
#include <unistd.h>

int main(void)
{
	unsigned char all[512];
	for (int i = 0; i < 512; i++)
		all[i] = (unsigned char)i;
	if (write(1, all, sizeof all) != sizeof all)
		return 1;
	if (write(2, "err\0or", 6) != 6)
		return 2;
	return 0;
}
