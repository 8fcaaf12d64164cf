/* fs-many -- scale of the RAM file system: FILES files in one directory (created,
 * listed with readdir, stat'ed, removed), then DIRS directories with a file each.
 * Usage: fs-many [FILES [DIRS [BASE]]]   (defaults 100000, 10000, /many)
 * Prints "name: OK/FAILED" lines and timings in milliseconds. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void report(const char *name, int ok, double t0) {
    printf("%s: %s\n", name, ok ? "OK" : "FAILED");
    fprintf(stderr, "fs-many: %s %.0f ms\n", name, now_ms() - t0);
}

int main(int argc, char **argv) {
    long files = argc > 1 ? atol(argv[1]) : 100000;
    long dirs = argc > 2 ? atol(argv[2]) : 10000;
    const char *base = argc > 3 ? argv[3] : "/many";
    char path[512];
    int failures = 0, ok;
    double t0;

    if (mkdir(base, 0755) != 0) { printf("mkdir base: FAILED\n"); return 1; }

    t0 = now_ms(); ok = 1;
    for (long i = 0; i < files && ok; i++) {
        snprintf(path, sizeof path, "%s/file-%ld", base, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0 || (i % 100 == 0 && write(fd, path, strlen(path)) < 0) || close(fd) != 0) {
            fprintf(stderr, "create %s: %s\n", path, strerror(errno));
            ok = 0;
        }
    }
    report("create files", ok, t0); failures += !ok;

    t0 = now_ms();
    DIR *d = opendir(base);
    long seen = 0, bad = 0;
    struct dirent *e;
    char *mark = calloc(files, 1);
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        long n;
        if (sscanf(e->d_name, "file-%ld", &n) != 1 || n < 0 || n >= files || mark[n]) bad++;
        else mark[n] = 1;
        seen++;
    }
    if (d) closedir(d);
    report("list files", d && seen == files && bad == 0, t0); failures += !(d && seen == files && bad == 0);

    t0 = now_ms(); ok = 1;
    for (long i = 0; i < files; i += 97) {
        struct stat st;
        snprintf(path, sizeof path, "%s/file-%ld", base, i);
        if (stat(path, &st) != 0 || st.st_size != (i % 100 == 0 ? (off_t)strlen(path) : 0)) ok = 0;
    }
    report("stat files", ok, t0); failures += !ok;

    t0 = now_ms(); ok = 1;
    for (long i = 0; i < files; i++) {
        snprintf(path, sizeof path, "%s/file-%ld", base, i);
        if (unlink(path) != 0) ok = 0;
    }
    d = opendir(base);
    seen = 0;
    while (d && (e = readdir(d)) != NULL) if (e->d_name[0] != '.') seen++;
    if (d) closedir(d);
    report("remove files", ok && seen == 0, t0); failures += !(ok && seen == 0);

    t0 = now_ms(); ok = 1;
    for (long i = 0; i < dirs && ok; i++) {
        snprintf(path, sizeof path, "%s/dir-%ld", base, i);
        if (mkdir(path, 0755) != 0) ok = 0;
        snprintf(path, sizeof path, "%s/dir-%ld/f", base, i);
        int fd = open(path, O_WRONLY | O_CREAT, 0644);
        if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) != 0) ok = 0;
    }
    report("create directories", ok, t0); failures += !ok;

    t0 = now_ms(); ok = 1;
    for (long i = 0; i < dirs; i++) {
        snprintf(path, sizeof path, "%s/dir-%ld/f", base, i);
        if (unlink(path) != 0) ok = 0;
        snprintf(path, sizeof path, "%s/dir-%ld", base, i);
        if (rmdir(path) != 0) ok = 0;
    }
    ok = ok && rmdir(base) == 0;
    report("remove directories", ok, t0); failures += !ok;
    return failures ? 1 : 0;
}
