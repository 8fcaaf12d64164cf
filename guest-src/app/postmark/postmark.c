/*
 * postmark.c -- a PostMark-compatible file-system benchmark.
 *
 * WHAT POSTMARK IS
 *   PostMark (Jeffrey Katcher, Network Appliance, technical report TR-3022,
 *   versions 1.00 to 1.51, 1997-2001) measures how a file system copes with
 *   the workload of mail, news and web-commerce servers: a large pool of
 *   small, short-lived files that are constantly created, read, appended to
 *   and deleted.  This file is a re-implementation written from the
 *   published description of the benchmark and of its algorithm (phases,
 *   defaults, command language, pseudo-random generator and the order in
 *   which it is consulted).  It is not derived from the original source
 *   text; it only reproduces its behaviour, so that for the same parameters
 *   it performs the same operations, in the same order, on the same file
 *   names and sizes, and reports the same counts.
 *
 * PSEUDO-RANDOM NUMBERS
 *   MT19937 (Matsumoto and Nishimura) with its 1999 initialisation: every
 *   state word takes the top 16 bits of two successive steps of the linear
 *   congruence s = 69069 * s + 1.  RND(x) is genrand() % x for x > 0 and 0
 *   (without consuming a number) otherwise.  The generator is reseeded at
 *   the start of every run, so every decision, and therefore every count,
 *   depends only on the parameters, never on the file system or the clock.
 *
 * ALGORITHM OF ONE RUN ("run" command)
 *   0. Seed the generator.  Fill a source buffer of 2*HIGH bytes with
 *      printable characters (32 + RND(95) each); all writes copy from it.
 *      Allocate a table of 2*NUMBER file slots (size 0 = free slot).
 *      With more than one subdirectory, create s0 .. s<N-1> in every
 *      location.
 *   A. Creation: create NUMBER files.  Creating a file takes the next free
 *      slot (or, when the slot after the last allocated one is busy, the
 *      first free slot of the table), picks a location (RND(total weight),
 *      only when several locations are configured), a subdirectory
 *      (RND(subdirectories), only when there are more than one), names the
 *      file after the running count of created files, draws its size
 *      LOW + RND(HIGH - LOW) and writes it in WRITE-byte blocks followed by
 *      one remainder write (issued even when the remainder is 0).
 *   B. Transactions: TRANSACTIONS times, stop early ("out of files") if
 *      every created file has been deleted; otherwise
 *        - unless bias read is -1: RND(10) < BIAS_READ ? read : append,
 *          each on a used file found by redrawing RND(2*NUMBER) until the
 *          slot is in use.  A read reads the whole file in READ-byte blocks
 *          plus a remainder; an append (only if the file is smaller than
 *          HIGH) adds RND(HIGH - size) + 1 bytes;
 *        - unless bias create is -1: RND(10) < BIAS_CREATE ? create a file
 *          (as in A) : delete a used file (found as above).
 *   C. Deletion: delete every file still in the table, in slot order, then
 *      remove the subdirectories.
 *   Timing (clock_gettime(CLOCK_MONOTONIC)) covers A+B+C as "total" and B
 *   alone as "transactions"; the subdirectories are outside both.
 *
 * COMMAND LANGUAGE (PostMark's own; one command per line)
 *   set size LOW [HIGH]      file sizes, bytes             (500 10000)
 *   set number N             files in the initial pool     (500)
 *   set transactions N       transactions                  (500)
 *   set read N               read block size, bytes        (512)
 *   set write N              write block size, bytes       (512)
 *   set buffering true|false C stdio or raw read/write     (true)
 *   set bias read N          -1..10: chance in 10 of read over append (5)
 *   set bias create N        -1..10: chance in 10 of create over delete (5)
 *   set seed N               generator seed                (42)
 *   set subdirectories N     subdirectories per location, used when > 1 (0)
 *   set location PATH [W]    replace the location list with PATH, weight W
 *   set location +PATH [W]   add a location; -PATH removes one
 *                            (no location: the current directory)
 *   set report verbose|terse format of the human-readable report
 *   show [FILE]              print the configuration (appended to FILE)
 *   run [FILE]               run the benchmark (report appended to FILE)
 *   load FILE                execute the commands of FILE
 *   help [COMMAND]           list the commands ("?" is an alias)
 *   quit                     stop reading commands ("exit" is an alias)
 *   Blank lines and lines starting with '#' are ignored.  Unlike the
 *   original, which prints a complaint and carries on, an unknown command
 *   or an invalid value is an error that ends the program.
 *
 * INVOCATION
 *   postmark                     read commands from standard input
 *   postmark FILE                read commands from FILE (only)
 *   postmark -c CMD [-c CMD ...] execute the given commands
 *   Files and -c options may be mixed; they are executed left to right,
 *   e.g.  postmark -c "set number 100" -c "set location /tmp/pm" -c run
 *   "-" names standard input.  A "quit" anywhere stops everything.
 *
 * OUTPUT
 *   Progress lines and a report like the original's (seconds, transactions
 *   per second, files created/read/appended/deleted with rates, data read
 *   and written), then one machine-readable line:
 *     postmark-result files_created=N files_read=N files_appended=N
 *       files_deleted=N bytes_read=N bytes_written=N transactions=N
 *       seconds=F tps=F
 *   (printed on one line).  files_created includes the initial pool;
 *   transactions is the number performed (fewer than configured only after
 *   "out of files"); seconds is the total time (phases A to C); tps is
 *   transactions divided by the time of phase B.  Byte counts are exact
 *   64-bit integers (the original summed them in a float, whose printed
 *   megabytes may differ slightly for large runs).  Durations shorter than
 *   one microsecond count as one microsecond in rates (the original, which
 *   timed in whole seconds, counted 0 as 1 second).
 *
 * ERRORS
 *   A file that cannot be created, opened, read, written, closed or
 *   removed, a bad command or a bad value: one line on standard error,
 *   best-effort removal of the benchmark's files, and exit status 1 (I/O)
 *   or 2 (command language).
 *
 * Plain C99 + POSIX.1-2008; builds with gcc and musl-gcc -static.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define PM_VERSION   "1.51-compatible"
#define MAX_LINE     4096  /* longest command line accepted */
#define MAX_PATH     4096  /* longest file name built */
#define MAX_WORDS    8     /* words in one command line */
#define MAX_DEPTH    16    /* nesting of "load" */
#define KILOBYTE     1024.0
#define MEGABYTE     (1024.0 * 1024.0)
#define MIN_SECONDS  1e-6  /* floor for durations used as divisors */

