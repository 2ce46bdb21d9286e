/* test_untar: the tar member allowlist and safe extraction of tarred -Fd dumps.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <check.h>

#include "restore/decode/stream.h"
#include "restore/decode/untar.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/rd_err.h"

Suite *untar_suite(void);

#define PG_RESTORE "/usr/lib/postgresql/15/bin/pg_restore"
#define FIXTURE    "tests/unit/fixtures/dirdump.tar"
#define TAR_CAP    (1024 * 1024)

static const struct untar_limits lim = {
    .max_entries = 1000,
    .max_entry_bytes = 1 << 20,
    .max_total_bytes = 4 << 20,
};

/* Per-test directories: ${base}/x is extracted into, ${base}/victim is
 * where links in hostile archives point. */
static char base[PATH_MAX], xdir[PATH_MAX], victim[PATH_MAX];

static void
setup(void)
{
    const char *tmp = fs_tmpdir_base();

    snprintf(base, sizeof(base), "%s/rd-untar.XXXXXX", tmp);
    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(xdir, sizeof(xdir), "%s/x", base);
    snprintf(victim, sizeof(victim), "%s/victim", base);
    ck_assert_int_eq(mkdir(xdir, 0700), 0);
    ck_assert_int_eq(mkdir(victim, 0700), 0);
}

static void
teardown(void)
{
    ck_assert_int_eq(fs_rm_rf(base), 0);
}

/* Empty ${xdir} again (what the caller does between two extractions). */
static void
reset_xdir(void)
{
    ck_assert_int_eq(fs_rm_rf(xdir), 0);
    ck_assert_int_eq(mkdir(xdir, 0700), 0);
}

/* The names in ${dir}, sorted and joined by ','. */
static const char *
listing(const char *dir)
{
    static char buf[4096];
    struct dirent **names;
    size_t len = 0;
    int n = scandir(dir, &names, NULL, alphasort);

    ck_assert_int_ge(n, 0);
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *d = names[i]->d_name;

        if (strcmp(d, ".") != 0 && strcmp(d, "..") != 0)
            len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
                                    len > 0 ? "," : "", d);
        free(names[i]);
    }
    free(names);
    return buf;
}

/* Everything in ${xdir} is a regular 0600 file. */
static void
assert_only_files(void)
{
    DIR *d = opendir(xdir);
    struct dirent *de;
    struct stat st;

    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        ck_assert_int_eq(
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW), 0);
        ck_assert_msg(S_ISREG(st.st_mode), "'%s' is not a regular file",
                      de->d_name);
        ck_assert_msg((st.st_mode & 07777) == 0600, "'%s' has mode %o",
                      de->d_name, (unsigned)(st.st_mode & 07777));
    }
    closedir(d);
}

/* The content of ${xdir}/${name}, NUL-terminated (static buffer). */
static const char *
content(const char *name)
{
    static char buf[4096];
    char path[PATH_MAX];
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "%s/%s", xdir, name);
    fd = open(path, O_RDONLY);
    ck_assert_msg(fd >= 0, "cannot open '%s'", path);
    n = read(fd, buf, sizeof(buf) - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = '\0';
    close(fd);
    return buf;
}

/* --- a stream over memory ----------------------------------------------- */

struct mem_stream {
    struct stream s;
    const unsigned char *data;
    size_t len, pos, chunk;
    size_t fail_at; /* fail with RD_DECOMPRESS_CORRUPT once here */
};

static ssize_t
mem_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct mem_stream *m = (struct mem_stream *)s;
    size_t n = m->len - m->pos;

    if (m->pos >= m->fail_at)
        return rd_err_set(err, RD_DECOMPRESS_CORRUPT,
                          "corrupt gzip data in archive '%s'", s->name);
    if (n > cap)
        n = cap;
    if (n > m->chunk)
        n = m->chunk;
    if (n > m->fail_at - m->pos)
        n = m->fail_at - m->pos;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

static void
mem_free(struct stream *s)
{
    (void)s;
}

/* Extract ${len} bytes at ${tar} into ${xdir}, ${chunk} bytes per read. */
static int
extract_chunked(const unsigned char *tar, size_t len, size_t chunk,
                size_t fail_at, struct rd_err *err)
{
    struct mem_stream m = {
        .s = {.read = mem_read, .free = mem_free, .name = "dump.tar"},
        .data = tar,
        .len = len,
        .chunk = chunk,
        .fail_at = fail_at,
    };

    rd_err_clear(err);
    return untar_extract(&m.s, xdir, &lim, err);
}

static int
extract(const unsigned char *tar, size_t len, struct rd_err *err)
{
    return extract_chunked(tar, len, 4096, SIZE_MAX, err);
}

/* --- building tars -------------------------------------------------------- */

/* One member for build(): a regular file unless ${type} says otherwise. */
struct spec {
    const char *name;
    const char *data;
    unsigned type;    /* AE_IF*; 0 = AE_IFREG */
    unsigned perm;    /* 0 = 0644 */
    const char *link; /* symlink target (AE_IFLNK) */
    const char *hard; /* hard link target */
};

/* A pax tar of ${n} members, ending right after its end-of-archive blocks
 * (no record padding); *${len} gets its size.  Free the result. */
static unsigned char *
build(const struct spec *s, size_t n, size_t *len)
{
    unsigned char *buf = malloc(TAR_CAP);
    struct archive *a = archive_write_new();

    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_set_bytes_in_last_block(a, 1), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_open_memory(a, buf, TAR_CAP, len),
                     ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        unsigned type = s[i].type != 0 ? s[i].type : AE_IFREG;
        size_t dlen = s[i].data != NULL ? strlen(s[i].data) : 0;

        archive_entry_set_pathname(e, s[i].name);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, s[i].perm != 0 ? s[i].perm : 0644);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (type == AE_IFLNK)
            archive_entry_set_symlink(e, s[i].link);
        if (s[i].hard != NULL)
            archive_entry_set_hardlink(e, s[i].hard);
        if (type == AE_IFCHR)
            archive_entry_set_rdev(e, makedev(1, 3));
        archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)dlen : 0);
        ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
        if (dlen > 0)
            ck_assert_int_eq(archive_write_data(a, s[i].data, dlen),
                             (la_ssize_t)dlen);
        archive_entry_free(e);
    }
    ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    return buf;
}

