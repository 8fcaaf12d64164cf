/* fs-posix -- POSIX file behaviour, run inside the guest on a base directory
 * (argv[1]: "/" for the RAM file system, "/host" for the host share; default "/").
 * Prints one "name: OK" or "name: FAILED" line per check (tests/files/ reads
 * them); a failed check also prints why on stderr. Each test works in its own
 * subdirectory of BASE/fsposix and leaves nothing behind. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static char root[512];
static int on_host;
static int failures;

static char *P(const char *rel) {
    static char bufs[8][1024];
    static int next;
    char *b = bufs[next++ & 7];
    snprintf(b, sizeof bufs[0], "%s/%s", root, rel);
    return b;
}

static int ok;
static const char *current;
#define CHECK(cond) do { if (!(cond)) { ok = 0; fprintf(stderr, "%s: line %d: %s (errno %d %s)\n", current, __LINE__, #cond, errno, strerror(errno)); } } while (0)
#define ERR(call, e) do { errno = 0; long r_ = (long)(call); CHECK(r_ == -1 && errno == (e)); } while (0)

static void write_file(const char *path, const char *data) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
    CHECK(close(fd) == 0);
}

static int read_file(const char *path, char *buf, size_t cap) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    int n = read(fd, buf, cap - 1);
    close(fd);
    if (n >= 0) buf[n] = 0;
    return n;
}

static void t_create_read(void) {
    char buf[64];
    write_file(P("a"), "hello world");
    CHECK(read_file(P("a"), buf, sizeof buf) == 11);
    CHECK(strcmp(buf, "hello world") == 0);
    struct stat st;
    CHECK(stat(P("a"), &st) == 0);
    CHECK(S_ISREG(st.st_mode) && st.st_size == 11);
    CHECK(unlink(P("a")) == 0);
    ERR(stat(P("a"), &st), ENOENT);
}

static void t_seek(void) {
    int fd = open(P("s"), O_RDWR | O_CREAT, 0644);
    CHECK(write(fd, "0123456789", 10) == 10);
    CHECK(lseek(fd, 0, SEEK_CUR) == 10);
    CHECK(lseek(fd, 3, SEEK_SET) == 3);
    char c[4] = {0};
    CHECK(read(fd, c, 3) == 3 && memcmp(c, "345", 3) == 0);
    CHECK(lseek(fd, -2, SEEK_END) == 8);
    CHECK(read(fd, c, 3) == 2 && memcmp(c, "89", 2) == 0);
    CHECK(read(fd, c, 3) == 0);
    CHECK(lseek(fd, 2, SEEK_CUR) == 12);
    ERR(lseek(fd, -100, SEEK_SET), EINVAL);
    ERR(lseek(fd, 0, 99), EINVAL);
    CHECK(pwrite(fd, "AB", 2, 1) == 2);
    CHECK(pread(fd, c, 4, 0) == 4 && memcmp(c, "0AB3", 4) == 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 12);   /* pread/pwrite leave the offset */
    close(fd);
    unlink(P("s"));
}