#define EXIT_IO      1     /* a file operation failed */
#define EXIT_USAGE   2     /* bad command, value or option */

/* ------------------------------------------------------------------ */
/* MT19937 -- 1999 initialisation, 32-bit output on every data model   */
/* ------------------------------------------------------------------ */

#define MT_N 624
#define MT_M 397

static uint32_t mt_state[MT_N];
static int mt_pos = MT_N + 1;          /* MT_N + 1: never seeded */

/* mt_seed -- fill the state from a 69069 congruential sequence */
static void mt_seed(uint32_t s)
{
    int i;

    for (i = 0; i < MT_N; i++) {
        uint32_t high = s & 0xffff0000u;       /* top half of step 1 */
        s = 69069u * s + 1u;
        mt_state[i] = high | (s >> 16);        /* top half of step 2 */
        s = 69069u * s + 1u;
    }
    mt_pos = MT_N;
}

/* mt_next -- next tempered 32-bit output, regenerating the block as needed */
static uint32_t mt_next(void)
{
    uint32_t y;

    if (mt_pos >= MT_N) {
        int k;

        if (mt_pos == MT_N + 1)
            mt_seed(4357u);                    /* the classic default seed */
        for (k = 0; k < MT_N; k++) {
            y = (mt_state[k] & 0x80000000u) |
                (mt_state[(k + 1) % MT_N] & 0x7fffffffu);
            mt_state[k] = mt_state[(k + MT_M) % MT_N] ^ (y >> 1) ^
                          ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        mt_pos = 0;
    }
    y = mt_state[mt_pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* rnd -- PostMark's RND(x): a draw modulo x, or 0 without a draw if x <= 0 */
static int rnd(int x)
{
    return x > 0 ? (int)(mt_next() % (uint32_t)x) : 0;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

struct location {
    char *path;                        /* directory holding work files */
    int weight;                        /* share of the files it receives */
};

static int size_low = 500;             /* smallest initial file size */
static int size_high = 10000;          /* largest file size */
static int number = 500;               /* files in the initial pool */
static int transactions = 500;         /* transactions per run */
static int seed = 42;                  /* generator seed */
static int subdirs = 0;                /* subdirectories, used when > 1 */
static int read_block = 512;           /* read block size */
static int write_block = 512;          /* write block size */
static int bias_read = 5;              /* -1..10: read over append */
static int bias_create = 5;            /* -1..10: create over delete */
static int buffered = 1;               /* 1: stdio, 0: read/write */
static int terse = 0;                  /* 1: terse report */

static struct location *locs;          /* configured locations, in order */
static int nlocs;
static int total_weight;

/* ------------------------------------------------------------------ */
/* Run state                                                           */
/* ------------------------------------------------------------------ */

struct slot {
    int size;                          /* current size; 0 = free slot */
    int id;                            /* file number, i.e. its name */
    int loc;                           /* index into locs, -1 = cwd */
    int subdir;                        /* subdirectory, -1 = none */
};

static struct slot *table;             /* 2 * number slots */
static int table_len;
static int next_slot;                  /* slot after the last allocated */
static int first_hole;                 /* no slot below this one is free */
static char *source;                   /* 2 * size_high printable bytes */
static char *rbuf;                     /* read_block bytes */
static int *loc_index;                 /* weighted index: total_weight ints */
static int subdirs_made;               /* subdirectories to remove on error */

static long files_created, files_read, files_appended, files_deleted;
static unsigned long long bytes_read, bytes_written;

static int in_cleanup;

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static void slot_name(const struct slot *f, char *buf);
static void subdir_name(int loc, int i, char *buf);

/* cleanup -- best effort: remove whatever this run left behind */
static void cleanup(void)
{
    char name[MAX_PATH];
    int i, l;

    if (in_cleanup)
        return;
    in_cleanup = 1;
    if (table)
        for (i = 0; i < table_len; i++)
            if (table[i].size) {
                slot_name(&table[i], name);
                (void)unlink(name);
            }
    if (subdirs_made)
        for (l = 0; l < (nlocs ? nlocs : 1); l++)
            for (i = 0; i < subdirs; i++) {
                subdir_name(nlocs ? l : -1, i, name);
                (void)rmdir(name);
            }
}

/* die -- one line on stderr, clean up, exit with the given status */
static void die(int status, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("postmark: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    cleanup();
    exit(status);
}

static void *xalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p)
        die(EXIT_IO, "out of memory (%lu bytes)",
            (unsigned long)n * (unsigned long)size);
    return p;
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

static void fit(int n, const char *what)
{
    if (n < 0 || n >= MAX_PATH)
        die(EXIT_USAGE, "%s name too long", what);
}

/* subdir_name -- "<location>/s<i>" or "s<i>" in the current directory */
static void subdir_name(int loc, int i, char *buf)
{
    if (loc >= 0)
        fit(snprintf(buf, MAX_PATH, "%s/s%d", locs[loc].path, i), "directory");
    else
        fit(snprintf(buf, MAX_PATH, "s%d", i), "directory");
}

/* put_text -- append text at *at, keeping room for the final NUL */
static void put_text(char *buf, size_t *at, const char *text)
{
    size_t n = strlen(text);

    if (n >= MAX_PATH - *at)
        die(EXIT_USAGE, "file name too long");
    memcpy(buf + *at, text, n);
    *at += n;
}

/* put_number -- append a non-negative int in decimal */
static void put_number(char *buf, size_t *at, int value)
{
    char digits[16];
    char *d = digits + sizeof digits;
    unsigned v = (unsigned)value;

    *--d = '\0';
    do
        *--d = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    put_text(buf, at, d);
}

/*
 * slot_name -- "[<location>/][s<k>/]<id>". Built by hand rather than with
 * snprintf: it runs twice per transaction, and under emulation musl's printf
 * machinery cost more than the file operation the name was for (about 1.3 us
 * a call in the guest against 0.1 us natively). The original PostMark formats
 * each name once and keeps it in its file table; this keeps no copy.
 */
static void slot_name(const struct slot *f, char *buf)
{
    size_t at = 0;

    if (f->loc >= 0) {
        put_text(buf, &at, locs[f->loc].path);
        put_text(buf, &at, "/");
    }
    if (f->subdir >= 0) {
        put_text(buf, &at, "s");
        put_number(buf, &at, f->subdir);
        put_text(buf, &at, "/");
    }
    put_number(buf, &at, f->id);
    buf[at] = '\0';
}

/* ------------------------------------------------------------------ */
/* Block I/O                                                           */
/* ------------------------------------------------------------------ */

/* write_all -- write n bytes; n == 0 still issues one write(2) */
static void write_all(int fd, const char *p, size_t n, const char *name)
{
    do {
        ssize_t r = write(fd, p, n);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            die(EXIT_IO, "cannot write '%s': %s", name, strerror(errno));
        }
        if (r == 0 && n > 0)
            die(EXIT_IO, "cannot write '%s': no progress", name);
        p += r;
        n -= (size_t)r;
    } while (n > 0);
}

/* read_all -- read n bytes; n == 0 still issues one read(2) */
static void read_all(int fd, char *p, size_t n, const char *name)
{
    do {
        ssize_t r = read(fd, p, n);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            die(EXIT_IO, "cannot read '%s': %s", name, strerror(errno));
        }
        if (r == 0 && n > 0)
            die(EXIT_IO, "cannot read '%s': file shorter than expected", name);
        p += r;
        n -= (size_t)r;
    } while (n > 0);
}

/* open_stream -- fopen, buffered the way glibc would buffer it.
 *
 * glibc gives a stream a buffer of the file's st_blksize (4096 on tmpfs and ext4) and
 * moves transfers of a whole buffer or more straight between the caller and the
 * file. musl buffers every stream in 1024 bytes and always reads ahead into its
 * buffer. With the same PostMark work the guest build (musl) therefore made about
 * 40% more system calls than the native build (glibc) with the defaults (strace on
 * /dev/shm: 9,792 against 7,000, twice the writes and three times the reads), and
 * would copy every block through its buffer with large blocks. A comparison of file
 * systems should not be one of C libraries, so under another C library the stream
 * gets a 4096-byte buffer when the transfers (`block`) are smaller than that, and no
 * buffer when they are not. glibc keeps its own policy. */
static FILE *open_stream(const char *name, const char *mode, int block)
{
    FILE *fp = fopen(name, mode);
#ifndef __GLIBC__
    /* musl keeps 8 bytes of a buffer for ungetc: 4096 remain for data.
     * PostMark has one stream open at a time. */
    static char buffer[4096 + 8];
    int ok = 0;

    if (fp && block < 4096)
        ok = setvbuf(fp, buffer, _IOFBF, sizeof buffer);
    else if (fp)
        ok = setvbuf(fp, NULL, _IONBF, 0);
    if (ok != 0)
        die(EXIT_IO, "cannot set the stream buffer for '%s'", name);
#else
    (void)block;
#endif
    return fp;
}

/* put_data -- write size bytes of source in write_block pieces, then close */
static void put_data(int fd, FILE *fp, int size, const char *name)
{
    int left = size;
    int off = 0;

    for (; left >= write_block; left -= write_block, off += write_block) {
        if (fp) {
            if (fwrite(source + off, (size_t)write_block, 1, fp) != 1)
                die(EXIT_IO, "cannot write '%s': %s", name, strerror(errno));
        } else
            write_all(fd, source + off, (size_t)write_block, name);
    }
    if (fp) {                                  /* remainder */
        if (left > 0 && fwrite(source + off, (size_t)left, 1, fp) != 1)
            die(EXIT_IO, "cannot write '%s': %s", name, strerror(errno));
        if (fclose(fp) != 0)
            die(EXIT_IO, "cannot write '%s': %s", name, strerror(errno));
    } else {
        write_all(fd, source + off, (size_t)left, name);
        if (close(fd) != 0)
            die(EXIT_IO, "cannot close '%s': %s", name, strerror(errno));
    }
    bytes_written += (unsigned long long)size;
}

/* get_data -- read size bytes in read_block pieces, then close */
static void get_data(int fd, FILE *fp, int size, const char *name)
{
    int left = size;

    for (; left >= read_block; left -= read_block) {
        if (fp) {
            if (fread(rbuf, (size_t)read_block, 1, fp) != 1)
                die(EXIT_IO, "cannot read '%s': %s", name,
                    ferror(fp) ? strerror(errno) : "file shorter than expected");
        } else
            read_all(fd, rbuf, (size_t)read_block, name);
    }
    if (fp) {                                  /* remainder */
        if (left > 0 && fread(rbuf, (size_t)left, 1, fp) != 1)
            die(EXIT_IO, "cannot read '%s': %s", name,
                ferror(fp) ? strerror(errno) : "file shorter than expected");
        fclose(fp);
    } else {
        read_all(fd, rbuf, (size_t)left, name);
        close(fd);
    }
    bytes_read += (unsigned long long)size;
}

/* ------------------------------------------------------------------ */
/* File operations                                                     */
/* ------------------------------------------------------------------ */

/* free_slot -- the slot after the last allocated one, else the first hole */
static int free_slot(void)
{
    int i;

    if (next_slot < table_len && table[next_slot].size == 0)
        return next_slot++;
    /* The lowest free slot, found from a lower bound rather than from slot 0 (the
     * same slot either way: a scan from 0 cost about 110 guest blocks per
     * transaction, more than some of the file operations it was for). */
    for (i = first_hole; i < table_len; i++)
        if (table[i].size == 0) {
            next_slot = i + 1;
            first_hole = i + 1;
            return i;
        }
    first_hole = table_len;
    return -1;                         /* table full: nothing is created */
}

/* used_slot -- redraw RND(2*number) until it names a file in use */
static int used_slot(void)
{
    int i;

    do
        i = rnd(table_len);
    while (table[i].size == 0);
    return i;
}

static void create_file(void)
{
    char name[MAX_PATH];
    struct slot *f;
    int i = free_slot();

    if (i < 0)
        return;
    f = &table[i];
    f->loc = nlocs == 0 ? -1 : loc_index[nlocs == 1 ? 0 : rnd(total_weight)];
    f->subdir = subdirs > 1 ? rnd(subdirs) : -1;
    if (files_created == INT_MAX)
        die(EXIT_USAGE, "too many files for one run");
    f->id = (int)++files_created;
    f->size = size_low + rnd(size_high - size_low);
    slot_name(f, name);

    if (buffered) {
        FILE *fp = open_stream(name, "w", write_block);

        if (!fp)
            die(EXIT_IO, "cannot create '%s': %s", name, strerror(errno));
        put_data(-1, fp, f->size, name);
    } else {
        int fd = open(name, O_RDWR | O_CREAT, 0644);

        if (fd < 0)
            die(EXIT_IO, "cannot create '%s': %s", name, strerror(errno));
        put_data(fd, NULL, f->size, name);
    }
}

static void read_file(int i)
{
    char name[MAX_PATH];

    slot_name(&table[i], name);
    if (buffered) {
        FILE *fp = open_stream(name, "r", read_block);

        if (!fp)
            die(EXIT_IO, "cannot open '%s' for reading: %s", name,
                strerror(errno));
        get_data(-1, fp, table[i].size, name);
    } else {
        int fd = open(name, O_RDONLY);

        if (fd < 0)
            die(EXIT_IO, "cannot open '%s' for reading: %s", name,
                strerror(errno));
        get_data(fd, NULL, table[i].size, name);
    }
    files_read++;
}

static void append_file(int i)
{
    char name[MAX_PATH];
    FILE *fp = NULL;
    int fd = -1;
    int grow;

    if (table[i].size >= size_high)
        return;                        /* already full: no I/O, no draw */
    slot_name(&table[i], name);
    if (buffered)
        fp = open_stream(name, "a", write_block);
    else
        fd = open(name, O_RDWR | O_APPEND);
    if (!fp && fd < 0)
        die(EXIT_IO, "cannot open '%s' for append: %s", name, strerror(errno));
    grow = rnd(size_high - table[i].size) + 1;
    put_data(fd, fp, grow, name);
    table[i].size += grow;
    files_appended++;
}

static void delete_file(int i)
{
    char name[MAX_PATH];

    if (table[i].size == 0)
        return;
    slot_name(&table[i], name);
    if (unlink(name) != 0)
        die(EXIT_IO, "cannot delete '%s': %s", name, strerror(errno));
    table[i].size = 0;
    if (i < first_hole)
        first_hole = i;
    files_deleted++;
}

/* ------------------------------------------------------------------ */
/* The run                                                             */
/* ------------------------------------------------------------------ */

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double floor_secs(double s)
{
    return s < MIN_SECONDS ? MIN_SECONDS : s;
}

static void progress(const char *text)
{
    fputs(text, stdout);
    fflush(stdout);
}

/* run_transactions -- phase B; returns the number performed */
static int run_transactions(void)
{
    int tenth = transactions / 10;
    int i;

    for (i = 0; i < transactions; i++) {
        if (files_created == files_deleted) {
            printf("\nout of files! All files were deleted after %d of %d "
                   "transactions;\nuse more files or fewer transactions.\n",
                   i, transactions);
            break;
        }
        if (bias_read != -1) {
            if (rnd(10) < bias_read)
                read_file(used_slot());
            else
                append_file(used_slot());
        }
        if (bias_create != -1) {
            if (rnd(10) < bias_create)
                create_file();
            else
                delete_file(used_slot());
        }
        if (tenth > 0 && i % tenth == 0)
            progress(".");
    }
    return i;
}

/* scaled -- "1.23 megabytes" style text for a byte quantity */
static const char *scaled(double bytes, char *buf, size_t len)
{
    if (bytes >= MEGABYTE)
        snprintf(buf, len, "%.2f megabytes", bytes / MEGABYTE);
    else if (bytes >= KILOBYTE)
        snprintf(buf, len, "%.2f kilobytes", bytes / KILOBYTE);
    else
        snprintf(buf, len, "%.0f bytes", bytes);
    return buf;
}

struct times {
    double total;                      /* phases A to C */
    double create;                     /* phase A */
    double trans;                      /* phase B */
    double del;                        /* phase C */
};

static void verbose_report(FILE *out, const struct times *t, int done,
                           long deleted_alone)
{
    double total = floor_secs(t->total), trans = floor_secs(t->trans);
    long created_mixed = files_created - number;
    long deleted_mixed = files_deleted - deleted_alone;
    char a[64], b[64];

    fprintf(out, "Time:\n");
    fprintf(out, "\t%.2f seconds total\n", t->total);
    fprintf(out, "\t%.2f seconds of transactions (%.2f per second)\n",
            t->trans, done / trans);
    fprintf(out, "\nFiles:\n");
    fprintf(out, "\t%ld created (%.2f per second)\n", files_created,
            files_created / total);
    fprintf(out, "\t\tCreation alone: %d files (%.2f per second)\n", number,
            number / floor_secs(t->create));
    fprintf(out, "\t\tMixed with transactions: %ld files (%.2f per second)\n",
            created_mixed, created_mixed / trans);
    fprintf(out, "\t%ld read (%.2f per second)\n", files_read,
            files_read / trans);
    fprintf(out, "\t%ld appended (%.2f per second)\n", files_appended,
            files_appended / trans);
    fprintf(out, "\t%ld deleted (%.2f per second)\n", files_deleted,
            files_deleted / total);
    fprintf(out, "\t\tDeletion alone: %ld files (%.2f per second)\n",
            deleted_alone, deleted_alone / floor_secs(t->del));
    fprintf(out, "\t\tMixed with transactions: %ld files (%.2f per second)\n",
            deleted_mixed, deleted_mixed / trans);
    fprintf(out, "\nData:\n");
    fprintf(out, "\t%s read ", scaled((double)bytes_read, a, sizeof a));
    fprintf(out, "(%s per second)\n",
            scaled((double)bytes_read / total, b, sizeof b));
    fprintf(out, "\t%s written ", scaled((double)bytes_written, a, sizeof a));
    fprintf(out, "(%s per second)\n",
            scaled((double)bytes_written / total, b, sizeof b));
}

/* terse_report -- the original's one-line layout, as rates */
static void terse_report(FILE *out, const struct times *t, int done,
                         long deleted_alone)
{
    double total = floor_secs(t->total), trans = floor_secs(t->trans);

    fprintf(out, "%.2f %.2f %.2f ", t->total, t->trans, done / trans);
    fprintf(out, "%.2f %.2f %.2f ", files_created / total,
            number / floor_secs(t->create), (files_created - number) / trans);
    fprintf(out, "%.2f %.2f ", files_read / trans, files_appended / trans);
    fprintf(out, "%.2f %.2f %.2f ", files_deleted / total,
            deleted_alone / floor_secs(t->del),
            (files_deleted - deleted_alone) / trans);
    fprintf(out, "%.2f %.2f\n", (double)bytes_read / total,
            (double)bytes_written / total);
}

static void make_subdirs(void)
{
    char name[MAX_PATH];
    int l, i;

    subdirs_made = 1;
    for (l = 0; l < (nlocs ? nlocs : 1); l++)
        for (i = 0; i < subdirs; i++) {
            subdir_name(nlocs ? l : -1, i, name);
            if (mkdir(name, 0700) != 0 && errno != EEXIST)
                die(EXIT_IO, "cannot create directory '%s': %s", name,
                    strerror(errno));
        }
}

static void remove_subdirs(void)
{
    char name[MAX_PATH];
    int l, i;

    for (l = 0; l < (nlocs ? nlocs : 1); l++)
        for (i = 0; i < subdirs; i++) {
            subdir_name(nlocs ? l : -1, i, name);
            if (rmdir(name) != 0)
                die(EXIT_IO, "cannot remove directory '%s': %s", name,
                    strerror(errno));
        }
    subdirs_made = 0;
}

static FILE *open_output(const char *file)
{
    FILE *out;

    if (!file)
        return stdout;
    out = fopen(file, "a");
    if (!out)
        die(EXIT_IO, "cannot append to '%s': %s", file, strerror(errno));
    return out;
}

static void close_output(FILE *out, const char *file)
{
    if (out != stdout && fclose(out) != 0)
        die(EXIT_IO, "cannot write '%s': %s", file, strerror(errno));
}

static void cmd_run(const char *file)
{
    struct times t;
    double t0, t1, t2, t3;
    long deleted_before;
    int i, l, w, done;
    FILE *out;

    files_created = files_read = files_appended = files_deleted = 0;
    bytes_read = bytes_written = 0;
    mt_seed((uint32_t)seed);

    source = xalloc((size_t)size_high * 2, 1);
    for (i = 0; i < size_high * 2; i++)
        source[i] = (char)(32 + rnd(95));
    rbuf = xalloc((size_t)read_block, 1);
    table_len = number * 2;
    table = xalloc((size_t)table_len, sizeof *table);
    next_slot = 0;
    first_hole = 0;
    if (nlocs > 0) {
        loc_index = xalloc((size_t)total_weight, sizeof *loc_index);
        for (l = 0, i = 0; l < nlocs; l++)
            for (w = 0; w < locs[l].weight; w++)
                loc_index[i++] = l;
    }
    if (subdirs > 1) {
        progress("Creating subdirectories...");
        make_subdirs();
        progress("Done\n");
    }

    t0 = now();
    progress("Creating files...");
    for (i = 0; i < number; i++)
        create_file();
    progress("Done\n");

    progress("Performing transactions");
    t1 = now();
    done = run_transactions();
    t2 = now();
    if (done == transactions)
        progress("Done\n");

    progress("Deleting files...");
    deleted_before = files_deleted;
    for (i = 0; i < table_len; i++)
        delete_file(i);
    progress("Done\n");
    t3 = now();

    if (subdirs > 1) {
        progress("Deleting subdirectories...");
        remove_subdirs();
        progress("Done\n");
    }

    t.total = t3 - t0;
    t.create = t1 - t0;
    t.trans = t2 - t1;
    t.del = t3 - t2;
    out = open_output(file);
    if (terse)
        terse_report(out, &t, done, files_deleted - deleted_before);
    else
        verbose_report(out, &t, done, files_deleted - deleted_before);
    close_output(out, file);
    printf("postmark-result files_created=%ld files_read=%ld "
           "files_appended=%ld files_deleted=%ld bytes_read=%llu "
           "bytes_written=%llu transactions=%d seconds=%.6f tps=%.2f\n",
           files_created, files_read, files_appended, files_deleted,
           bytes_read, bytes_written, done, t.total,
           done / floor_secs(t.trans));
    fflush(stdout);

    free(table);
    table = NULL;
    free(source);
    source = NULL;
    free(rbuf);
    rbuf = NULL;
    free(loc_index);
    loc_index = NULL;
}

/* ------------------------------------------------------------------ */
/* Command language                                                    */
/* ------------------------------------------------------------------ */

static const char *where;              /* "file:line" for error messages */

static void bad(const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    die(EXIT_USAGE, "%s: %s", where, msg);
}

/* int_arg -- a decimal integer in [lo, hi], or a fatal "bad value" */
static int int_arg(const char *s, long lo, long hi, const char *what)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < lo || v > hi)
        bad("invalid %s '%s' (expected an integer from %ld to %ld)", what, s,
            lo, hi);
    return (int)v;
}

