/* probe_dir: a folder of probe files loaded (or linted) as a set. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verifier/util/rd_err.h"

#include "probes/probe.h"

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_probe_name(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".sql") == 0;
}

/* The sorted "*.sql" names of ${d} (each and the array malloc'd). */
static int
list_sql(DIR *d, const char *dir, char ***out, size_t *n, struct rd_err *err)
{
    char **names = NULL;
    size_t cap = 0;
    struct dirent *de;

    *n = 0;
    for (;;) {
        char *name;

        errno = 0;
        if ((de = readdir(d)) == NULL)
            break;
        if (!is_probe_name(de->d_name))
            continue;
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, ncap * sizeof(*nn));

            if (nn == NULL)
                goto nomem;
            names = nn;
            cap = ncap;
        }
        if ((name = strdup(de->d_name)) == NULL)
            goto nomem;
        names[(*n)++] = name;
    }
    *out = names;
    if (errno != 0)
        return rd_err_set(err, RD_PROBE_INVALID,
                          "cannot read probe folder '%s': %s", dir,
                          strerror(errno));
    if (*n > 0)
        qsort(names, *n, sizeof(*names), cmp_names);
    return 0;
nomem:
    *out = names;
    return rd_err_set(err, RD_INTERNAL, "out of memory listing '%s'", dir);
}

/* Read the regular file ${name} of ${dfd} (no symlink) into a new buffer. */
static int
read_probe_file(int dfd, const char *name, const char *path, char **buf,
                size_t *len, struct rd_err *err)
{
    struct stat st;
    int fd;
    char *b;
    size_t n = 0;

    *buf = NULL;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return rd_err_set(err, RD_PROBE_INVALID, "%s: cannot stat: %s", path,
                          strerror(errno));
    if (S_ISLNK(st.st_mode))
        return rd_err_set(
            err, RD_PROBE_INVALID,
            "%s: is a symbolic link, refused\nHINT: copy the probe file into the folder",
            path);
    if (!S_ISREG(st.st_mode))
        return rd_err_set(err, RD_PROBE_INVALID, "%s: not a regular file",
                          path);
    fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return rd_err_set(err, RD_PROBE_INVALID, "%s: cannot open: %s", path,
                          strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return rd_err_set(err, RD_PROBE_INVALID, "%s: not a regular file",
                          path);
    }
    /* One byte more than the cap lets probe_parse() say "too large". */
    if ((b = malloc(PROBE_FILE_MAX + 2)) == NULL) {
        close(fd);
        return rd_err_set(err, RD_INTERNAL, "%s: out of memory", path);
    }
    while (n < PROBE_FILE_MAX + 1) {
        ssize_t r = read(fd, b + n, PROBE_FILE_MAX + 1 - n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;

            close(fd);
            free(b);
            return rd_err_set(err, RD_PROBE_INVALID, "%s: cannot read: %s",
                              path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = n;
    return 0;
}

/* Keep the first error and stop: probe_load_dir()'s way. */
static int
keep_first(void *ctx, const struct rd_err *e)
{
    struct rd_err *err = ctx;

    if (err != NULL)
        *err = *e;
    return -1;
}

/*
 * Load ${names}[${i}] of ${d} into ${set} (its name line in ${lines}), or
 * report why not; -1 when ${on_error} says stop or memory ran out.
 */
static int
load_one(DIR *d, const char *dir, const char *name, struct probe_set *set,
         int *lines, probe_error_fn on_error, void *ctx, bool *failed)
{
    size_t dlen = strlen(dir);
    const char *sep = dlen > 0 && dir[dlen - 1] == '/' ? "" : "/";
    size_t plen = dlen + strlen(sep) + strlen(name) + 1;
    char *path = malloc(plen), *buf = NULL;
    struct rd_err e = {0};
    struct probe *p = &set->items[set->n];
    size_t len = 0;
    int r;

    if (path == NULL) {
        rd_err_set(&e, RD_INTERNAL, "out of memory loading '%s'", dir);
        *failed = true;
        (void)on_error(ctx, &e);
        return -1;
    }
    snprintf(path, plen, "%s%s%s", dir, sep, name);
    r = read_probe_file(dirfd(d), name, path, &buf, &len, &e);
    if (r == 0)
        r = probe_parse_named(path, buf, len, p, &lines[set->n], &e);
    free(buf);
    free(path);
    for (size_t j = 0; r == 0 && j < set->n; j++)
        if (strcmp(set->items[j].name, p->name) == 0) {
            r = rd_err_set(&e, RD_PROBE_INVALID,
                           "%s:%d: probe name '%s' is also used by %s", p->file,
                           lines[set->n], p->name, set->items[j].file);
        }
    if (r == 0) {
        set->n++;
        return 0;
    }
    probe_release(p);
    *failed = true;
    if (on_error(ctx, &e) != 0 || e.code == RD_INTERNAL)
        return -1;
    return 0;
}

int
probe_load_dir_each(const char *dir, struct probe_set *set,
                    probe_error_fn on_error, void *ctx)
{
    struct rd_err e = {0};
    DIR *d;
    char **names = NULL;
    int *name_lines = NULL;
    size_t n = 0;
    bool failed = false;

    set->items = NULL;
    set->n = 0;
    if ((d = opendir(dir)) == NULL) {
        rd_err_set(&e, RD_PROBE_INVALID, "cannot open probe folder '%s': %s",
                   dir, strerror(errno));
        (void)on_error(ctx, &e);
        return -1;
    }
    if (list_sql(d, dir, &names, &n, &e) != 0) {
        failed = true;
        (void)on_error(ctx, &e);
        goto done;
    }
    if (n == 0) {
        rd_err_set(&e, RD_PROBE_INVALID, "probe folder '%s' holds no .sql file",
                   dir);
        failed = true;
        (void)on_error(ctx, &e);
        goto done;
    }
    set->items = calloc(n, sizeof(*set->items));
    name_lines = calloc(n, sizeof(*name_lines));
    if (set->items == NULL || name_lines == NULL) {
        rd_err_set(&e, RD_INTERNAL, "out of memory loading '%s'", dir);
        failed = true;
        (void)on_error(ctx, &e);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (load_one(d, dir, names[i], set, name_lines, on_error, ctx,
                     &failed) != 0)
            break;
done:
    if (failed)
        probe_set_release(set);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(name_lines);
    closedir(d);
    return failed ? -1 : 0;
}

int
probe_load_dir(const char *dir, struct probe_set *set, struct rd_err *err)
{
    return probe_load_dir_each(dir, set, keep_first, err);
}

void
probe_set_release(struct probe_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++)
        probe_release(&set->items[i]);
    free(set->items);
    set->items = NULL;
    set->n = 0;
}
