/* Code written at run time, the way a JIT does it: write machine code into a
 * mapping, mprotect it executable, call it; rewrite it, mprotect again, call again.
 * The second call must run the new code, not a stale translation of the old one
 * (the kernel's mprotect tells the VMM that code changed). Prints one line per check. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int (*fn)(void);

/* mov eax, imm32 ; ret */
static void emit_return(unsigned char *code, int value)
{
	code[0] = 0xb8;
	memcpy(code + 1, &value, 4);
	code[5] = 0xc3;
}

static int check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	return ok ? 0 : 1;
}

int main(void)
{
	int failed = 0;
	unsigned char *code = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED)
		return check("mmap", 0);

	emit_return(code, 1);
	mprotect(code, 4096, PROT_READ | PROT_EXEC);
	int first = 0;
	for (int i = 0; i < 1000; i++)   /* run it often enough to be translated */
		first += ((fn)code)();
	failed |= check("first code runs", first == 1000);

	mprotect(code, 4096, PROT_READ | PROT_WRITE);
	emit_return(code, 2);
	mprotect(code, 4096, PROT_READ | PROT_EXEC);
	failed |= check("rewritten code runs after mprotect", ((fn)code)() == 2);

	/* The same again at another value in the same bytes, several times. */
	int ok = 1;
	for (int v = 3; v < 20; v++) {
		mprotect(code, 4096, PROT_READ | PROT_WRITE);
		emit_return(code, v);
		mprotect(code, 4096, PROT_READ | PROT_EXEC);
		ok &= ((fn)code)() == v;
	}
	failed |= check("17 rewrites", ok);
	return failed;
}