static void nargs(int argc, int lo, int hi, const char *cmd)
{
    if (argc < lo || argc > hi)
        bad("wrong number of arguments for '%s'", cmd);
}

static void show(const char *file)
{
    char a[64], b[64], cwd[MAX_PATH];
    FILE *out = open_output(file);
    int l;

    fprintf(out, "Configuration:\n");
    fprintf(out, "\tfiles in the initial pool: %d\n", number);
    fprintf(out, "\ttransactions: %d\n", transactions);
    if (size_low != size_high)
        fprintf(out, "\tfile sizes: %s to %s\n",
                scaled(size_low, a, sizeof a), scaled(size_high, b, sizeof b));
    else
        fprintf(out, "\tfile size: %s\n", scaled(size_low, a, sizeof a));
    if (nlocs == 0)
        fprintf(out, "\tlocation: %s (current directory)\n",
                getcwd(cwd, sizeof cwd) ? cwd : "(unknown)");
    for (l = 0; l < nlocs; l++)
        fprintf(out, "\tlocation: %s (weight %d)\n", locs[l].path,
                locs[l].weight);
    fprintf(out, "\tsubdirectories: %d%s\n", subdirs,
            subdirs > 1 ? "" : " (not used)");
    fprintf(out, "\tblock sizes: read %s, write %s\n",
            scaled(read_block, a, sizeof a), scaled(write_block, b, sizeof b));
    fprintf(out, "\tbiases: read over append %d, create over delete %d\n",
            bias_read, bias_create);
    fprintf(out, "\tI/O: %s\n", buffered ? "buffered (stdio)"
                                          : "unbuffered (read/write)");
    fprintf(out, "\tseed: %d\n", seed);
    fprintf(out, "\treport: %s\n", terse ? "terse" : "verbose");
    close_output(out, file);
}

