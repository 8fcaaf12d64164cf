// The sector service's exchange written in C, as a reference for bench:sector.
//
// Same shape as bin/service and bin/client: one server thread in its own process,
// P client processes of T threads, every thread with one request outstanding,
// requests and replies (512 bytes of data) in shared memory, each client thread
// sleeping on its own futex word until the server wakes it, the server sleeping on
// a doorbell only when it has nothing to do and reading the image with O_DIRECT
// through Linux AIO (all new requests of a pass in one io_submit). What it leaves
// out is everything else: JavaScript, the ring's indices and checks, the cache, the
// reply files. So its rate is what this machine's kernel and disk allow for this
// pattern; the project's service is measured against it.
//
//   usage: sector-pattern PROCESSES THREADS SECONDS [IMAGE]
//   prints reads_per_s=N (without IMAGE every reply comes from memory)
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64 // the service's limit too (one ring slot per outstanding request)
#define SECTOR 512

struct slot {
  _Atomic unsigned posted;   // bumped by the client thread for each request
  _Atomic unsigned answered; // set to `posted` by the server with the reply; the futex word
  _Atomic int sleeping;      // the client thread is (about to be) asleep on `answered`
  unsigned long sector;
  unsigned long reads; // completed reads, written by the owner only
  char pad[64 - 4 * 3 - 8 * 2];
  char data[SECTOR];
} __attribute__((aligned(64)));

struct shared {
  _Atomic unsigned bell;        // the server's doorbell (futex word)
  _Atomic int server_sleeping;  // set before the server's final look and sleep
  _Atomic int stop;
  char pad[64 - 4 * 3];
  struct slot slots[MAX_THREADS];
};

static struct shared *sh;
static int nslots;
static unsigned long nsectors;

static long futex(_Atomic unsigned *word, int op, unsigned val, const struct timespec *timeout) {
  return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

// ---- client --------------------------------------------------------------------

// One client thread: post, ring the server if it sleeps, sleep until answered.
static void *client_thread(void *arg) {
  struct slot *s = arg;
  unsigned x = (unsigned)(getpid() * 2654435761u) ^ (unsigned)(s - sh->slots) * 40503u ^ 1u;
  while (!atomic_load(&sh->stop)) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    s->sector = x % nsectors;
    unsigned n = atomic_load(&s->posted) + 1;
    atomic_store(&s->posted, n);
    if (atomic_load(&sh->server_sleeping) && atomic_exchange(&sh->server_sleeping, 0)) {
      atomic_fetch_add(&sh->bell, 1);
      futex(&sh->bell, FUTEX_WAKE, 1, NULL);
    }
    struct timespec tick = {0, 10 * 1000 * 1000}; // so a thread posting as the run stops gets out
    while (atomic_load(&s->answered) != n) {
      if (atomic_load(&sh->stop)) return NULL;
      atomic_store(&s->sleeping, 1);
      if (atomic_load(&s->answered) != n) futex(&s->answered, FUTEX_WAIT, n - 1, &tick);
      atomic_store(&s->sleeping, 0);
    }
    s->reads++;
  }
  return NULL;
}

static void client_process(int first, int threads) {
  pthread_t tid[MAX_THREADS];
  for (int t = 0; t < threads; t++) pthread_create(&tid[t], NULL, client_thread, &sh->slots[first + t]);
  for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
}

// ---- server --------------------------------------------------------------------

static void answer(struct slot *s, unsigned n, const char *data) {
  memcpy(s->data, data, SECTOR);
  atomic_store(&s->answered, n);
  if (atomic_load(&s->sleeping)) futex(&s->answered, FUTEX_WAKE, 1, NULL);
}

static int anything_posted(const unsigned *taken) {
  for (int i = 0; i < nslots; i++)
    if (atomic_load(&sh->slots[i].posted) != taken[i]) return 1;
  return 0;
}

static void sleep_on_bell(const unsigned *taken) {
  unsigned seen = atomic_load(&sh->bell);
  atomic_store(&sh->server_sleeping, 1);
  if (!anything_posted(taken)) { // the final look, after announcing the sleep
    struct timespec tick = {0, 10 * 1000 * 1000};
    futex(&sh->bell, FUTEX_WAIT, seen, &tick);
  }
  atomic_store(&sh->server_sleeping, 0);
}