static void t_append(void) {
    write_file(P("ap"), "abc");
    int fd = open(P("ap"), O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(write(fd, "def", 3) == 3);
    CHECK(fcntl(fd, F_GETFL) & O_APPEND);
    close(fd);
    char buf[16];
    CHECK(read_file(P("ap"), buf, sizeof buf) == 6 && strcmp(buf, "abcdef") == 0);
    unlink(P("ap"));
}

static void t_sparse(void) {
    int fd = open(P("sp"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(lseek(fd, 1 << 20, SEEK_SET) == 1 << 20);
    CHECK(write(fd, "x", 1) == 1);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == (1 << 20) + 1);
    static char buf[70000];
    memset(buf, 'q', sizeof buf);
    CHECK(pread(fd, buf, sizeof buf, 5000) == sizeof buf);
    int zero = 1;
    for (size_t i = 0; i < sizeof buf; i++) if (buf[i]) zero = 0;
    CHECK(zero);
    CHECK(pread(fd, buf, 10, 1 << 20) == 1 && buf[0] == 'x');
    close(fd);
    unlink(P("sp"));
}

static void t_truncate(void) {
    write_file(P("tr"), "0123456789");
    CHECK(truncate(P("tr"), 4) == 0);
    char buf[32];
    CHECK(read_file(P("tr"), buf, sizeof buf) == 4 && strcmp(buf, "0123") == 0);
    int fd = open(P("tr"), O_RDWR);
    CHECK(ftruncate(fd, 8) == 0);
    CHECK(read(fd, buf, 32) == 8);
    CHECK(memcmp(buf, "0123\0\0\0\0", 8) == 0);   /* growth reads zeros */
    CHECK(ftruncate(fd, 0) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
    ERR(ftruncate(fd, -1), EINVAL);
    close(fd);
    fd = open(P("tr"), O_RDONLY);
    ERR(ftruncate(fd, 0), EINVAL);
    close(fd);
    write_file(P("tr"), "abcdef");
    fd = open(P("tr"), O_RDWR | O_TRUNC);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
    close(fd);
    unlink(P("tr"));
}

static void t_dirs(void) {
    struct stat st;
    CHECK(mkdir(P("d"), 0755) == 0);
    ERR(mkdir(P("d"), 0755), EEXIST);
    CHECK(stat(P("d"), &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(mkdir(P("d/e"), 0755) == 0);
    write_file(P("d/e/f"), "x");
    ERR(rmdir(P("d")), ENOTEMPTY);
    ERR(rmdir(P("d/e/f")), ENOTDIR);
    ERR(unlink(P("d/e")), EISDIR);
    ERR(mkdir(P("nope/x"), 0755), ENOENT);
    ERR(open(P("d/e/f/g"), O_RDONLY), ENOTDIR);
    ERR(open(P("d"), O_WRONLY), EISDIR);
    ERR(open(P("d/e/f"), O_RDONLY | O_DIRECTORY), ENOTDIR);
    CHECK(unlink(P("d/e/f")) == 0);
    CHECK(rmdir(P("d/e")) == 0);
    CHECK(rmdir(P("d")) == 0);
    ERR(rmdir(P("d")), ENOENT);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static void t_getdents(void) {
    CHECK(mkdir(P("ls"), 0755) == 0);
    const char *names[] = {"one", "two", "three", "sub"};
    for (int i = 0; i < 3; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "ls/%s", names[i]);
        write_file(P(rel), names[i]);
    }
    CHECK(mkdir(P("ls/sub"), 0755) == 0);
    DIR *d = opendir(P("ls"));
    CHECK(d != NULL);
    char *seen[16];
    int n = 0, dots = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) { dots++; continue; }
        if (n < 16) seen[n++] = strdup(e->d_name);
        if (!strcmp(e->d_name, "sub")) CHECK(e->d_type == DT_DIR);
        else CHECK(e->d_type == DT_REG);
    }
    if (d) closedir(d);
    CHECK(dots == 2 && n == 4);
    qsort(seen, n, sizeof seen[0], cmp);
    CHECK(n == 4 && !strcmp(seen[0], "one") && !strcmp(seen[1], "sub") && !strcmp(seen[2], "three") && !strcmp(seen[3], "two"));
    for (int i = 0; i < n; i++) free(seen[i]);
    /* remove while listing, as rm -r does */
    d = opendir(P("ls"));
    int removed = 0;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char rel[300];
        snprintf(rel, sizeof rel, "ls/%s", e->d_name);
        if (e->d_type == DT_DIR) CHECK(rmdir(P(rel)) == 0);
        else CHECK(unlink(P(rel)) == 0);
        removed++;
    }
    if (d) closedir(d);
    CHECK(removed == 4);
    CHECK(rmdir(P("ls")) == 0);
    ERR(opendir(P("ls")) == NULL ? -1 : 0, ENOENT);
}

static void t_rename(void) {
    char buf[32];
    CHECK(mkdir(P("r1"), 0755) == 0);
    CHECK(mkdir(P("r2"), 0755) == 0);
    write_file(P("r1/a"), "A");
    write_file(P("r2/b"), "B");
    CHECK(rename(P("r1/a"), P("r2/a")) == 0);          /* across directories */
    ERR(stat(P("r1/a"), &(struct stat){0}), ENOENT);
    CHECK(read_file(P("r2/a"), buf, sizeof buf) == 1 && buf[0] == 'A');
    CHECK(rename(P("r2/a"), P("r2/b")) == 0);          /* over an existing file */
    CHECK(read_file(P("r2/b"), buf, sizeof buf) == 1 && buf[0] == 'A');
    ERR(stat(P("r2/a"), &(struct stat){0}), ENOENT);
    CHECK(mkdir(P("r3"), 0755) == 0);
    CHECK(rename(P("r1"), P("r3")) == 0);              /* directory over an empty one */
    ERR(stat(P("r1"), &(struct stat){0}), ENOENT);
    ERR(rename(P("r3"), P("r2")), ENOTEMPTY);
    ERR(rename(P("r2/b"), P("r3")), EISDIR);
    ERR(rename(P("r3"), P("r2/b")), ENOTDIR);
    ERR(rename(P("nothere"), P("r3/x")), ENOENT);
    if (!on_host) ERR(rename(P("r3"), P("r3/inside")), EINVAL);
    CHECK(unlink(P("r2/b")) == 0);
    CHECK(rmdir(P("r2")) == 0);
    CHECK(rmdir(P("r3")) == 0);
}

static void t_unlink_open(void) {
    write_file(P("uo"), "still here");
    int fd = open(P("uo"), O_RDWR);
    CHECK(unlink(P("uo")) == 0);
    ERR(open(P("uo"), O_RDONLY), ENOENT);
    char buf[32] = {0};
    CHECK(read(fd, buf, sizeof buf) == 10 && strcmp(buf, "still here") == 0);
    CHECK(write(fd, "!", 1) == 1);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 11);
    if (!on_host) CHECK(st.st_nlink == 0);
    CHECK(close(fd) == 0);
}

static void t_errors(void) {
    char name[300];
    memset(name, 'n', 256);
    name[256] = 0;
    ERR(open(P("missing"), O_RDONLY), ENOENT);
    write_file(P("ex"), "x");
    ERR(open(P("ex"), O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
    ERR(open(P(name), O_RDWR | O_CREAT, 0644), ENAMETOOLONG);
    char *longpath = malloc(5000);
    memset(longpath, 'a', 4999);
    longpath[0] = '/';
    longpath[4999] = 0;
    ERR(open(longpath, O_RDONLY), ENAMETOOLONG);
    free(longpath);
    /* PATH_MAX (4096) counts the NUL: 4095 characters are a path (here one that names
     * nothing), 4096 are too long. The kernel copies paths a word at a time. */
    char *edge = malloc(4097);
    for (int i = 0; i < 4096; i += 2) {
        edge[i] = '/';
        edge[i + 1] = 'e';
    }
    edge[4095] = 0;
    ERR(open(edge, O_RDONLY), ENOENT);
    edge[4095] = 'e';
    edge[4096] = 0;
    ERR(open(edge, O_RDONLY), ENAMETOOLONG);
    free(edge);
    ERR(read(999, name, 1), EBADF);
    ERR(close(999), EBADF);
    ERR(close(-1), EBADF);
    int fd = open(P("ex"), O_RDONLY);
    ERR(write(fd, "x", 1), EBADF);
    close(fd);
    fd = open(P("ex"), O_WRONLY);
    ERR(read(fd, name, 1), EBADF);
    close(fd);
    ERR(open(P("ex/"), O_RDONLY), ENOTDIR);
    ERR(unlink(P("missing")), ENOENT);
    ERR(open((char *)1, O_RDONLY), EFAULT);
    fd = open(P("ex"), O_RDONLY);
    ERR(read(fd, (char *)8, 1), EFAULT);
    close(fd);
    ERR(open("", O_RDONLY), ENOENT);
    unlink(P("ex"));
}

static void t_stdio(void) {
    FILE *f = fopen(P("stdio.txt"), "w+");
    CHECK(f != NULL);
    if (!f) return;
    for (int i = 0; i < 1000; i++) fprintf(f, "line %d\n", i);
    CHECK(fflush(f) == 0);
    long end = ftell(f);
    CHECK(end > 7000);
    rewind(f);
    char line[64];
    int count = 0, last = -1;
    while (fgets(line, sizeof line, f)) { count++; sscanf(line, "line %d", &last); }
    CHECK(count == 1000 && last == 999);
    CHECK(fseek(f, 5, SEEK_SET) == 0 && fgetc(f) == '0');
    CHECK(fclose(f) == 0);
    f = fopen(P("stdio.txt"), "a");
    fputs("tail\n", f);
    fclose(f);
    struct stat st;
    CHECK(stat(P("stdio.txt"), &st) == 0 && st.st_size == end + 5);
    CHECK(remove(P("stdio.txt")) == 0);
    CHECK(fopen(P("stdio.txt"), "r") == NULL && errno == ENOENT);
}

static void t_dup(void) {
    int fd = open(P("dup"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    int fd2 = dup(fd);
    CHECK(fd2 > fd);
    CHECK(write(fd, "abc", 3) == 3);
    CHECK(lseek(fd2, 0, SEEK_CUR) == 3);       /* one shared offset */
    int fd3 = fcntl(fd, F_DUPFD, 50);
    CHECK(fd3 >= 50);
    CHECK(dup2(fd, 60) == 60);
    CHECK(write(60, "d", 1) == 1 && lseek(fd, 0, SEEK_CUR) == 4);
    CHECK(fcntl(fd, F_GETFD) == 0);
    CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
    CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    CHECK(fcntl(fd, F_SETFL, O_APPEND) == 0 && (fcntl(fd, F_GETFL) & O_APPEND));
    ERR(dup3(fd, fd, 0), EINVAL);
    ERR(dup2(999, 5), EBADF);
    close(fd); close(fd2); close(fd3); close(60);
    ERR(fcntl(fd, F_GETFD), EBADF);
    int out = dup(1);                               /* the console duplicates too */
    CHECK(out >= 3);
    CHECK(write(out, "", 0) == 0);
    close(out);
    unlink(P("dup"));
}

static void t_vectors(void) {
    int fd = open(P("vec"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    struct iovec w[2] = {{"hello ", 6}, {"world", 5}};
    CHECK(writev(fd, w, 2) == 11);
    char a[4], b[16] = {0};
    struct iovec r[2] = {{a, 4}, {b, 16}};
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(readv(fd, r, 2) == 11 && memcmp(a, "hell", 4) == 0 && strcmp(b, "o world") == 0);
    /* Empty iovecs move nothing, before, between or after the others; alone, the
     * call still answers for the descriptor. */
    struct iovec e[4] = {{"x", 0}, {"AB", 2}, {"y", 0}, {"C", 1}};
    CHECK(writev(fd, e, 4) == 3);
    CHECK(writev(fd, e, 1) == 0 && writev(fd, e + 2, 1) == 0);
    CHECK(pread(fd, b, 16, 11) == 3 && memcmp(b, "ABC", 3) == 0);
    char c[2] = {0};
    struct iovec re[3] = {{a, 0}, {c, 2}, {b, 0}};
    CHECK(lseek(fd, 11, SEEK_SET) == 11);
    CHECK(readv(fd, re, 3) == 2 && memcmp(c, "AB", 2) == 0);
    int ro = open(P("vec"), O_RDONLY);
    ERR(writev(ro, e, 1), EBADF);
    ERR(writev(ro, e, 3), EBADF);
    close(ro);
    ERR(writev(ro, e, 1), EBADF);
    close(fd);
    unlink(P("vec"));
}

static void t_cwd(void) {
    char here[512], buf[512];
    CHECK(getcwd(here, sizeof here) != NULL);
    CHECK(mkdir(P("cw"), 0755) == 0);
    CHECK(chdir(P("cw")) == 0);
    CHECK(getcwd(buf, sizeof buf) != NULL);
    CHECK(strcmp(buf, P("cw")) == 0 || (root[0] == '/' && root[1] == 0 && strcmp(buf, "/cw") == 0));
    write_file("rel", "r");
    CHECK(access(P("cw/rel"), F_OK) == 0);
    CHECK(unlink("rel") == 0);
    ERR(getcwd(buf, 2) == NULL ? -1 : 0, ERANGE);
    CHECK(chdir("..") == 0);
    CHECK(rmdir(P("cw")) == 0);
    CHECK(chdir(here) == 0);
    ERR(chdir(P("cw")), ENOENT);
    CHECK(umask(077) == 022 && umask(022) == 077);
}

static void t_symlinks(void) {
    char buf[64];
    write_file(P("target"), "T");
    CHECK(symlink("target", P("ln")) == 0);
    struct stat st;
    CHECK(lstat(P("ln"), &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 6);
    CHECK(stat(P("ln"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 1);
    CHECK(readlink(P("ln"), buf, sizeof buf) == 6 && memcmp(buf, "target", 6) == 0);
    CHECK(read_file(P("ln"), buf, sizeof buf) == 1 && buf[0] == 'T');
    CHECK(symlink("loop2", P("loop1")) == 0);
    CHECK(symlink("loop1", P("loop2")) == 0);
    ERR(open(P("loop1"), O_RDONLY), ELOOP);
    ERR(open(P("ln"), O_RDONLY | O_NOFOLLOW), ELOOP);
    ERR(readlink(P("target"), buf, sizeof buf), EINVAL);
    CHECK(mkdir(P("realdir"), 0755) == 0);
    CHECK(symlink("realdir", P("dirlink")) == 0);
    write_file(P("dirlink/inside"), "I");
    CHECK(read_file(P("realdir/inside"), buf, sizeof buf) == 1);
    CHECK(unlink(P("dirlink")) == 0);                  /* removes the link only */
    CHECK(unlink(P("realdir/inside")) == 0 && rmdir(P("realdir")) == 0);
    CHECK(symlink("dangling", P("dl")) == 0);
    ERR(stat(P("dl"), &st), ENOENT);
    CHECK(link(P("target"), P("hard")) == 0);
    CHECK(stat(P("target"), &st) == 0 && st.st_nlink == 2);
    unlink(P("hard")); unlink(P("dl")); unlink(P("loop1")); unlink(P("loop2"));
    unlink(P("ln")); unlink(P("target"));
}

/* Names of every length from 1 to 26 that share their prefixes, so that a lookup
 * must tell apart names equal in their first 8 or 16 bytes (the kernel hashes and
 * compares names a word at a time and finds the end of a component the same way). */
static void t_names(void) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwx\xc3\xa9\x01";
    char name[64], path[1024], want[16], got[64];
    CHECK(mkdir(P("nm"), 0755) == 0);
    for (int len = 1; len <= 26; len++) {
        memcpy(name, alphabet, len);
        name[len] = 0;
        snprintf(path, sizeof path, "%s/%s", P("nm"), name);
        snprintf(want, sizeof want, "%d", len);
        write_file(path, want);
    }
    for (int len = 1; len <= 26; len++) {
        memcpy(name, alphabet, len);
        name[len] = 0;
        snprintf(want, sizeof want, "%d", len);
        snprintf(path, sizeof path, "%s//%s", P("nm"), name);   /* doubled slash */
        CHECK(read_file(path, got, sizeof got) == (int)strlen(want) && strcmp(got, want) == 0);
        name[len - 1] = 'Z';                                      /* last byte differs */
        snprintf(path, sizeof path, "%s/%s", P("nm"), name);
        ERR(open(path, O_RDONLY), ENOENT);
    }
    /* Directories named 8 and 9 bytes long in the middle of a path, trailing slashes. */
    CHECK(mkdir(P("nm/ABCDEFGH"), 0755) == 0 && mkdir(P("nm/ABCDEFGH/ABCDEFGHI"), 0755) == 0);
    write_file(P("nm/ABCDEFGH/ABCDEFGHI/f"), "deep");
    CHECK(read_file(P("nm/ABCDEFGH///ABCDEFGHI//f"), got, sizeof got) == 4 && strcmp(got, "deep") == 0);
    struct stat st;
    CHECK(stat(P("nm/ABCDEFGH/ABCDEFGHI/"), &st) == 0 && S_ISDIR(st.st_mode));
    ERR(stat(P("nm/ABCDEFGH/ABCDEFGH/f"), &st), ENOENT);
    CHECK(unlink(P("nm/ABCDEFGH/ABCDEFGHI/f")) == 0);
    CHECK(rmdir(P("nm/ABCDEFGH/ABCDEFGHI")) == 0 && rmdir(P("nm/ABCDEFGH")) == 0);
    for (int len = 1; len <= 26; len++) {
        memcpy(name, alphabet, len);
        name[len] = 0;
        snprintf(path, sizeof path, "%s/%s", P("nm"), name);
        CHECK(unlink(path) == 0);
    }
    CHECK(rmdir(P("nm")) == 0);
}

static struct { const char *name; void (*fn)(void); int host; } tests[] = {
    {"create and read back", t_create_read, 1},
    {"seek and positioned io", t_seek, 1},
    {"append", t_append, 1},
    {"sparse files", t_sparse, 1},
    {"truncate", t_truncate, 1},
    {"directories", t_dirs, 1},
    {"getdents", t_getdents, 1},
    {"rename", t_rename, 1},
    {"unlink while open", t_unlink_open, 1},
    {"errno", t_errors, 1},
    {"stdio", t_stdio, 1},
    {"dup and fcntl", t_dup, 1},
    {"readv and writev", t_vectors, 1},
    {"cwd", t_cwd, 1},
    {"names", t_names, 1},
    {"symlinks", t_symlinks, 0},
};

int main(int argc, char **argv) {
    const char *base = argc > 1 ? argv[1] : "/";
    on_host = strncmp(base, "/host", 5) == 0;
    snprintf(root, sizeof root, "%s%sfsposix", base, base[strlen(base) - 1] == '/' ? "" : "/");
    if (mkdir(root, 0755) != 0) { printf("setup mkdir %s: FAILED\n", root); return 1; }
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (on_host && !tests[i].host) continue;
        if (argc > 2 && strcmp(argv[2], tests[i].name)) continue;
        ok = 1;
        current = tests[i].name;
        tests[i].fn();
        printf("%s: %s\n", tests[i].name, ok ? "OK" : "FAILED");
        if (!ok) failures++;
    }
    CHECK(rmdir(root) == 0);
    printf("cleanup: %s\n", rmdir(root) == -1 && errno == ENOENT ? "OK" : "FAILED");
    return failures ? 1 : 0;
}