static void set_location(int argc, char **argv)
{
    const char *path = argv[0];
    int weight = 1, l;
    char op = 0;

    nargs(argc, 1, 2, "set location");
    if (*path == '+' || *path == '-')
        op = *path++;
    if (*path == '\0')
        bad("no directory name given");
    if (strlen(path) > MAX_PATH - 64)
        bad("directory name too long");
    if (op == '-') {
        nargs(argc, 1, 1, "set location -");
        for (l = 0; l < nlocs && strcmp(locs[l].path, path) != 0; l++)
            ;
        if (l == nlocs)
            bad("cannot find location '%s'", path);
        total_weight -= locs[l].weight;
        free(locs[l].path);
        memmove(&locs[l], &locs[l + 1], (size_t)(nlocs - l - 1) * sizeof *locs);
        nlocs--;
        return;
    }
    if (argc == 2)
        weight = int_arg(argv[1], 1, 1000000, "location weight");
    if (op != '+') {                   /* replace the whole list */
        for (l = 0; l < nlocs; l++)
            free(locs[l].path);
        nlocs = 0;
        total_weight = 0;
    }
    if (total_weight > INT_MAX - weight)
        bad("location weights too large");
    locs = realloc(locs, (size_t)(nlocs + 1) * sizeof *locs);
    if (!locs)
        die(EXIT_IO, "out of memory");
    locs[nlocs].path = xalloc(strlen(path) + 1, 1);
    strcpy(locs[nlocs].path, path);
    locs[nlocs].weight = weight;
    nlocs++;
    total_weight += weight;
}

