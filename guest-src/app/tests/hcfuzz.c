/* hcfuzz: random hypercalls from a hostile program, which runs in ring 0 and may
 * execute `out` itself. Each turn picks a port (one of the VMM's, or any 16-bit
 * number) and writes the address of a block of random words: pointers into a scratch
 * buffer, page 0, beyond the guest-physical space, wrapping values; lengths small,
 * huge or wrapping; random numbers. The VMM must answer or ignore every one, never crash or
 * hang. Ports that end the VM or redirect the vCPU by design (EXIT, PANIC, SWITCH,
 * PREEMPT) are left out, and CODE_CHANGED (below). Usage: hcfuzz SEED COUNT [PORT [trace]]
 * (PORT -1: every port); with `trace`, "call 0 I PORT VALUE" before each hypercall (the
 * block's words depend only on the seed). Prints "kernel START-END" (the kernel image),
 * "progress 0 I" every 1,000 turns and hypercalls=N at the end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unikernel/abi.h>

static const uint16_t ports[] = {
	UK_PORT_WRITE, UK_PORT_OPEN, UK_PORT_CLOSE, UK_PORT_READ, UK_PORT_LSEEK, UK_PORT_CMDSIZE, UK_PORT_CMDVAL,
	UK_PORT_UNLINK, UK_PORT_KV_PUT, UK_PORT_KV_GET, UK_PORT_CLOCK, UK_PORT_RANDOM, UK_PORT_NOP, UK_PORT_HOST_MKDIR,
	UK_PORT_HOST_RMDIR, UK_PORT_HOST_RENAME, UK_PORT_HOST_STAT, UK_PORT_HOST_GETDENTS, UK_PORT_HOST_FTRUNCATE,
	UK_PORT_HOST_UTIMENS, UK_PORT_HOST_FSYNC, UK_PORT_COPY, UK_PORT_FILL, UK_PORT_TIMER, UK_PORT_IPI,
	UK_PORT_STDIN_READY, UK_PORT_NET, UK_PORT_CODE_CHANGED,
};

#define SCRATCH (64 * 1024)
/* The scratch buffer lies near the top of the guest-physical space (in a reservation):
 * its addresses, taken as lengths, then reach past the end of the space from anywhere
 * in it, so no field can ask for a range running out of the buffer into the program. */
static uint8_t *scratch;
static uint64_t block[64] __attribute__((aligned(64)));
static uint64_t state;

static uint64_t next(void)
{
	/* xorshift64*: the same sequence for the same seed */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dULL;
}

/* A word for a block field: a pointer, a length or a plain number. Every pointer
 * either lies in the scratch buffer (with lengths that keep it there) or is one the
 * VMM must refuse: the program runs in ring 0 beside the kernel, so a hypercall the
 * VMM accepts may write wherever the kernel could, and a fuzz that aimed there would
 * only be testing the kernel's luck. */
static uint64_t word(void)
{
	uint64_t s = (uint64_t)(uintptr_t)scratch;
	switch (next() % 13) {
	case 0: return 0;
	case 1: return next() % 4096;                       /* page 0 (nothing lives there) */
	case 2: return s + next() % (SCRATCH / 2);          /* inside the scratch buffer */
	case 3: return 0x100000000ULL + next() % 4096;      /* just past the guest-physical space */
	case 4: return 0x7ff000000000ULL + next() % 4096;   /* far beyond it */
	case 5: return ~0ULL - next() % 64;                 /* wraps */
	case 6: return next() % 256;                        /* a small length */
	case 7: return SCRATCH / 4;                         /* a length that fits */
	case 8: return 0x100000000ULL + (next() % 64);      /* a length past the whole space */
	case 9: return 1ULL << (33 + next() % 31);          /* powers of two from 2^33 */
	case 10: return (uint64_t)(int64_t)-(int64_t)(1 + next() % 16); /* small negatives */
	case 11: return next() | (1ULL << 40);              /* large (never truncated: fields are 64 bits) */
	default: return next() % 16;                        /* small numbers: fds, ops, flags */
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	state = argc > 1 ? strtoull(argv[1], 0, 0) | 1 : 1;
	long count = argc > 2 ? atol(argv[2]) : 10000;
	long only = argc > 3 ? strtol(argv[3], 0, 0) : -1; /* one port only (to narrow a failure down) */
	int trace = argc > 4 && strcmp(argv[4], "trace") == 0;
	volatile struct uk_BootInfo *boot = (volatile struct uk_BootInfo *)UK_BOOT_INFO_ADDR;
	/* The kernel image, for the runner: a CPU exception there is the kernel's fault. */
	printf("kernel %#lx-%#lx\n", (unsigned long)boot->kernel_start, (unsigned long)boot->kernel_end);
	size_t area = 0xe0000000UL; /* 3.5 GiB: with --mem 64M it ends above 3.5 GiB */
	uint8_t *reserved = mmap(0, area, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (reserved == MAP_FAILED || (uint64_t)(uintptr_t)reserved + area < 0xe0000000UL) {
		puts("hcfuzz: no reservation high enough (run with --mem 64M)");
		return 2;
	}
	scratch = mmap(reserved + area - (2 << 20), SCRATCH, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED)
		return 2;
	long done = 0;
	for (long i = 0; i < count; i++) {
		for (size_t w = 0; w < sizeof block / sizeof block[0]; w++)
			block[w] = word();
		uint16_t port = next() % 4 ? ports[next() % (sizeof ports / sizeof ports[0])] : (uint16_t)next();
		if (only >= 0)
			port = (uint16_t)only;
		if (port == UK_PORT_EXIT || port == UK_PORT_PANIC || port == UK_PORT_SWITCH || port == UK_PORT_PREEMPT)
			continue;
		/* The value is the block's address, or one the VMM must refuse: the boot area
		 * (BootInfo, GDT, page tables), or a block that runs past the end of the
		 * guest-physical space (4 GiB). Not a block elsewhere above RAM: the VMM backs
		 * that space (the kernel's reservation area), so its words would be whatever
		 * earlier hypercalls left there, pointers into the program or the kernel. */
		uint32_t value = next() % 8 ? (uint32_t)(uintptr_t)block : next() % 2 ? (uint32_t)(next() % 0x10000) : (uint32_t)(0xffffffffu - next() % 8);
		if (i % 1000 == 0)
			printf("progress 0 %ld\n", i);
		if (trace)
			printf("call 0 %ld %#x %#x\n", i, port, value);
		__asm__ volatile("outl %0, %w1" : : "a"(value), "Nd"(port) : "memory");
		done++;
	}
	printf("hypercalls=%ld\n", done);
	return 0;
}
