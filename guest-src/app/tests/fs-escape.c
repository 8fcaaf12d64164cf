/* fs-escape -- the host share must not let the guest out of the shared directory.
 * Run with --share DIR where the host prepared: DIR/abs -> /etc (absolute link),
 * DIR/up -> ../.. (relative link that climbs out), DIR/swap (swapped between a real
 * directory and a link to an outside directory while this runs), and an outside
 * file named by argv[1] (relative to DIR, through ..). Prints name: OK/FAILED. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unikernel/abi.h>

static int failures;
static void report(const char *name, int ok) {
    printf("%s: %s\n", name, ok ? "OK" : "FAILED");
    if (!ok) failures++;
}

/* A refusal is an error that is a sandbox error or plain absence, never success. */
static int refused(int r) { return r < 0 && (errno == EXDEV || errno == EACCES || errno == ENOENT || errno == ELOOP); }

static int raw_open(const char *name, int flags) {
    struct uk_HcOpen hc = { .name = (uint64_t)(uintptr_t)name, .flags = flags, .mode = 0644, .ret = 1 };
    __asm__ volatile("outl %0, %w1" :: "a"((uint32_t)(uintptr_t)&hc), "Nd"((uint16_t)UK_PORT_OPEN) : "memory");
    return hc.ret;
}

int main(int argc, char **argv) {
    const char *outside = argc > 1 ? argv[1] : "../outside/secret";
    char path[512];
    struct stat st;

    snprintf(path, sizeof path, "/host/%s", outside);
    report("dotdot open", refused(open(path, O_RDONLY)));
    report("dotdot create", refused(open(path, O_WRONLY | O_CREAT, 0644)));
    report("dotdot stat", refused(stat(path, &st)));
    report("dotdot unlink", refused(unlink(path)));
    /* "/host/../.." is the guest's root, as on Linux: the directory is made in RAM. */
    report("dotdot mkdir", mkdir("/host/../../escape-dir", 0755) == 0 && stat("/escape-dir", &st) == 0);
    report("absolute symlink", refused(open("/host/abs/passwd", O_RDONLY)));
    report("absolute symlink stat", refused(stat("/host/abs/passwd", &st)));
    report("climbing symlink", refused(open("/host/up/etc/passwd", O_RDONLY)));
    report("rename out", refused(rename("/host/inside.txt", "/host/up/stolen")));
    /* The kernel forwards paths verbatim; the VMM must refuse these itself. */
    int h = raw_open("/etc/passwd", O_RDONLY);
    report("raw absolute path", h == -EXDEV || h == -EACCES);
    h = raw_open("../../../../etc/passwd", O_RDONLY);
    report("raw dotdot path", h == -EXDEV || h == -EACCES);
    h = raw_open((const char *)(uintptr_t)0x7ffffffff000ull, O_RDONLY);
    report("raw wild pointer", h == -EFAULT);
    h = raw_open("inside.txt", O_RDONLY);
    report("raw inside path", h >= 3);

    /* The host swaps DIR/swap between a directory and a link to the outside. */
    int iterations = argc > 2 ? atoi(argv[2]) : 2000, inside = 0, leaked = 0;
    for (int i = 0; i < iterations; i++) {
        int fd = open("/host/swap/data.txt", O_RDONLY);
        if (fd < 0) continue;
        char buf[32] = {0};
        if (read(fd, buf, sizeof buf - 1) > 0) {
            if (strncmp(buf, "inside", 6) == 0) inside++;
            else leaked++;
        }
        close(fd);
    }
    fprintf(stderr, "fs-escape: swap race: %d inside reads, %d leaked\n", inside, leaked);
    report("symlink swapped mid-call", leaked == 0 && inside > 0);
    return failures ? 1 : 0;
}