static void cmd_set(int argc, char **argv)
{
    const char *what;

    if (argc < 2)
        bad("'set' needs a parameter and a value (try 'help')");
    what = argv[0];
    if (!strcmp(what, "size")) {
        nargs(argc - 1, 1, 2, "set size");
        size_low = int_arg(argv[1], 1, INT_MAX / 2, "file size");
        size_high = argc == 3 ? int_arg(argv[2], size_low, INT_MAX / 2,
                                        "high file size")
                              : size_low;
    } else if (!strcmp(what, "number")) {
        nargs(argc - 1, 1, 1, "set number");
        number = int_arg(argv[1], 1, INT_MAX / 2, "number of files");
    } else if (!strcmp(what, "transactions")) {
        nargs(argc - 1, 1, 1, "set transactions");
        transactions = int_arg(argv[1], 1, INT_MAX, "number of transactions");
    } else if (!strcmp(what, "seed")) {
        nargs(argc - 1, 1, 1, "set seed");
        seed = int_arg(argv[1], 1, INT_MAX, "seed");
    } else if (!strcmp(what, "subdirectories")) {
        nargs(argc - 1, 1, 1, "set subdirectories");
        subdirs = int_arg(argv[1], 0, 1000000, "number of subdirectories");
    } else if (!strcmp(what, "read")) {
        nargs(argc - 1, 1, 1, "set read");
        read_block = int_arg(argv[1], 1, INT_MAX, "read block size");
    } else if (!strcmp(what, "write")) {
        nargs(argc - 1, 1, 1, "set write");
        write_block = int_arg(argv[1], 1, INT_MAX, "write block size");
    } else if (!strcmp(what, "buffering")) {
        nargs(argc - 1, 1, 1, "set buffering");
        if (strcmp(argv[1], "true") && strcmp(argv[1], "false"))
            bad("invalid buffering mode '%s' (expected true or false)",
                argv[1]);
        buffered = !strcmp(argv[1], "true");
    } else if (!strcmp(what, "report")) {
        nargs(argc - 1, 1, 1, "set report");
        if (strcmp(argv[1], "verbose") && strcmp(argv[1], "terse"))
            bad("invalid report format '%s' (expected verbose or terse)",
                argv[1]);
        terse = !strcmp(argv[1], "terse");
    } else if (!strcmp(what, "bias")) {
        if (argc != 3 || (strcmp(argv[1], "read") && strcmp(argv[1], "create")))
            bad("usage: set bias read|create N");
        if (!strcmp(argv[1], "read"))
            bias_read = int_arg(argv[2], -1, 10, "read bias");
        else
            bias_create = int_arg(argv[2], -1, 10, "create bias");
    } else if (!strcmp(what, "location")) {
        set_location(argc - 1, argv + 1);
    } else
        bad("unknown parameter 'set %s'", what);
}

