/* pgtools: the installed PostgreSQL programs (the newest major under
 * /usr/lib/postgresql or $RESTOREDRILL_PG_ROOT) and pg_restore's version. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "restore/target/cluster.h"

char *
pgtools_path(const struct pg_tools *t, const char *prog, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", t->bindir, prog);
    return buf;
}

/* True when ${bindir} has pg_restore (and initdb + postgres if ${server}). */
static bool
has_tools(const char *bindir, bool server)
{
    static const char *const progs[] = {"pg_restore", "initdb", "postgres",
                                        NULL};
    char p[PATH_MAX + 32];

    for (int i = 0; progs[i] != NULL && (server || i == 0); i++) {
        snprintf(p, sizeof(p), "%s/%s", bindir, progs[i]);
        if (access(p, X_OK) != 0)
            return false;
    }
    return true;
}

/* Collect pg_restore's version line into ${ctx}. */
static void
take_line(void *ctx, const char *line)
{
    char *dst = ctx;

    if (dst[0] == '\0')
        snprintf(dst, 64, "%s", line);
}

/* The major to use among those installed: ${want}'s own, else the newest
 * newer one, else the newest (0: the newest). */
static bool
better(long m, int cur, int want)
{
    if (cur == 0 || want <= 0)
        return m > cur;
    if (cur == want)
        return false;
    if (m == want)
        return true;
    return m > cur; /* the newest newer, or the closest to newer */
}

int
pgtools_find(struct pg_tools *t, bool server, int want, struct rd_err *err)
{
    const char *root = getenv("RESTOREDRILL_PG_ROOT");
    char bindir[PATH_MAX], pgr[PATH_MAX + 16];
    struct dirent *de;
    int best = 0;
    DIR *d;

    memset(t, 0, sizeof(*t));
    if (root == NULL || root[0] == '\0')
        root = "/usr/lib/postgresql";
    d = opendir(root);
    while (d != NULL && (de = readdir(d)) != NULL) {
        char *end;
        long m = strtol(de->d_name, &end, 10);

        if (end == de->d_name || *end != '\0' || m <= 0 || m > 999 ||
            !better(m, best, want))
            continue;
        snprintf(bindir, sizeof(bindir), "%s/%s/bin", root, de->d_name);
        if (!has_tools(bindir, server))
            continue;
        best = (int)m;
        snprintf(t->bindir, sizeof(t->bindir), "%s", bindir);
    }
    if (d != NULL)
        closedir(d);
    if (best == 0)
        return rd_err_set(
            err, RD_TOOL_MISSING,
            server
                ? "no PostgreSQL server installed under '%s' (initdb, postgres and pg_restore are needed for target = ephemeral)\nHINT: apt-get install postgresql-15 (or the major your dumps come from), or set target to an existing server's conninfo"
                : "no pg_restore installed under '%s'\nHINT: apt-get install postgresql-client-15 (or the major your dumps come from)",
            root);
    t->major = best;

    /* The exact version of the pg_restore we will run, for the report. */
    char line[64] = "", *v;
    const char *argv[] = {pgr, "--version", NULL};
    const char *envp[] = {"LC_ALL=C", "PATH=/usr/bin:/bin", NULL};
    struct proc_spec spec = {.argv = argv,
                             .env = envp,
                             .stdin_fd = -1,
                             .stdout_fd = -1,
                             .stderr_fd = -1,
                             .out_cap = 256,
                             .timeout_s = 30};
    struct proc_result res;

    pgtools_path(t, "pg_restore", pgr, sizeof(pgr));
    if (proc_run(&spec, &res, err) != 0) {
        proc_result_release(&res);
        return -1;
    }
    if (res.out != NULL)
        take_line(line, res.out);
    proc_result_release(&res);
    /* "pg_restore (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" -> "15.20" */
    line[strcspn(line, "\n")] = '\0';
    v = strstr(line, ") ");
    v = v != NULL ? v + 2 : line;
    snprintf(t->restore_version, sizeof(t->restore_version), "%.*s",
             (int)strcspn(v, " "), v);
    return 0;
}