static void server_process(const char *image) {
  unsigned taken[MAX_THREADS] = {0};
  static char memory_reply[SECTOR];
  int fd = -1;
  aio_context_t ctx = 0;
  char *pages = NULL;
  if (image) {
    fd = open(image, O_RDONLY | O_DIRECT);
    if (fd < 0 || syscall(SYS_io_setup, MAX_THREADS, &ctx) < 0 || posix_memalign((void **)&pages, 4096, MAX_THREADS * 4096)) {
      perror("sector-pattern: server");
      _exit(1);
    }
  }
  struct iocb cbs[MAX_THREADS], *batch[MAX_THREADS];
  struct io_event events[MAX_THREADS];
  int in_flight = 0;
  while (!atomic_load(&sh->stop)) {
    int k = 0, found = 0;
    for (int i = 0; i < nslots; i++) {
      struct slot *s = &sh->slots[i];
      unsigned n = atomic_load(&s->posted);
      if (n == taken[i]) continue;
      taken[i] = n;
      found++;
      if (!image) {
        answer(s, n, memory_reply);
        continue;
      }
      memset(&cbs[k], 0, sizeof cbs[k]);
      cbs[k].aio_data = (unsigned long)i;
      cbs[k].aio_lio_opcode = IOCB_CMD_PREAD;
      cbs[k].aio_fildes = (unsigned)fd;
      cbs[k].aio_buf = (unsigned long)(pages + i * 4096);
      cbs[k].aio_nbytes = SECTOR;
      cbs[k].aio_offset = (long long)(s->sector * SECTOR);
      batch[k] = &cbs[k];
      k++;
    }
    if (k > 0 && syscall(SYS_io_submit, ctx, k, batch) == k) in_flight += k;
    if (in_flight > 0) {
      struct timespec tick = {0, 1000 * 1000};
      long got = syscall(SYS_io_getevents, ctx, 1, MAX_THREADS, events, &tick);
      for (long j = 0; j < got; j++) {
        int i = (int)events[j].data;
        answer(&sh->slots[i], taken[i], pages + i * 4096);
      }
      if (got > 0) in_flight -= (int)got;
    } else if (found == 0) {
      sleep_on_bell(taken);
    }
  }
  // Let every client thread go at once: each finds `stop` set.
  for (int i = 0; i < nslots; i++) futex(&sh->slots[i].answered, FUTEX_WAKE, 1, NULL);
}

// ---- main ----------------------------------------------------------------------

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static unsigned long total_reads(void) {
  unsigned long sum = 0;
  for (int i = 0; i < nslots; i++) sum += ((volatile struct slot *)&sh->slots[i])->reads;
  return sum;
}

static pid_t spawn(void (*body)(void)) {
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); // never outlive the benchmark
    body();
    _exit(0);
  }
  return pid;
}

static const char *image_path;
static int next_first, per_process;
static void run_server(void) { server_process(image_path); }
static void run_client(void) { client_process(next_first, per_process); }

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: sector-pattern PROCESSES THREADS SECONDS [IMAGE]\n");
    return 2;
  }
  int processes = atoi(argv[1]);
  per_process = atoi(argv[2]);
  double seconds = atof(argv[3]);
  image_path = argc == 5 ? argv[4] : NULL;
  if (processes < 1 || per_process < 1 || processes * per_process > MAX_THREADS || !(seconds > 0)) {
    fprintf(stderr, "sector-pattern: need 1 <= PROCESSES x THREADS <= %d and SECONDS > 0\n", MAX_THREADS);
    return 2;
  }
  nsectors = 1;
  if (image_path) {
    struct stat st;
    if (stat(image_path, &st) != 0 || st.st_size < SECTOR) {
      fprintf(stderr, "sector-pattern: cannot use image %s\n", image_path);
      return 2;
    }
    nsectors = (unsigned long)st.st_size / SECTOR;
  }
  nslots = processes * per_process;
  sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) {
    perror("sector-pattern: mmap");
    return 1;
  }
  pid_t server = spawn(run_server);
  for (int p = 0; p < processes; p++, next_first += per_process) spawn(run_client);
  // Count from a quarter second in, once every process runs, to the end.
  usleep(250 * 1000);
  unsigned long r0 = total_reads();
  double t0 = now();
  usleep((useconds_t)(seconds * 1e6));
  unsigned long r1 = total_reads();
  double t1 = now();
  atomic_store(&sh->stop, 1);
  int status = 0;
  waitpid(server, &status, 0);
  while (wait(NULL) > 0) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1; // the server said why
  printf("reads_per_s=%.0f\n", (double)(r1 - r0) / (t1 - t0));
  return 0;
}