static const char *const help_text[] = {
    "set size LOW [HIGH] - smallest and largest file size in bytes",
    "set number N - files in the initial pool",
    "set seed N - seed of the random number generator",
    "set transactions N - transactions per run",
    "set location [+|-]PATH [WEIGHT] - directory (or directories) to work in",
    "set subdirectories N - subdirectories per location (used when > 1)",
    "set read N - block size of reads in bytes",
    "set write N - block size of writes in bytes",
    "set buffering true|false - stdio streams (true) or plain read/write",
    "set bias read N - chance in 10 that a transaction reads, -1 = never",
    "set bias create N - chance in 10 that a transaction creates, -1 = never",
    "set report verbose|terse - layout of the report",
    "run [FILE] - run the benchmark once (report appended to FILE)",
    "load FILE - execute the commands in FILE",
    "show [FILE] - print the configuration (appended to FILE)",
    "help [COMMAND] - list the commands",
    "quit - stop",
    NULL
};

static void help(const char *topic)
{
    size_t len = topic ? strlen(topic) : 0;
    int i, n = 0;

    for (i = 0; topic && help_text[i]; i++)
        if (!strncmp(help_text[i], topic, len)) {
            puts(help_text[i]);
            n++;
        }
    for (i = 0; !n && help_text[i]; i++)
        puts(help_text[i]);
}

