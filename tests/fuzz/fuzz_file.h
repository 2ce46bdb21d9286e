/* fuzz_file: a private temp folder per fuzz process for targets whose
 * parser reads a file by path (header-only: each target is one .c). */
#ifndef RD_FUZZ_FILE_H
#define RD_FUZZ_FILE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verifier/util/fsutil.h"

static char fuzz_dir[4096];

static inline void
fuzz_dir_remove(void)
{
    fs_rm_rf(fuzz_dir);
}

/*
 * fuzz_path(name): "DIR/${name}" in a folder made once per process (under
 * /dev/shm when there is one: fsync there costs nothing) and removed at
 * exit.  Static storage, overwritten by the next call.
 */
static inline const char *
fuzz_path(const char *name)
{
    static char path[4200];

    if (fuzz_dir[0] == '\0') {
        const char *base =
            access("/dev/shm", W_OK) == 0 ? "/dev/shm" : fs_tmpdir_base();

        snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/rd-fuzz.XXXXXX", base);
        if (mkdtemp(fuzz_dir) == NULL)
            abort();
        atexit(fuzz_dir_remove);
    }
    snprintf(path, sizeof(path), "%s/%s", fuzz_dir, name);
    return path;
}

/* fuzz_write(path, data, size): replace the file ${path} by the bytes. */
static inline void
fuzz_write(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size) ||
        close(fd) != 0)
        abort();
}

/* fuzz_slurp(path): the file's bytes, NUL-terminated (malloc'd). */
static inline char *
fuzz_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t cap = 0, n = 0, r;

    if (f == NULL)
        abort();
    do {
        if (cap - n < 4096 &&
            (buf = realloc(buf, cap = cap ? 2 * cap : 8192)) == NULL)
            abort();
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
    } while (r > 0);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

#endif
