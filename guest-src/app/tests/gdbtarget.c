/* A program for the gdb tests (tests/integration/vmm/gdb.test.ts), built with -g -O0
 * (toolchain/build.ts): a function with a local and a return value, a global the
 * tests watch and change, a system call to step into, threads for `info threads`,
 * and a loop to interrupt. The first argument picks what it does. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int counter = 0;
int answer = 42;
volatile int spinning = 1;

int add_up(int n) {
  int total = 0;
  for (int i = 1; i <= n; i++) total += i;
  counter += 1;
  return total;
}

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) counter += 1;
  return NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "basic";
  if (strcmp(mode, "threads") == 0) {
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    printf("counter %d\n", counter);
    return 0;
  }
  if (strcmp(mode, "spin") == 0) {
    while (spinning) counter++;
    printf("spun\n");
    return 0;
  }
  int sum = add_up(10);
  getpid();
  printf("answer %d sum %d counter %d\n", answer, sum, counter);
  return 3;
}