static int run_source(FILE *in, const char *name, int depth);

static int load(const char *file, int depth)
{
    FILE *in;
    int go;

    if (depth >= MAX_DEPTH)
        bad("'load' nested too deeply");
    if (!strcmp(file, "-"))
        return run_source(stdin, "<stdin>", depth + 1);
    in = fopen(file, "r");
    if (!in)
        bad("cannot read configuration file '%s': %s", file, strerror(errno));
    printf("Reading configuration from file '%s'\n", file);
    go = run_source(in, file, depth + 1);
    fclose(in);
    return go;
}

/* execute -- one command line; returns 0 on quit, 1 to continue */
static int execute(char *line, int depth)
{
    char *argv[MAX_WORDS + 1];
    int argc = 0;
    char *p = line;

    for (;;) {                         /* split into words */
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            *p++ = '\0';
        if (*p == '\0')
            break;
        if (argc == MAX_WORDS)
            bad("too many words in command");
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            p++;
    }
    argv[argc] = NULL;
    if (argc == 0 || argv[0][0] == '#')
        return 1;

    if (!strcmp(argv[0], "set"))
        cmd_set(argc - 1, argv + 1);
    else if (!strcmp(argv[0], "run")) {
        nargs(argc - 1, 0, 1, "run");
        cmd_run(argv[1]);
    } else if (!strcmp(argv[0], "show")) {
        nargs(argc - 1, 0, 1, "show");
        show(argv[1]);
    } else if (!strcmp(argv[0], "load")) {
        nargs(argc - 1, 1, 1, "load");
        return load(argv[1], depth);
    } else if (!strcmp(argv[0], "help") || !strcmp(argv[0], "?"))
        help(argc > 1 ? argv[1] : NULL);
    else if (!strcmp(argv[0], "quit") || !strcmp(argv[0], "exit")) {
        nargs(argc - 1, 0, 0, argv[0]);
        return 0;
    } else
        bad("unknown command '%s' (try 'help')", argv[0]);
    return 1;
}