/* Append a hand-made ustar member (any name bytes, any typeflag) to
 * ${buf}: for what libarchive's writer will not write. */
static void
raw_add(unsigned char *buf, size_t *len, const char *name, size_t namelen,
        char type, const char *link, const char *data)
{
    unsigned char *h = buf + *len;
    size_t dlen = data != NULL ? strlen(data) : 0;
    unsigned sum = 0;

    memset(h, 0, 512);
    memcpy(h, name, namelen < 100 ? namelen : 100);
    memcpy(h + 100, "0000644", 7);
    memcpy(h + 108, "0000000", 7);
    memcpy(h + 116, "0000000", 7);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)dlen);
    memcpy(h + 136, "00000000000", 11);
    memset(h + 148, ' ', 8);
    h[156] = (unsigned char)type;
    if (link != NULL)
        memcpy(h + 157, link, strlen(link));
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    *len += 512;
    memset(buf + *len, 0, (dlen + 511) / 512 * 512);
    memcpy(buf + *len, data, dlen);
    *len += (dlen + 511) / 512 * 512;
}

/* Append the two zero end-of-archive blocks. */
static void
raw_end(unsigned char *buf, size_t *len)
{
    memset(buf + *len, 0, 1024);
    *len += 1024;
}

/* The good archive of most tests: flat, the names pg_dump -Fd writes. */
static const struct spec good_flat[] = {
    {.name = "toc.dat", .data = "PGDMP toc", .perm = 0644},
    {.name = "3001.dat.gz", .data = "gzip bytes", .perm = 0755},
    {.name = "blob_1.dat", .data = "hello", .perm = 0777},
    {.name = "blobs.toc", .data = "16389 blob_16389.dat\n", .perm = 0444},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- the allowlist -------------------------------------------------------- */

START_TEST(test_member_ok_accepts)
{
    static const char *const files[] = {
        "toc.dat",
        "toc.dat.gz",
        "toc.dat.zst",
        "1.dat",
        "3001.dat.gz",
        "4294967295.dat.lz4",
        "blob_16389.dat",
        "blob_1.dat.zst",
        "blobs.toc",
        "blobs_17.toc",
        "blobs_17.toc.gz",
        "mydump/toc.dat",
        "my dump/1.dat",
        "./toc.dat",
        "./mydump/blobs.toc",
        "db-2024-01-01.dir/blob_5.dat.gz",
    };
    static const char *const dirs[] = {"./", "mydump", "mydump/", "./d/"};
    char why[128];

    for (size_t i = 0; i < N(files); i++) {
        ck_assert_msg(
            untar_member_ok(files[i], '0', 10, &lim, why, sizeof(why)),
            "'%s' refused: %s", files[i], why);
        ck_assert(untar_member_ok(files[i], '\0', 0, &lim, NULL, 0));
    }
    for (size_t i = 0; i < N(dirs); i++)
        ck_assert_msg(untar_member_ok(dirs[i], '5', 0, &lim, why, sizeof(why)),
                      "'%s' refused: %s", dirs[i], why);
}
END_TEST

START_TEST(test_member_ok_refuses)
{
    static const struct {
        const char *name;
        int type;
        int64_t size;
        const char *why;
    } cases[] = {
        {"", '0', 1, "empty name"},
        {"../evil", '0', 1, "'..'"},
        {"d/../toc.dat", '0', 1, "'..'"},
        {"a..b/toc.dat", '0', 1, "'..'"},
        {"/tmp/abs", '0', 1, "absolute"},
        {"/toc.dat", '0', 1, "absolute"},
        {"a/b/toc.dat", '0', 1, "more than one directory"},
        {"./a/b/toc.dat", '0', 1, "more than one directory"},
        {"././toc.dat", '0', 1, "'.' path component"},
        {"./", '0', 0, "empty path component"},
        {".", '5', 0, "'.' path component"},
        {"a//toc.dat", '0', 1, "more than one directory"},
        {"d/", '0', 0, "empty path component"},
        {"toc.dat/", '0', 0, "empty path component"},
        {"restore.sql", '0', 1, "not a file name"},
        {"toc.dat.bz2", '0', 1, "not a file name"},
        {"toc.dat.gz.gz", '0', 1, "not a file name"},
        {"x.dat", '0', 1, "not a file name"},
        {"12345678901.dat", '0', 1, "not a file name"},
        {"blob_.dat", '0', 1, "not a file name"},
        {"blobs_x.toc", '0', 1, "not a file name"},
        {"TOC.DAT", '0', 1, "not a file name"},
        {"toc.dat\n", '0', 1, "control"},
        {"to\x7f"
         "c.dat",
         '0', 1, "control"},
        {"t\xc3\xb6"
         "c.dat",
         '0', 1, "non-ASCII"},
        {"d\\toc.dat", '0', 1, "backslash"},
        {"toc.dat", '1', 0, "hard link"},
        {"toc.dat", '2', 0, "symbolic link"},
        {"toc.dat", '3', 0, "character device"},
        {"toc.dat", '4', 0, "block device"},
        {"toc.dat", '6', 0, "FIFO"},
        {"toc.dat", '7', 0, "contiguous"},
        {"toc.dat", 'x', 0, "member type 'x'"},
        {"toc.dat", 0x80, 0, "member type 0x80"},
        {"toc.dat", '0', -1, "without a size"},
        {"toc.dat", '0', (1 << 20) + 1, "over the cap"},
        {"d", '5', 1, "directory with data"},
        {"a/b/", '5', 0, "below another directory"},
    };
    char why[128];

    for (size_t i = 0; i < N(cases); i++) {
        why[0] = '\0';
        ck_assert_msg(!untar_member_ok(cases[i].name, cases[i].type,
                                       cases[i].size, &lim, why, sizeof(why)),
                      "case %zu accepted", i);
        ck_assert_msg(strstr(why, cases[i].why) != NULL,
                      "case %zu: '%s' lacks '%s'", i, why, cases[i].why);
    }
    /* A component of 255 bytes is fine, 256 is not. */
    {
        char name[300];

        memset(name, 'a', 255);
        strcpy(name + 255, "/toc.dat");
        ck_assert(untar_member_ok(name, '0', 1, &lim, why, sizeof(why)));
        memset(name, 'a', 256);
        strcpy(name + 256, "/toc.dat");
        ck_assert(!untar_member_ok(name, '0', 1, &lim, why, sizeof(why)));
        ck_assert_str_eq(why, "path component longer than 255 bytes");
    }
    /* NULL why, and a why of one byte. */
    ck_assert(!untar_member_ok("../x", '0', 1, &lim, NULL, 0));
    ck_assert(!untar_member_ok("../x", '0', 1, &lim, why, 1));
    ck_assert_str_eq(why, "");
}
END_TEST

/* --- good archives ------------------------------------------------------ */

/* ${xdir} holds exactly the files of good_flat, each 0600. */
static void
assert_good_flat(void)
{
    ck_assert_str_eq(listing(xdir), "3001.dat.gz,blob_1.dat,blobs.toc,toc.dat");
    ck_assert_str_eq(content("toc.dat"), "PGDMP toc");
    ck_assert_str_eq(content("3001.dat.gz"), "gzip bytes");
    ck_assert_str_eq(content("blob_1.dat"), "hello");
    ck_assert_str_eq(content("blobs.toc"), "16389 blob_16389.dat\n");
    assert_only_files();
    ck_assert_str_eq(listing(base), "victim,x");
}

START_TEST(test_good_flat)
{
    static const size_t chunks[] = {1, 7, 512, 4096, 1 << 20};
    struct rd_err err = {0};
    size_t len;
    unsigned char *tar = build(good_flat, N(good_flat), &len);

    for (size_t i = 0; i < N(chunks); i++) {
        reset_xdir();
        ck_assert_msg(extract_chunked(tar, len, chunks[i], SIZE_MAX, &err) == 0,
                      "chunk %zu: %s", chunks[i], err.msg);
        ck_assert_int_eq(err.code, RD_OK);
        assert_good_flat();
    }
    free(tar);
}
END_TEST

START_TEST(test_good_in_directory)
{
    static const struct spec s[] = {
        {.name = "mydump/", .type = AE_IFDIR, .perm = 0700},
        {.name = "mydump/toc.dat", .data = "PGDMP toc"},
        {.name = "mydump/3001.dat.gz", .data = "gzip bytes"},
        {.name = "mydump/blob_1.dat", .data = "hello"},
        {.name = "mydump/blobs.toc", .data = "16389 blob_16389.dat\n"},
    };
    struct rd_err err = {0};
    size_t len;
    unsigned char *tar = build(s, N(s), &len);

    ck_assert_msg(extract(tar, len, &err) == 0, "%s", err.msg);
    assert_good_flat();
    free(tar);
}
END_TEST

/* GNU tar -C dump -cf x.tar . writes "./" and "./toc.dat". */
START_TEST(test_good_dot_slash)
{
    static const struct spec flat[] = {
        {.name = "./", .type = AE_IFDIR, .perm = 0700},
        {.name = "./toc.dat", .data = "PGDMP toc"},
        {.name = "./3001.dat.gz", .data = "gzip bytes"},
        {.name = "./blob_1.dat", .data = "hello"},
        {.name = "./blobs.toc", .data = "16389 blob_16389.dat\n"},
    };
    static const struct spec sub[] = {
        {.name = "./d/", .type = AE_IFDIR, .perm = 0700},
        {.name = "./d/toc.dat", .data = "PGDMP toc"},
        {.name = "d/3001.dat.gz", .data = "gzip bytes"},
        {.name = "./d/blob_1.dat", .data = "hello"},
        {.name = "./d/blobs.toc", .data = "16389 blob_16389.dat\n"},
    };
    struct rd_err err = {0};
    size_t len;
    unsigned char *tar = build(flat, N(flat), &len);

    ck_assert_msg(extract(tar, len, &err) == 0, "%s", err.msg);
    assert_good_flat();
    free(tar);
    reset_xdir();
    tar = build(sub, N(sub), &len);
    ck_assert_msg(extract(tar, len, &err) == 0, "%s", err.msg);
    assert_good_flat();
    free(tar);
}
END_TEST

/* pg_restore also reads a compressed toc.dat (toc.dat.gz). */
START_TEST(test_good_compressed_toc)
{
    static const struct spec s[] = {
        {.name = "toc.dat.gz", .data = "z"},
        {.name = "1.dat.gz", .data = "z"},
    };
    struct rd_err err = {0};
    size_t len;
    unsigned char *tar = build(s, N(s), &len);

    ck_assert_msg(extract(tar, len, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(listing(xdir), "1.dat.gz,toc.dat.gz");
    free(tar);
}
END_TEST

/* Archives ending with an empty file or with a directory entry: the
 * end-of-archive check must not depend on the last member having data. */
START_TEST(test_good_odd_endings)
{
    static const struct spec empty_last[] = {
        {.name = "toc.dat", .data = "PGDMP toc"},
        {.name = "1.dat", .data = ""},
    };
    static const struct spec dir_last[] = {
        {.name = "d/toc.dat", .data = "PGDMP toc"},
        {.name = "d/", .type = AE_IFDIR},
    };
    struct rd_err err = {0};
    size_t len;
    unsigned char *tar = build(empty_last, N(empty_last), &len);

    ck_assert_msg(extract(tar, len, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(listing(xdir), "1.dat,toc.dat");
    ck_assert_str_eq(content("1.dat"), "");
    reset_xdir();
    ck_assert_int_eq(extract(tar, len - 1024, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_TRUNCATED);
    free(tar);
    reset_xdir();
    tar = build(dir_last, N(dir_last), &len);
    ck_assert_msg(extract(tar, len, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(listing(xdir), "toc.dat");
    reset_xdir();
    ck_assert_int_eq(extract(tar, len - 1024, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_TRUNCATED);
    free(tar);
}
END_TEST

/* Record padding after the end-of-archive blocks (GNU tar: to 10240). */
START_TEST(test_good_padding)
{
    struct rd_err err = {0};
    size_t len;
    unsigned char *tar = build(good_flat, N(good_flat), &len);

    memset(tar + len, 0, 20480);
    ck_assert_msg(extract(tar, len + 20480, &err) == 0, "%s", err.msg);
    assert_good_flat();
    free(tar);
}
END_TEST

/* GNU and ustar headers parse the same. */
START_TEST(test_good_other_formats)
{
    static const struct spec s[] = {
        {.name = "toc.dat", .data = "PGDMP toc"},
        {.name = "blob_16389.dat", .data = "hello"},
    };
    int (*const fmt[])(struct archive *) = {
        archive_write_set_format_gnutar,
        archive_write_set_format_ustar,
        archive_write_set_format_v7tar,
    };
    struct rd_err err = {0};

    for (size_t f = 0; f < N(fmt); f++) {
        unsigned char *buf = malloc(TAR_CAP);
        struct archive *a = archive_write_new();
        size_t len;

        ck_assert_int_eq(fmt[f](a), ARCHIVE_OK);
        archive_write_open_memory(a, buf, TAR_CAP, &len);
        for (size_t i = 0; i < N(s); i++) {
            struct archive_entry *e = archive_entry_new();

            archive_entry_set_pathname(e, s[i].name);
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_size(e, (la_int64_t)strlen(s[i].data));
            ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
            archive_write_data(a, s[i].data, strlen(s[i].data));
            archive_entry_free(e);
        }
        archive_write_close(a);
        archive_write_free(a);
        reset_xdir();
        ck_assert_msg(extract(buf, len, &err) == 0, "format %zu: %s", f,
                      err.msg);
        ck_assert_str_eq(listing(xdir), "blob_16389.dat,toc.dat");
        ck_assert_str_eq(content("blob_16389.dat"), "hello");
        free(buf);
    }
}
END_TEST

/* The real thing: pg_dump -Fd (PostgreSQL 15, one table, two large
 * objects) tarred with "tar -C parent -cf dirdump.tar d". */
START_TEST(test_real_dump)
{
    static unsigned char tar[65536];
    struct rd_err err = {0};
    char cmd[PATH_MAX + 64], out[8192];
    size_t len, n;
    FILE *f = fopen(FIXTURE, "rb");

    ck_assert_msg(f != NULL, "cannot open '%s' (run from the repository root)",
                  FIXTURE);
    len = fread(tar, 1, sizeof(tar), f);
    fclose(f);
    ck_assert_uint_eq(len, 10240);
    ck_assert_msg(extract(tar, len, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(listing(xdir), "3338.dat.gz,blob_16389.dat.gz,"
                                    "blob_16390.dat.gz,blobs.toc,toc.dat");
    assert_only_files();

    ck_assert_msg(access(PG_RESTORE, X_OK) == 0, "'%s' is needed", PG_RESTORE);
    snprintf(cmd, sizeof(cmd), PG_RESTORE " --list '%s' 2>&1", xdir);
    f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    ck_assert_int_eq(pclose(f), 0);
    ck_assert_msg(strstr(out, "Format: DIRECTORY") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "TABLE DATA public t ") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "BLOB - 16390 ") != NULL, "%s", out);
}
END_TEST

/* --- hostile archives ------------------------------------------------------
 */

/*
 * Extract ${tar}: it must fail with RD_ARCHIVE_UNSAFE_PATH naming
 * ${member} (quoted as in messages), leave nothing outside ${xdir} and
 * only regular 0600 files inside it.
 */
static void
expect_unsafe(const unsigned char *tar, size_t len, const char *member,
              const char *why)
{
    struct rd_err err = {0};
    char needle[600];

    ck_assert_msg(access("/tmp/abs", F_OK) != 0,
                  "/tmp/abs exists before the test: remove it");
    ck_assert_str_eq(listing(base), "victim,x");
    ck_assert_int_eq(extract(tar, len, &err), -1);
    ck_assert_msg(err.code == RD_ARCHIVE_UNSAFE_PATH, "%s: %s",
                  rd_code_name(err.code), err.msg);
    snprintf(needle, sizeof(needle),
             "refusing member '%s' of archive "
             "'dump.tar': ",
             member);
    ck_assert_msg(strstr(err.msg, needle) != NULL, "'%s' lacks '%s'", err.msg,
                  needle);
    ck_assert_msg(strstr(err.msg, why) != NULL, "'%s' lacks '%s'", err.msg,
                  why);
    ck_assert_str_eq(listing(base), "victim,x");
    ck_assert_str_eq(listing(victim), "");
    ck_assert_msg(access("/tmp/abs", F_OK) != 0, "/tmp/abs was written");
    assert_only_files();
}

/* A good toc.dat, then ${s}, then a good 1.dat. */
static void
expect_unsafe_spec(const struct spec *s, const char *member, const char *why)
{
    struct spec all[4] = {
        {.name = "toc.dat", .data = "PGDMP toc"},
        *s,
        {.name = "1.dat", .data = "data"},
    };
    size_t len;
    unsigned char *tar = build(all, 3, &len);

    expect_unsafe(tar, len, member, why);
    free(tar);
}

START_TEST(test_unsafe_dotdot)
{
    expect_unsafe_spec(&(struct spec){.name = "../evil", .data = "x"},
                       "../evil", "'..' in name");
    ck_assert_str_eq(listing(xdir), "toc.dat");
}
END_TEST

START_TEST(test_unsafe_absolute)
{
    expect_unsafe_spec(&(struct spec){.name = "/tmp/abs", .data = "x"},
                       "/tmp/abs", "absolute path");
}
END_TEST

START_TEST(test_unsafe_dotdot_inside)
{
    expect_unsafe_spec(&(struct spec){.name = "dump/../../x", .data = "x"},
                       "dump/../../x", "'..' in name");
}
END_TEST

/* A symlink to a directory outside, then a file through it. */
START_TEST(test_unsafe_symlink)
{
    struct spec s[] = {
        {.name = "toc.dat", .data = "PGDMP toc"},
        {.name = "d", .type = AE_IFLNK, .perm = 0777, .link = victim},
        {.name = "d/x", .data = "through the link"},
        {.name = "d/1.dat", .data = "through the link"},
    };
    size_t len;
    unsigned char *tar = build(s, N(s), &len);

    expect_unsafe(tar, len, "d", "symbolic link not allowed");
    free(tar);
}
END_TEST

/* A symlink whose name is a dump file name. */
START_TEST(test_unsafe_symlink_named_dat)
{
    expect_unsafe_spec(&(struct spec){.name = "2.dat",
                                      .type = AE_IFLNK,
                                      .link = "/etc/passwd"},
                       "2.dat", "symbolic link not allowed");
}
END_TEST

START_TEST(test_unsafe_hardlink)
{
    expect_unsafe_spec(&(struct spec){.name = "hl", .hard = "toc.dat"}, "hl",
                       "hard link not allowed");
    reset_xdir();
    expect_unsafe_spec(&(struct spec){.name = "2.dat", .hard = "toc.dat"},
                       "2.dat", "hard link not allowed");
}
END_TEST

/* Link headers that carry data, and a "regular file" header with a link
 * name: refused or written as a plain file, never linked. */
START_TEST(test_unsafe_hardlink_with_data)
{
    static unsigned char tar[8192];
    struct stat st;
    size_t len = 0;

    raw_add(tar, &len, "toc.dat", 7, '0', NULL, "PGDMP toc");
    raw_add(tar, &len, "2.dat", 5, '1', "toc.dat", "abc");
    raw_end(tar, &len);
    expect_unsafe(tar, len, "2.dat", "hard link not allowed");

    reset_xdir();
    len = 0;
    raw_add(tar, &len, "toc.dat", 7, '0', NULL, "PGDMP toc");
    raw_add(tar, &len, "2.dat", 5, '2', "/etc/passwd", "abc");
    raw_end(tar, &len);
    expect_unsafe(tar, len, "2.dat", "symbolic link not allowed");

    reset_xdir();
    len = 0;
    raw_add(tar, &len, "toc.dat", 7, '0', "/etc/passwd", "PGDMP toc");
    raw_end(tar, &len);
    {
        /* libarchive 3.6 ignores the link name of a type '0' header. */
        struct rd_err err = {0};

        ck_assert_msg(extract(tar, len, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(content("toc.dat"), "PGDMP toc");
    }
    assert_only_files();
    ck_assert_int_eq(stat("/etc/passwd", &st), 0);
    ck_assert_uint_eq(st.st_nlink, 1);
}
END_TEST

START_TEST(test_unsafe_fifo)
{
    expect_unsafe_spec(&(struct spec){.name = "2.dat", .type = AE_IFIFO},
                       "2.dat", "FIFO not allowed");
}
END_TEST

START_TEST(test_unsafe_chardev)
{
    expect_unsafe_spec(&(struct spec){.name = "2.dat", .type = AE_IFCHR},
                       "2.dat", "character device not allowed");
    reset_xdir();
    expect_unsafe_spec(&(struct spec){.name = "3.dat", .type = AE_IFBLK},
                       "3.dat", "block device not allowed");
}
END_TEST

/* THREATS 3.3: setuid bits are refused; mode bits are never applied. */
START_TEST(test_unsafe_setuid)
{
    static const struct spec s[] = {
        {.name = "toc.dat", .data = "PGDMP toc"},
        {.name = "1.dat", .data = "x", .perm = 04755},
    };
    size_t len;
    unsigned char *tar = build(s, N(s), &len);

    expect_unsafe(tar, len, "1.dat", "setuid or setgid file");
    ck_assert_str_eq(listing(xdir), "toc.dat");
    free(tar);
    reset_xdir();
    expect_unsafe_spec(
        &(struct spec){.name = "2.dat", .data = "x", .perm = 02755}, "2.dat",
        "setuid or setgid file");
}
END_TEST

/* A setgid directory (inherited on some file systems) is harmless: we
 * never create directories. */
START_TEST(test_setgid_directory_ok)
{
    static const struct spec s[] = {
        {.name = "d/", .type = AE_IFDIR, .perm = 02700},
        {.name = "d/toc.dat", .data = "PGDMP toc", .perm = 0666},
    };
    struct rd_err err = {0};
    size_t len;
    unsigned char *tar = build(s, N(s), &len);

    ck_assert_msg(extract(tar, len, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(listing(xdir), "toc.dat");
    assert_only_files();
    free(tar);
}
END_TEST

START_TEST(test_unsafe_duplicate)
{
    expect_unsafe_spec(&(struct spec){.name = "toc.dat", .data = "second"},
                       "toc.dat", "duplicate name");
    ck_assert_str_eq(content("toc.dat"), "PGDMP toc");
    reset_xdir();
    /* The same file under another compression suffix. */
    expect_unsafe_spec(&(struct spec){.name = "toc.dat.gz", .data = "z"},
                       "toc.dat.gz", "duplicate name (another compression");
    reset_xdir();
    /* The same file with and without "./". */
    expect_unsafe_spec(&(struct spec){.name = "./toc.dat", .data = "z"},
                       "./toc.dat", "duplicate name");
}
END_TEST

START_TEST(test_unsafe_two_directories)
{
    static const struct spec two[] = {
        {.name = "a/toc.dat", .data = "PGDMP toc"},
        {.name = "b/1.dat", .data = "x"},
    };
    static const struct spec mixed[] = {
        {.name = "toc.dat", .data = "PGDMP toc"},
        {.name = "b/1.dat", .data = "x"},
    };
    static const struct spec dirs[] = {
        {.name = "a/", .type = AE_IFDIR},
        {.name = "b/", .type = AE_IFDIR},
    };
    size_t len;
    unsigned char *tar = build(two, N(two), &len);

    expect_unsafe(tar, len, "b/1.dat",
                  "a second leading directory (after 'a')");
    free(tar);
    reset_xdir();
    tar = build(mixed, N(mixed), &len);
    expect_unsafe(tar, len, "b/1.dat",
                  "a second leading directory (after './')");
    free(tar);
    reset_xdir();
    tar = build(dirs, N(dirs), &len);
    expect_unsafe(tar, len, "b/", "a second leading directory");
    free(tar);
}
END_TEST

START_TEST(test_unsafe_newline)
{
    expect_unsafe_spec(&(struct spec){.name = "4\n.dat", .data = "x"},
                       "4\\x0a.dat", "control or non-ASCII byte");
}
END_TEST

START_TEST(test_unsafe_long_name)
{
    char name[301], quoted[256];

    memset(name, 'a', 300);
    name[300] = '\0';
    /* The message holds the name shortened to 248 bytes and "...". */
    memset(quoted, 'a', 248);
    strcpy(quoted + 248, "...");
    expect_unsafe_spec(&(struct spec){.name = name, .data = "x"}, quoted,
                       "path component longer than 255 bytes");
}
END_TEST

/* restore.sql is what pg_dump -Ft writes; a tarred -Fd never has it. */
START_TEST(test_unsafe_restore_sql)
{
    struct rd_err err = {0};
    static const struct spec s[] = {
        {.name = "toc.dat", .data = "PGDMP toc"},
        {.name = "restore.sql", .data = "--\n"},
    };
    size_t len;
    unsigned char *tar = build(s, N(s), &len);

    expect_unsafe(tar, len, "restore.sql",
                  "not a file name pg_dump -Fd writes");
    reset_xdir();
    ck_assert_int_eq(extract(tar, len, &err), -1);
    ck_assert_msg(strstr(err.msg, "\nHINT: restore.sql is written by pg_dump "
                                  "-Ft") != NULL,
                  "%s", err.msg);
    free(tar);
}
END_TEST

/* An empty name, which libarchive's writer will not write. */
START_TEST(test_unsafe_empty_name)
{
    static unsigned char tar[8192];
    size_t len = 0;

    raw_add(tar, &len, "toc.dat", 7, '0', NULL, "PGDMP toc");
    raw_add(tar, &len, "", 0, '0', NULL, "x");
    raw_end(tar, &len);
    expect_unsafe(tar, len, "", "empty name");
}
END_TEST

START_TEST(test_unsafe_other_names)
{
    static const char *const names[] = {"x.dat", "toc.dat.bz2", "a/b/toc.dat",
                                        ".",     "./.",         "d\\toc.dat"};

    for (size_t i = 0; i < N(names); i++) {
        char q[64];

        reset_xdir();
        snprintf(q, sizeof(q), "%s", names[i]);
        if (strchr(q, '\\') != NULL)
            strcpy(q, "d\\x5ctoc.dat");
        expect_unsafe_spec(&(struct spec){.name = names[i], .data = "x"}, q,
                           "");
    }
}
END_TEST

/* Sparse members (holes) are refused. */
START_TEST(test_unsafe_sparse)
{
    unsigned char *buf = malloc(TAR_CAP);
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    static char data[8192];
    size_t len;

    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_in_last_block(a, 1);
    archive_write_open_memory(a, buf, TAR_CAP, &len);
    archive_entry_set_pathname(e, "toc.dat");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, 8192);
    archive_entry_sparse_add_entry(e, 0, 512);
    archive_entry_sparse_add_entry(e, 4096, 512);
    ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
    archive_write_data(a, data, 1024);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    expect_unsafe(buf, len, "toc.dat", "sparse file");
    free(buf);
}
END_TEST

START_TEST(test_limits)
{
    struct untar_limits l = lim;
    struct rd_err err = {0};
    size_t len;
    unsigned char *tar = build(good_flat, N(good_flat), &len);
    struct mem_stream m = {
        .s = {.read = mem_read, .free = mem_free, .name = "dump.tar"},
        .data = tar,
        .len = len,
        .chunk = 4096,
        .fail_at = SIZE_MAX,
    };

    l.max_entries = 3;
    ck_assert_int_eq(untar_extract(&m.s, xdir, &l, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_UNSAFE_PATH);
    ck_assert_str_eq(err.msg, "refusing member 'blobs.toc' of archive "
                              "'dump.tar': more than 3 members");

    reset_xdir();
    m.pos = 0;
    l = lim;
    l.max_entry_bytes = 9; /* "gzip bytes" has 10 */
    ck_assert_int_eq(untar_extract(&m.s, xdir, &l, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_UNSAFE_PATH);
    ck_assert_str_eq(err.msg, "refusing member '3001.dat.gz' of archive "
                              "'dump.tar': 10 bytes, over the cap of 9 "
                              "bytes per member");

    reset_xdir();
    m.pos = 0;
    l = lim;
    l.max_total_bytes = 9 + 10 + 5; /* blobs.toc does not fit */
    ck_assert_int_eq(untar_extract(&m.s, xdir, &l, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_UNSAFE_PATH);
    ck_assert_str_eq(err.msg, "refusing member 'blobs.toc' of archive "
                              "'dump.tar': the archive holds over 24 bytes");
    ck_assert_str_eq(listing(xdir), "3001.dat.gz,blob_1.dat,toc.dat");

    reset_xdir();
    m.pos = 0;
    l.max_total_bytes = 9 + 10 + 5 + 21;
    ck_assert_msg(untar_extract(&m.s, xdir, &l, &err) == 0, "%s", err.msg);

    /* the unpack bound (max_unpacked_size): its own code, before writing */
    reset_xdir();
    m.pos = 0;
    l = lim;
    l.unpacked = (struct unpack_limit){9 + 10 + 5, RD_ARCHIVE_TOO_LARGE};
    ck_assert_int_eq(untar_extract(&m.s, xdir, &l, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "'dump.tar' extracts to more"));
    ck_assert_str_eq(listing(xdir), "3001.dat.gz,blob_1.dat,toc.dat");

    reset_xdir();
    m.pos = 0;
    l.unpacked = (struct unpack_limit){9 + 10 + 5, RD_DISK_FULL};
    ck_assert_int_eq(untar_extract(&m.s, xdir, &l, &err), -1);
    ck_assert_int_eq(err.code, RD_DISK_FULL);

    reset_xdir();
    m.pos = 0;
    l.unpacked.max = 9 + 10 + 5 + 21;
    ck_assert_msg(untar_extract(&m.s, xdir, &l, &err) == 0, "%s", err.msg);
    free(tar);
}
END_TEST

/* --- truncation and the end-of-archive blocks ------------------------------
 */

/*
 * Pin libarchive 3.6's behaviour that makes our own end-of-archive check
 * necessary: a tar cut at a member boundary reads as a complete archive.
 */
START_TEST(test_libarchive_eof_at_boundary)
{
    size_t len, cut;
    unsigned char *tar = build(good_flat, N(good_flat), &len);
    struct archive *a;
    struct archive_entry *e;
    int r, n = 0;

    cut = len - 1024; /* the end-of-archive blocks removed */
    a = archive_read_new();
    archive_read_support_format_tar(a);
    ck_assert_int_eq(archive_read_open_memory(a, tar, cut), ARCHIVE_OK);
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const void *b;
        size_t l;
        la_int64_t o;

        while (archive_read_data_block(a, &b, &l, &o) == ARCHIVE_OK)
            ;
        n++;
    }
    ck_assert_int_eq(r, ARCHIVE_EOF);
    ck_assert_int_eq(n, 4);
    ck_assert_int_eq(archive_errno(a), 0);
    /* The tell-tale LIBRARIES.md describes: nothing after the header
     * position (1024 with both blocks). */
    ck_assert_int_eq(
        archive_filter_bytes(a, 0) - archive_read_header_position(a), 0);
    archive_read_free(a);
    free(tar);
}
END_TEST

START_TEST(test_truncated_everywhere)
{
    struct rd_err err = {0};
    size_t len, cut;
    unsigned char *tar = build(good_flat, N(good_flat), &len);
    static const size_t mid[] = {1, 100, 257, 511};
    int tried = 0;

    ck_assert_uint_eq(len % 512, 0);
    for (cut = 0; cut < len; cut += 512) {
        for (size_t j = 0; j <= N(mid); j++) {
            size_t at = cut + (j == 0 ? 0 : mid[j - 1]);

            reset_xdir();
            ck_assert_msg(extract(tar, at, &err) == -1,
                          "cut at %zu of %zu accepted", at, len);
            ck_assert_msg(err.code == RD_ARCHIVE_TRUNCATED,
                          "cut at %zu of %zu: %s: %s", at, len,
                          rd_code_name(err.code), err.msg);
            assert_only_files();
            tried++;
        }
    }
    ck_assert_int_ge(tried, 5 * 10);
    /* The whole archive is fine. */
    reset_xdir();
    ck_assert_msg(extract(tar, len, &err) == 0, "%s", err.msg);
    free(tar);
}
END_TEST

START_TEST(test_truncated_messages)
{
    struct rd_err err = {0};
    size_t len;
    unsigned char *tar = build(good_flat, N(good_flat), &len);

    /* No end-of-archive blocks, then only one of the two. */
    ck_assert_int_eq(extract(tar, len - 1024, &err), -1);
    ck_assert_str_eq(err.msg, "truncated tar archive 'dump.tar': it ends "
                              "after a member without its end-of-archive "
                              "blocks");
    reset_xdir();
    ck_assert_int_eq(extract(tar, len - 512, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_TRUNCATED);
    /* Inside toc.dat's data (plain ustar header, then data): the member
     * is named. */
    reset_xdir();
    ck_assert_int_eq(extract(tar, 512 + 3, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_TRUNCATED);
    ck_assert_msg(strstr(err.msg, "in member 'toc.dat'") != NULL, "%s",
                  err.msg);
    /* Nothing at all. */
    reset_xdir();
    ck_assert_int_eq(extract(tar, 0, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_TRUNCATED);
    free(tar);
}
END_TEST

START_TEST(test_data_after_eoa)
{
    struct rd_err err = {0};
    size_t len, len2;
    unsigned char *tar = build(good_flat, N(good_flat), &len);
    unsigned char *second = build(good_flat, 1, &len2);

    /* A second archive appended ("tar -i" would read it). */
    memcpy(tar + len, second, len2);
    ck_assert_int_eq(extract(tar, len + len2, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_UNSAFE_PATH);
    ck_assert_msg(strstr(err.msg, "data after its end-of-archive blocks") !=
                      NULL,
                  "%s", err.msg);
    /* One zero block, then a member. */
    reset_xdir();
    memmove(tar + len - 512, second, len2);
    ck_assert_int_eq(extract(tar, len - 512 + len2, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_UNSAFE_PATH);
    /* One stray byte deep in the padding. */
    reset_xdir();
    memset(tar + len - 1024, 0, 1024 + 40000);
    tar[len + 30000] = 1;
    ck_assert_int_eq(extract(tar, len + 40000, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_UNSAFE_PATH);
    free(second);
    free(tar);
}
END_TEST

START_TEST(test_no_toc)
{
    static const struct spec s[] = {
        {.name = "d/", .type = AE_IFDIR},
        {.name = "d/3001.dat", .data = "x"},
    };
    static unsigned char zeros[1024], text[2048];
    struct rd_err err = {0};
    size_t len;
    unsigned char *tar = build(s, N(s), &len);

    ck_assert_int_eq(extract(tar, len, &err), -1);
    ck_assert_int_eq(err.code, RD_FORMAT_UNKNOWN);
    ck_assert_str_eq(err.msg, "archive 'dump.tar' holds no toc.dat: not a "
                              "tarred pg_dump directory-format dump");
    free(tar);
    /* An empty tar: just the end-of-archive blocks. */
    reset_xdir();
    ck_assert_int_eq(extract(zeros, sizeof(zeros), &err), -1);
    ck_assert_int_eq(err.code, RD_FORMAT_UNKNOWN);
    /* Not a tar at all. */
    reset_xdir();
    memset(text, 'A', sizeof(text));
    ck_assert_int_eq(extract(text, sizeof(text), &err), -1);
    ck_assert_msg(err.code == RD_FORMAT_UNKNOWN, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "archive 'dump.tar' is not a tar archive") !=
                      NULL,
                  "%s", err.msg);
}
END_TEST

/* The stream's own failure is passed on, wherever it happens -- also after
 * the end-of-archive blocks, where only a decoder's checksum fails. */
START_TEST(test_stream_error_passed_on)
{
    struct rd_err err = {0};
    size_t len, at;
    unsigned char *tar = build(good_flat, N(good_flat), &len);
    const size_t fails[] = {0,    1,          511,     512, 1000,
                            2048, len - 1024, len - 1, len};

    memset(tar + len, 0, 10240);
    for (size_t i = 0; i < N(fails) + 1; i++) {
        at = i < N(fails) ? fails[i] : len + 10240;
        reset_xdir();
        ck_assert_int_eq(extract_chunked(tar, len + 10240, 1000, at, &err), -1);
        ck_assert_msg(err.code == RD_DECOMPRESS_CORRUPT, "fail at %zu: %s", at,
                      err.msg);
        ck_assert_str_eq(err.msg, "corrupt gzip data in archive 'dump.tar'");
        assert_only_files();
    }
    free(tar);
}
END_TEST

/* --- the extraction directory ------------------------------------------- */

START_TEST(test_directory_checks)
{
    struct rd_err err = {0};
    char link[PATH_MAX + 8], file[PATH_MAX + 8];
    size_t len;
    unsigned char *tar = build(good_flat, N(good_flat), &len);
    struct mem_stream m = {
        .s = {.read = mem_read, .free = mem_free, .name = "dump.tar"},
        .data = tar,
        .len = len,
        .chunk = 4096,
        .fail_at = SIZE_MAX,
    };
    int fd;

    /* Not empty. */
    snprintf(file, sizeof(file), "%s/old", xdir);
    fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(untar_extract(&m.s, xdir, &lim, &err), -1);
    ck_assert_int_eq(err.code, RD_INTERNAL);
    ck_assert_msg(strstr(err.msg, "is not empty") != NULL, "%s", err.msg);
    /* A symlink to a directory is not followed. */
    snprintf(link, sizeof(link), "%s/link", base);
    ck_assert_int_eq(symlink(victim, link), 0);
    ck_assert_int_eq(untar_extract(&m.s, link, &lim, &err), -1);
    ck_assert_int_eq(err.code, RD_INTERNAL);
    ck_assert_str_eq(listing(victim), "");
    /* Missing. */
    snprintf(link, sizeof(link), "%s/missing", base);
    ck_assert_int_eq(untar_extract(&m.s, link, &lim, &err), -1);
    ck_assert_int_eq(err.code, RD_INTERNAL);
    ck_assert_int_eq(m.pos, 0);
    free(tar);
}
END_TEST

Suite *
untar_suite(void)
{
    Suite *s = suite_create("untar");
    TCase *tc;

    tc = tcase_create("member_ok");
    tcase_add_test(tc, test_member_ok_accepts);
    tcase_add_test(tc, test_member_ok_refuses);
    suite_add_tcase(s, tc);

    tc = tcase_create("good");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_good_flat);
    tcase_add_test(tc, test_good_in_directory);
    tcase_add_test(tc, test_good_dot_slash);
    tcase_add_test(tc, test_good_compressed_toc);
    tcase_add_test(tc, test_good_odd_endings);
    tcase_add_test(tc, test_good_padding);
    tcase_add_test(tc, test_good_other_formats);
    tcase_add_test(tc, test_setgid_directory_ok);
    tcase_add_test(tc, test_real_dump);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_unsafe_dotdot);
    tcase_add_test(tc, test_unsafe_absolute);
    tcase_add_test(tc, test_unsafe_dotdot_inside);
    tcase_add_test(tc, test_unsafe_symlink);
    tcase_add_test(tc, test_unsafe_symlink_named_dat);
    tcase_add_test(tc, test_unsafe_hardlink);
    tcase_add_test(tc, test_unsafe_hardlink_with_data);
    tcase_add_test(tc, test_unsafe_fifo);
    tcase_add_test(tc, test_unsafe_chardev);
    tcase_add_test(tc, test_unsafe_setuid);
    tcase_add_test(tc, test_unsafe_duplicate);
    tcase_add_test(tc, test_unsafe_two_directories);
    tcase_add_test(tc, test_unsafe_newline);
    tcase_add_test(tc, test_unsafe_long_name);
    tcase_add_test(tc, test_unsafe_restore_sql);
    tcase_add_test(tc, test_unsafe_empty_name);
    tcase_add_test(tc, test_unsafe_other_names);
    tcase_add_test(tc, test_unsafe_sparse);
    tcase_add_test(tc, test_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("ends");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_libarchive_eof_at_boundary);
    tcase_add_test(tc, test_truncated_everywhere);
    tcase_add_test(tc, test_truncated_messages);
    tcase_add_test(tc, test_data_after_eoa);
    tcase_add_test(tc, test_no_toc);
    tcase_add_test(tc, test_stream_error_passed_on);
    tcase_add_test(tc, test_directory_checks);
    suite_add_tcase(s, tc);
    return s;
}
