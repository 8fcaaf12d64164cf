/* Which memory a system call may use for the program: its own (image, brk, mmap,
 * stack) for reading and writing; the argument strings, the vDSO and the AT_RANDOM
 * bytes for reading only; never the kernel's. Usage: usermem PATH NAME=0xVALUE...
 * (PATH an existing directory, the rest from tests/helpers/kernel-symbols.ts). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <kv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kernel-symbols.h"

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	if (!ok)
		failures++;
}

/* A system call that must fail with `err`. */
static int fails(long ret, int err)
{
	return ret == -1 && errno == err;
}

static char image_buffer[64];
static void *thread_main(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct kernel_symbols k;
	if (argc < 2 || !kernel_symbols(argc, argv, &k))
		return 2;
	void *text = (void *)k.kernel_entry;
	void *pml4 = (void *)UK_PML4_ADDR;
	int fd = open("/usermem", O_CREAT | O_RDWR | O_TRUNC, 0644);
	check("a file to work with", fd >= 0 && write(fd, "0123456789abcdef0123456789abcdef", 32) == 32);

	/* The calls the issue names. */
	check("getrandom(NULL, 256 MiB) is EFAULT", fails(getrandom(NULL, 256 << 20, 0), EFAULT));
	check("getrandom over all of RAM is EFAULT", fails(getrandom((void *)0x1000, k.ram_size - 0x1000, 0), EFAULT));
	struct stat st;
	/* Raw system calls throughout: some C library wrappers copy the answer themselves. */
	check("fstat into the kernel's text is EFAULT", fails(syscall(SYS_fstat, fd, text), EFAULT));
	check("uname into the page tables is EFAULT", fails(uname((struct utsname *)pml4), EFAULT));
	check("read into the kernel's text is EFAULT", fails(pread(fd, text, 16, 0), EFAULT));
	check("read into the syscall table is EFAULT", fails(pread(fd, (void *)k.syscall_table, 16, 0), EFAULT));
	check("read into the thread's own Task block is EFAULT", fails(pread(fd, (void *)k.task, 16, 0), EFAULT));
	check("read into the thread's kernel stack is EFAULT",
	      fails(pread(fd, (void *)(k.task + UK_KERNEL_STACK_SIZE - 256), 16, 0), EFAULT));
	check("clock_gettime into the IDT is EFAULT", fails(clock_gettime(CLOCK_MONOTONIC, (struct timespec *)k.idt), EFAULT));
	check("getcwd into the BootInfo is EFAULT", fails(syscall(SYS_getcwd, UK_BOOT_INFO_ADDR, 64), EFAULT));
	check("read into a free page is EFAULT", fails(pread(fd, (void *)(k.ram_size - 4096), 16, 0), EFAULT));
	check("read beyond RAM is EFAULT", fails(pread(fd, (void *)k.ram_size, 16, 0), EFAULT));
	char value[16];
	size_t len = sizeof value;
	check("put() a value to get", put("usermem", "kernel", 6) == 0);
	check("get() into the kernel's text fails", get("usermem", text, &len) == -1);
	len = 8;
	check("get() with its length in the kernel fails", get("usermem", value, (size_t *)k.syscall_table) == -1);
	check("get() still works", get("usermem", value, &len) == 0 && len == 6 && memcmp(value, "kernel", 6) == 0);

	/* The program's own memory: image, stack, heap, mmap. */
	char stack_buffer[64];
	char *heap = malloc(100000);
	char *mapped = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("read into the program's image", pread(fd, image_buffer, 16, 0) == 16 && image_buffer[15] == 'f');
	check("read into the stack", pread(fd, stack_buffer, 16, 0) == 16 && stack_buffer[0] == '0');
	check("read into the heap", heap && pread(fd, heap + 99990, 10, 0) == 10 && heap[99999] == '9');
	check("read into mmap'd pages, across the page boundary",
	      mapped != MAP_FAILED && pread(fd, mapped + 4090, 12, 0) == 12 && mapped[4101] == 'b');
	check("fstat into the stack", fstat(fd, &st) == 0 && st.st_size == 32);
	char *large = mmap(NULL, 3 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("getrandom fills 3 MiB of mmap'd pages", large != MAP_FAILED && getrandom(large + 100, (3 << 20) - 200, 0) == (3 << 20) - 200);
	check("munmap a page in the middle of them", munmap(large + (2 << 20), 4096) == 0);
	check("getrandom over the hole is EFAULT", fails(getrandom(large + 100, (3 << 20) - 200, 0), EFAULT));

	/* Read-only areas: argument strings, the vDSO, AT_RANDOM. */
	check("open(argv[1]): a path in the argument area", open(argv[1], O_RDONLY | O_DIRECTORY) >= 0);
	check("write from argv[0]", pwrite(fd, argv[0], strlen(argv[0]), 100) == (long)strlen(argv[0]));
	check("read into argv[0] is EFAULT (the argument area is read-only)", fails(pread(fd, argv[0], 4, 0), EFAULT));
	void *vdso = (void *)getauxval(AT_SYSINFO_EHDR);
	check("write from the vDSO", vdso && pwrite(fd, vdso, 16, 200) == 16);
	check("read into the vDSO is EFAULT", fails(pread(fd, vdso, 16, 0), EFAULT));
	void *random = (void *)getauxval(AT_RANDOM);
	check("write from the AT_RANDOM bytes", random && pwrite(fd, random, 16, 300) == 16);
	check("read into the AT_RANDOM bytes is EFAULT", fails(pread(fd, random, 16, 0), EFAULT));
	check("write from the kernel's text is EFAULT", fails(pwrite(fd, text, 16, 0), EFAULT));

	/* Edges: a range that runs off the program's pages; strings that do. */
	check("munmap the second mapped page", munmap(mapped + 4096, 4096) == 0);
	check("read running into an unmapped page is EFAULT", fails(pread(fd, mapped + 4090, 12, 0), EFAULT));
	check("read into an unmapped page is EFAULT", fails(pread(fd, mapped + 4096, 4, 0), EFAULT));
	check("read up to the end of the mapped page", pread(fd, mapped + 4086, 10, 0) == 10);
	strcpy(mapped + 4096 - 9, "/usermem");
	check("a path ending at the end of a page", open(mapped + 4096 - 9, O_RDONLY) >= 0);
	memset(mapped, 'x', 4096);
	check("a path running into an unmapped page is EFAULT", fails(open(mapped + 4000, O_RDONLY), EFAULT));
	check("a path in the kernel is EFAULT", fails(open((char *)k.kernel_entry, O_RDONLY), EFAULT));
	char *big = malloc(5000);
	memset(big, 'y', 5000);
	big[4999] = 0;
	check("a path longer than PATH_MAX is ENAMETOOLONG", fails(open(big, O_RDONLY), ENAMETOOLONG));
	check("a length that wraps is EFAULT", fails(pread(fd, mapped, (size_t)-4096, 0), EFAULT));

	/* mmap and munmap touch only the program's pages. */
	uintptr_t task_page = k.task & ~(uintptr_t)4095;
	check("munmap of the kernel's pages answers 0 and frees nothing", munmap((void *)task_page, 16384) == 0);
	check("munmap of the page tables answers 0", munmap(pml4, 4096) == 0);
	check("MAP_FIXED over the Task block is refused",
	      mmap((void *)task_page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED);
	check("MAP_FIXED over the kernel is refused",
	      mmap((void *)(k.kernel_entry & ~(uintptr_t)4095), 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		   -1, 0) == MAP_FAILED);
	check("MAP_FIXED over the program's own page", mmap(mapped, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
							     0) == mapped && mapped[0] == 0);
	/* Had munmap freed the Task block, these pages would include it. */
	int fresh_ok = 1;
	for (int i = 0; i < 64; i++) {
		char *p = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || (uintptr_t)p == task_page) {
			fresh_ok = 0;
			break;
		}
		memset(p, 0xa5, 16384);
	}
	check("new mappings never get the kernel's pages", fresh_ok);
	pthread_t t;
	void *r = NULL;
	check("a thread starts and is joined afterwards", pthread_create(&t, NULL, thread_main, (void *)7) == 0 && pthread_join(t, &r) == 0 &&
							     r == (void *)7);

	/* getrandom's flags, as Linux checks them. */
	char bytes[16];
	check("getrandom(GRND_NONBLOCK)", getrandom(bytes, 16, GRND_NONBLOCK) == 16);
	check("getrandom(GRND_RANDOM)", getrandom(bytes, 16, GRND_RANDOM) == 16);
	check("getrandom(GRND_INSECURE)", getrandom(bytes, 16, 4) == 16);
	check("getrandom with an unknown flag is EINVAL", fails(getrandom(bytes, 16, 8), EINVAL));
	check("getrandom(GRND_RANDOM | GRND_INSECURE) is EINVAL", fails(getrandom(bytes, 16, GRND_RANDOM | 4), EINVAL));
	check("the kernel still answers", getpid() == 1 && uname((struct utsname *)heap) == 0 && strcmp(heap, "Linux") == 0);
	return failures != 0;
}
