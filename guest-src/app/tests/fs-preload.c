/* fs-preload -- list what --preload put into the RAM file system: every file with
 * its size (and a byte sum for big ones), every link with its target, sorted. The
 * tree the kernel makes at boot (/dev, /proc, /tmp, /etc) is left out. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int byname(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static void walk(const char *dir) {
    struct dirent **list;
    int n = scandir(dir, &list, NULL, byname);
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        int boot_tree = !strcmp(dir, "/") && (!strcmp(name, "dev") || !strcmp(name, "proc") || !strcmp(name, "tmp") || !strcmp(name, "etc"));
        if (strcmp(name, ".") && strcmp(name, "..") && !boot_tree) {
            char path[1024];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", name);
            lstat(path, &st);
            if (S_ISDIR(st.st_mode)) walk(path);
            else if (S_ISLNK(st.st_mode)) {
                char t[256] = {0};
                readlink(path, t, sizeof t - 1);
                printf("%s -> %s\n", path, t);
            } else if (st.st_size > 1000) {
                long sum = 0;
                int fd = open(path, O_RDONLY);
                unsigned char buf[4096];
                ssize_t r;
                while ((r = read(fd, buf, sizeof buf)) > 0) for (ssize_t k = 0; k < r; k++) sum += buf[k];
                close(fd);
                printf("%s %ld sum=%ld\n", path, (long)st.st_size, sum);
            } else printf("%s %ld\n", path, (long)st.st_size);
        }
        free(list[i]);
    }
    free(list);
}

int main(void) { walk("/"); return 0; }
