/* Dies of the CPU exception named by argv[1]: ud2, div0, null, wild, wildjump, int3,
 * midblock (a load from page 0 after two other instructions of the same basic block;
 * prints the load's address first), aboveram (a load from the first byte past RAM,
 * whose size is argv[2]), kernel (calls the kernel routine argv[2] bytes above the
 * kernel's first page, kprint_cstr in the test, with a string pointer into page 0:
 * a page fault in kernel code), noidt (an empty IDT, then ud2: the VMM cannot deliver
 * the fault and reports it itself). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unikernel/abi.h>

/* mid_block(p): two increments, then a load from p: one basic block. */
__asm__(".text\n"
	".globl mid_block\n"
	"mid_block:\n"
	"	incq %rcx\n"
	"	incq %rcx\n"
	".globl mid_block_load\n"
	"mid_block_load:\n"
	"	movq (%rdi), %rax\n"
	"	ret\n");
void mid_block(const void *p);
extern char mid_block_load[];

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	volatile int zero = 0;
	if (!strcmp(what, "midblock")) {
		printf("load at %p\n", (void *)mid_block_load);
		fflush(stdout);
		mid_block((const void *)16);
	}
	if (!strcmp(what, "aboveram") && argc > 2)
		return *(volatile char *)(uintptr_t)strtoull(argv[2], 0, 0);
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
	if (!strcmp(what, "noidt")) {
		struct __attribute__((packed)) { uint16_t limit; uint64_t base; } empty = { 0, 0 };
		__asm__ volatile("lidt %0\n\tud2" : : "m"(empty));
	}
	if (!strcmp(what, "kernel") && argc > 2) {
		const struct uk_BootInfo *boot = (const struct uk_BootInfo *)(uintptr_t)UK_BOOT_INFO_ADDR;
		uintptr_t routine = boot->kernel_start + strtoull(argv[2], 0, 0);
		__asm__ volatile("mov $16, %%rsi\n\tcall *%0" : : "r"(routine) : "rsi", "rcx", "rdx", "memory");
	}
	puts("no crash");
	return 0;
}
