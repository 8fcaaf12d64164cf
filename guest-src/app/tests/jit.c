/* Code written at run time, the way a JIT does it: write machine code into a
 * mapping, mprotect it executable, call it; rewrite it, mprotect again, call again.
 * The second call must run the new code, not a stale translation of the old one
 * (the kernel's mprotect tells the VMM that code changed). mprotect refuses what Linux
 * refuses, and a range outside the program's memory never reaches the VMM (the system-call
 * fuzzer's mprotect(0xf70, 0x59a, PROT_EXEC|...) faulted in the kernel). Prints one line
 * per check. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

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

	errno = 0;
	/* musl rounds the start down to its page, so the system call itself (the fuzzer's). */
	int refused = syscall(SYS_mprotect, 0xf70, 0x59a, PROT_READ | PROT_EXEC) == -1 && errno == EINVAL;
	refused &= mprotect((void *)0xf70, 0x59a, PROT_READ | PROT_EXEC) == -1 && errno == ENOMEM;
	refused &= mprotect(0, 4096, PROT_READ | PROT_EXEC) == -1 && errno == ENOMEM;
	refused &= mprotect((void *)0x1000, 8192, PROT_EXEC) == -1 && errno == ENOMEM;
	refused &= mprotect(code, (size_t)-4096, PROT_EXEC) == -1 && errno == ENOMEM;
	refused &= mprotect(code, 4096, PROT_READ | 0x100) == -1 && errno == EINVAL;
	refused &= mprotect(code, 0, PROT_EXEC) == 0 && mprotect(code, 100, PROT_READ | PROT_EXEC) == 0;
	failed |= check("mprotect refuses a bad start, bad bits and memory not the program's", refused && ((fn)code)() == 19);
	return failed;
}
