/* fuzz_untar: the tar member allowlist's invariants, and extraction of
 * arbitrary bytes as a tar (no crash, nothing outside, only 0600 files). */
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "restore/decode/stream.h"
#include "restore/decode/untar.h"
#include "verifier/util/fsutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct untar_limits lim = {
    .max_entries = 64,
    .max_entry_bytes = 1 << 20,
    .max_total_bytes = 4 << 20,
};

/* ${base}/x is extracted into; ${base} must hold nothing else. */
static char base[4096], xdir[4200];

/* Part 1: what untar_member_ok() accepts obeys the rules of untar.h. */
static void
check_member_ok(const uint8_t *data, size_t size)
{
    char name[1024], why[160];
    const char *p, *end;
    int type, slashes = 0;
    int64_t msize;
    size_t n;

    if (size < 2)
        return;
    type = data[0];
    msize = ((int64_t)data[1] - 2) * 8209; /* -16418 .. ~2 MiB */
    n = size - 2 < sizeof(name) - 1 ? size - 2 : sizeof(name) - 1;
    memcpy(name, data + 2, n);
    name[n] = '\0';
    if (!untar_member_ok(name, type, msize, &lim, why, sizeof(why)))
        return;
    if (strstr(name, "..") != NULL || name[0] == '/' || name[0] == '\0')
        abort();
    for (p = name; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f || *p == '\\')
            abort();
    if (type != '0' && type != '\0' && type != '5')
        abort();
    /* At most two components after an optional leading "./" (and a
     * directory's trailing '/'). */
    p = strncmp(name, "./", 2) == 0 ? name + 2 : name;
    end = p + strlen(p);
    if (type == '5' && end > p && end[-1] == '/')
        end--;
    for (const char *q = p; q < end; q++)
        slashes += *q == '/';
    if (slashes > 1 || (type == '5' && slashes > 0))
        abort();
    if (strstr(p, "//") != NULL || strncmp(p, "./", 2) == 0)
        abort();
    if (type == '5') {
        if (msize != 0)
            abort();
        return;
    }
    if (msize < 0 || msize > lim.max_entry_bytes || *p == '\0' ||
        end[-1] == '/')
        abort();
    /* The file name is one pg_dump -Fd writes. */
    p = strrchr(name, '/') != NULL ? strrchr(name, '/') + 1 : name;
    if (strncmp(p, "toc.dat", 7) != 0 && strncmp(p, "blob", 4) != 0 &&
        !(*p >= '0' && *p <= '9'))
        abort();
    if (strstr(p, ".dat") == NULL && strstr(p, ".toc") == NULL)
        abort();
}

struct mem_stream {
    struct stream s;
    const uint8_t *data;
    size_t len, pos;
};

static ssize_t
mem_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct mem_stream *m = (struct mem_stream *)s;
    size_t n = m->len - m->pos;

    (void)err;
    if (n > cap)
        n = cap;
    if (n > 997) /* odd chunks: libarchive must join them */
        n = 997;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

static void
mem_free(struct stream *s)
{
    (void)s;
}

static void
cleanup(void)
{
    fs_rm_rf(base);
}

/* How many file descriptors this process has open. */
static int
open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    if (d == NULL)
        abort();
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

/* Make ${base}/x once per process. */
static void
init(void)
{
    snprintf(base, sizeof(base), "%s/fuzz_untar.XXXXXX", fs_tmpdir_base());
    if (mkdtemp(base) == NULL)
        abort();
    snprintf(xdir, sizeof(xdir), "%s/x", base);
    if (mkdir(xdir, 0700) != 0)
        abort();
    atexit(cleanup);
}

/* ${base} holds only "x"; empty ${xdir}, which holds only 0600 files. */
static void
check_and_empty(void)
{
    DIR *d = opendir(base);
    struct dirent *de;
    struct stat st;

    if (d == NULL)
        abort();
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
            strcmp(de->d_name, "x") != 0)
            abort();
    closedir(d);
    if ((d = opendir(xdir)) == NULL)
        abort();
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0600 ||
            unlinkat(dirfd(d), de->d_name, 0) != 0)
            abort();
    }
    closedir(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mem_stream m = {
        .s = {.read = mem_read, .free = mem_free, .name = "fuzz.tar"},
        .data = data,
        .len = size,
    };
    struct rd_err err = {0};
    int rc, fds;

    check_member_ok(data, size);

    if (base[0] == '\0')
        init();
    fds = open_fds();
    rc = untar_extract(&m.s, xdir, &lim, &err);
    if (rc == 0 && (err.code != RD_OK || m.pos != size))
        abort();
    if (rc != 0 && (rc != -1 || err.code == RD_OK || err.msg[0] == '\0'))
        abort();
    if (open_fds() != fds)
        abort();
    check_and_empty();
    return 0;
}
