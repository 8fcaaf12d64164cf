// What a freshly loaded program relies on, whatever its C library and link address:
// argv and environ, the auxiliary vector (AT_ENTRY, AT_PHDR, AT_PHNUM, AT_PHENT,
// AT_BASE, AT_PAGESZ), malloc, thread-local storage, a static constructor and tables
// of pointers that a position-independent program must relocate before main.
// Built several ways (toolchain/build.ts: glibc static and static-pie, musl
// static-pie, musl at 0x200000 and at 64 KiB); run by tests/integration/guest/loader.test.ts.
// Prints one "name: OK" or "name: FAILED" line per check, and a few facts.
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

extern char **environ;
extern const ElfW(Ehdr) __ehdr_start; // the ELF header, as loaded (GNU ld defines it)
extern char _start[];

static int failures;

static void check(const char *name, int ok) {
  printf("%s: %s\n", name, ok ? "OK" : "FAILED");
  if (!ok) failures++;
}

static int constructed;
__attribute__((constructor)) static void construct(void) { constructed = 0x5eed; }

static __thread int tls_counter = 42;
static __thread char tls_name[16] = "tls-initial";
static __thread long tls_zero[64];

static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return a * b; }

// Pointers in initialised data: a static PIE holds them as relative relocations.
static int (*const ops[])(int, int) = {add, sub, mul};
static const struct {
  const char *name;
  int (*fn)(int, int);
} named_ops[] = {{"add", add}, {"sub", sub}, {"mul", mul}};
static const char *const words[] = {"alpha", "beta", "gamma"};

int main(int argc, char **argv) {
  const char *want = getenv("LOADER_EXPECT_ARGS");
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  check("argc", want != NULL && argc == atoi(want));
  check("argv terminated", argv[argc] == NULL);
  check("argv[1]", argc > 1 && strcmp(argv[1], "first arg") == 0);
  check("environ", getenv("LOADER_VAR") != NULL && strcmp(getenv("LOADER_VAR"), "value=with=equals") == 0);
  check("environ follows argv", environ == argv + argc + 1);

  uintptr_t base = (uintptr_t)&__ehdr_start;
  printf("base=0x%lx\n", (unsigned long)base);
  printf("type=%s\n", __ehdr_start.e_type == ET_DYN ? "ET_DYN" : "ET_EXEC");
  check("ELF header in memory", memcmp(__ehdr_start.e_ident, ELFMAG, SELFMAG) == 0);
  check("AT_ENTRY", getauxval(AT_ENTRY) == (unsigned long)_start);
  check("AT_PHDR", getauxval(AT_PHDR) == base + __ehdr_start.e_phoff);
  check("AT_PHNUM", getauxval(AT_PHNUM) == __ehdr_start.e_phnum);
  check("AT_PHENT", getauxval(AT_PHENT) == sizeof(ElfW(Phdr)));
  check("AT_BASE", getauxval(AT_BASE) == 0); // no interpreter
  check("AT_PAGESZ", getauxval(AT_PAGESZ) == 4096);
  check("AT_RANDOM", getauxval(AT_RANDOM) != 0);
  // LOADER_BASE: the link address the test built in, or "pie" (the VMM picks one).
  const char *want_base = getenv("LOADER_BASE");
  if (want_base != NULL && strcmp(want_base, "pie") == 0)
    check("load address", __ehdr_start.e_type == ET_DYN && base != 0 && base % 4096 == 0);
  else
    check("load address", want_base != NULL && __ehdr_start.e_type == ET_EXEC && base == strtoul(want_base, NULL, 16));

  check("constructor", constructed == 0x5eed);
  int table_ok = ops[0](6, 3) == 9 && ops[1](6, 3) == 3 && ops[2](6, 3) == 18;
  for (int i = 0; i < 3; i++) table_ok &= named_ops[i].fn(7, 2) == ops[i](7, 2) && strlen(named_ops[i].name) == 3;
  check("function pointer table", table_ok);
  check("string pointer table", strcmp(words[0], "alpha") == 0 && strcmp(words[2], "gamma") == 0);

  check("TLS initial values", tls_counter == 42 && strcmp(tls_name, "tls-initial") == 0 && tls_zero[63] == 0);
  tls_counter++;
  tls_zero[10] = 7;
  check("TLS writes", tls_counter == 43 && tls_zero[10] == 7);

  char *small[64];
  int heap_ok = 1;
  for (int i = 0; i < 64; i++) {
    small[i] = malloc(16 + i * 8);
    if (!small[i]) heap_ok = 0;
    else memset(small[i], i, 16 + i * 8);
  }
  for (int i = 0; i < 64 && heap_ok; i++) heap_ok = small[i][15 + i * 8] == i;
  for (int i = 0; i < 64; i++) free(small[i]);
  size_t big_size = 8 << 20;
  unsigned char *big = malloc(big_size);
  if (big) {
    memset(big, 0xa5, big_size);
    heap_ok &= big[0] == 0xa5 && big[big_size - 1] == 0xa5;
    free(big);
  }
  check("malloc", heap_ok && big != NULL);

  printf("loader: %s\n", failures ? "FAILED" : "OK");
  return failures ? 1 : 0;
}
