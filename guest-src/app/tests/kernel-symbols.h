/* Addresses inside the kernel, for tests that hand them to system calls: the test
 * (tests/helpers/kernel-symbols.ts) reads the built kernel's symbols and passes them
 * as NAME=0xVALUE arguments, and ro=0xADDRESS:0xLENGTH for each read-only segment. */
#ifndef KERNEL_SYMBOLS_H
#define KERNEL_SYMBOLS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unikernel/abi.h>

#define KSYM_RO_MAX 8

struct kernel_symbols {
	uintptr_t kernel_entry, syscall_table, idt, gdt, percpu, page_bitmap, user_bitmap;
	uintptr_t ram_size_var, heap_start_var, vdso_image, end, current_offset;
	uintptr_t ro_addr[KSYM_RO_MAX], ro_len[KSYM_RO_MAX];
	int ro_count;
	uint64_t ram_size;   /* from the BootInfo */
	uintptr_t delta;     /* how far the VMM moved the kernel from its link address */
	uintptr_t args;      /* the argument area (argv/envp arrays and strings, below the kernel) */
	uintptr_t task;      /* the calling thread's Task block (its Percpu.current) */
};

static int ksym_arg(const char *arg, const char *name, uintptr_t *out)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return 0;
	*out = strtoull(arg + n + 1, NULL, 16);
	return 1;
}

/* The calling thread's Task block: the kernel keeps it in its per-CPU area (GS). */
static uintptr_t ksym_current_task(uintptr_t offset)
{
	uintptr_t task;
	__asm__ volatile("mov %%gs:(%1), %0" : "=r"(task) : "r"(offset));
	return task;
}

/* Fills k from argv; returns 0 when a symbol is missing. */
static int kernel_symbols(int argc, char **argv, struct kernel_symbols *k)
{
	memset(k, 0, sizeof *k);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "ro=", 3) == 0 && k->ro_count < KSYM_RO_MAX) {
			char *colon;
			k->ro_addr[k->ro_count] = strtoull(a + 3, &colon, 16);
			k->ro_len[k->ro_count] = strtoull(colon + 1, NULL, 16);
			k->ro_count++;
			continue;
		}
		(void)(ksym_arg(a, "kernel_entry", &k->kernel_entry) || ksym_arg(a, "syscall_table", &k->syscall_table) ||
			ksym_arg(a, "idt", &k->idt) || ksym_arg(a, "gdt", &k->gdt) || ksym_arg(a, "percpu", &k->percpu) ||
			ksym_arg(a, "page_bitmap", &k->page_bitmap) || ksym_arg(a, "user_bitmap", &k->user_bitmap) ||
			ksym_arg(a, "ram_size", &k->ram_size_var) || ksym_arg(a, "heap_start", &k->heap_start_var) ||
			ksym_arg(a, "vdso_image", &k->vdso_image) || ksym_arg(a, "_end", &k->end) ||
			ksym_arg(a, "Percpu.current", &k->current_offset));
	}
	if (!k->kernel_entry || !k->syscall_table || !k->idt || !k->end || !k->current_offset || !k->ro_count) {
		printf("kernel symbols missing from the arguments\n");
		return 0;
	}
	/* The program runs in ring 0 beside the kernel: it may read the BootInfo itself.
	 * The symbols are the kernel's link addresses; the VMM moved it (BootInfo.kernel_start). */
	volatile struct uk_BootInfo *boot = (volatile struct uk_BootInfo *)UK_BOOT_INFO_ADDR;
	k->ram_size = boot->ram_size;
	k->delta = boot->kernel_start - UK_KERNEL_BASE;
	k->args = boot->argv;
	uintptr_t *moved[] = { &k->kernel_entry, &k->syscall_table, &k->idt, &k->gdt, &k->percpu, &k->page_bitmap,
			       &k->user_bitmap, &k->ram_size_var, &k->heap_start_var, &k->vdso_image, &k->end };
	for (size_t i = 0; i < sizeof moved / sizeof moved[0]; i++)
		if (*moved[i])
			*moved[i] += k->delta;
	for (int i = 0; i < k->ro_count; i++)
		k->ro_addr[i] += k->delta;
	printf("kernel moved by 0x%lx\n", (unsigned long)k->delta);
	k->task = ksym_current_task(k->current_offset);
	return 1;
}

/* FNV-1a over [addr, addr + len): tests/helpers/kernel-symbols.ts computes the same. */
__attribute__((unused)) static uint64_t ksym_fnv1a(uintptr_t addr, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const volatile uint8_t *p = (const volatile uint8_t *)addr;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

#endif