/* run_source -- execute every line of in; returns 0 if a quit was seen */
static int run_source(FILE *in, const char *name, int depth)
{
    char line[MAX_LINE + 2];
    char here[MAX_PATH + 32];
    const char *saved = where;
    int prompt = in == stdin && isatty(0) && isatty(1);
    long lineno = 0;
    int go = 1;

    for (;;) {
        size_t len;

        if (prompt) {
            fputs("pm>", stdout);
            fflush(stdout);
        }
        if (!fgets(line, sizeof line, in))
            break;
        lineno++;
        snprintf(here, sizeof here, "%s:%ld", name, lineno);
        where = here;
        len = strlen(line);
        if (len > MAX_LINE && line[len - 1] != '\n')
            bad("line too long");
        go = execute(line, depth);
        where = saved;
        if (!go)
            break;
    }
    if (ferror(in))
        die(EXIT_IO, "cannot read commands from %s", name);
    return go;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: postmark [CONFIG_FILE | -c COMMAND]...\n"
            "  With no argument, commands are read from standard input.\n"
            "  Files and -c commands run left to right; '-' is stdin.\n"
            "  Example: postmark -c 'set number 100' -c 'set location /tmp' "
            "-c run\n"
            "  Type 'help' for the command language.\n");
}

int main(int argc, char **argv)
{
    int i;

    printf("PostMark %s\n", PM_VERSION);
    where = "<stdin>";
    if (argc < 2)
    {
        run_source(stdin, "<stdin>", 0);
        return 0;
    }

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c")) {
            if (++i == argc) {
                where = "-c";
                bad("option -c needs a command");
            }
            where = "-c";
            if (strlen(argv[i]) > MAX_LINE)
                bad("command too long");
            if (!execute(argv[i], 0))
                return 0;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fflush(stdout);
            fprintf(stderr, "postmark: unknown option '%s'\n", argv[i]);
            return EXIT_USAGE;
        } else {
            where = argv[i];
            if (!load(argv[i], 0))
                return 0;
        }
    }
    return 0;
}
