/* sandbox: the bwrap command line, the one-time check that it works, and
 * the host pid of what runs inside. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "restore/sandbox/sandbox.h"

#define SETPRIV "/usr/bin/setpriv"

/* The host's top-level dirs the programs need: symlinks on a merged-/usr
 * system (Debian 12), real dirs elsewhere. */
static const char *const top_dirs[] = {"/bin",   "/sbin",   "/lib", "/lib32",
                                       "/lib64", "/libx32", NULL};

/* Of /etc, only what the dynamic linker, getpwuid() and the time zone
 * read: no host configuration for a dump to read back through an error. */
static const char *const etc_files[] = {"/etc/passwd",        "/etc/group",
                                        "/etc/nsswitch.conf", "/etc/localtime",
                                        "/etc/ld.so.cache",   "/etc/ld.so.conf",
                                        "/etc/ld.so.conf.d",  NULL};

int
sandbox_mode_parse(const char *s, enum sandbox_mode *mode)
{
    if (strcmp(s, "auto") == 0)
        *mode = SANDBOX_AUTO;
    else if (strcmp(s, "required") == 0)
        *mode = SANDBOX_REQUIRED;
    else if (strcmp(s, "off") == 0)
        *mode = SANDBOX_OFF;
    else
        return -1;
    return 0;
}

const char *
sandbox_name(const struct sandbox *sb)
{
    return sb != NULL && sb->on ? "bwrap" : "none";
}

/* An executable bwrap on PATH into ${out}; false when there is none. */
static bool
find_bwrap(char *out, size_t len)
{
    const char *path = getenv("PATH");
    const char *p = path != NULL ? path : "/usr/bin:/bin";

    while (*p != '\0') {
        size_t n = strcspn(p, ":");

        if (n > 0 && n < len - 8 && p[0] == '/') { /* never a relative dir */
            snprintf(out, len, "%.*s/bwrap", (int)n, p);
            if (access(out, X_OK) == 0)
                return true;
        }
        p += n;
        if (*p == ':')
            p++;
    }
    out[0] = '\0';
    return false;
}

/* Append one argument; a copy in ${c}->buf when ${copy}. */
static int
add(struct sandbox_cmd *c, int *n, const char *s, bool copy)
{
    if (*n >= SANDBOX_ARGV_MAX - 1)
        return -1;
    if (copy) {
        size_t l = strlen(s) + 1;

        if (c->used + l > sizeof(c->buf))
            return -1;
        memcpy(c->buf + c->used, s, l);
        s = c->buf + c->used;
        c->used += l;
    }
    c->argv[(*n)++] = s;
    return 0;
}

/* Append the borrowed arguments up to NULL, in order. */
static int
addv(struct sandbox_cmd *c, int *n, ...)
{
    const char *s;
    va_list ap;
    int rc = 0;

    va_start(ap, n);
    while (rc == 0 && (s = va_arg(ap, const char *)) != NULL)
        rc = add(c, n, s, false);
    va_end(ap);
    return rc;
}

/* Make the parents of ${path} (below /tmp or /) 0755, so that run_as can
 * reach what is bound there: bwrap makes missing parents 0700. */
static int
add_parents(struct sandbox_cmd *c, int *n, const char *path)
{
    char dir[PATH_MAX];
    int rc = 0;

    snprintf(dir, sizeof(dir), "%s", path);
    for (char *p = strchr(dir + 1, '/'); rc == 0 && p != NULL;
         p = strchr(p + 1, '/')) {
        *p = '\0';
        if (strcmp(dir, "/tmp") != 0 && strcmp(dir, "/usr") != 0 &&
            strncmp(dir, "/usr/", 5) != 0) {
            rc = addv(c, n, "--perms", "0755", "--dir", NULL);
            rc = rc != 0 ? rc : add(c, n, dir, true);
        }
        *p = '/';
    }
    return rc;
}

/* Bind ${path} at the same place (${opt}: --ro-bind or --bind). */
static int
add_bind(struct sandbox_cmd *c, int *n, const char *opt, const char *path)
{
    int rc = path[0] == '/' ? add_parents(c, n, path) : -1;

    return rc != 0 ? rc : addv(c, n, opt, path, path, NULL);
}

/* The file system: /usr, the top-level links, /etc's few files, /proc,
 * /dev, a private /tmp, then the request's own binds. */
static int
add_fs(struct sandbox_cmd *c, int *n, const struct sandbox *sb,
       const struct sandbox_req *req)
{
    int rc = addv(c, n, "--ro-bind", "/usr", "/usr", NULL);

    for (int i = 0; rc == 0 && top_dirs[i] != NULL; i++) {
        char link[PATH_MAX];
        struct stat st;
        ssize_t l;

        if (lstat(top_dirs[i], &st) != 0)
            continue;
        if (S_ISLNK(st.st_mode) &&
            (l = readlink(top_dirs[i], link, sizeof(link) - 1)) > 0) {
            link[l] = '\0';
            rc = addv(c, n, "--symlink", NULL);
            rc = rc != 0 ? rc : add(c, n, link, true);
            rc = rc != 0 ? rc : add(c, n, top_dirs[i], false);
        } else if (S_ISDIR(st.st_mode)) {
            rc = addv(c, n, "--ro-bind", top_dirs[i], top_dirs[i], NULL);
        }
    }
    if (rc == 0)
        rc = addv(c, n, "--perms", "0755", "--dir", "/etc", NULL);
    for (int i = 0; rc == 0 && etc_files[i] != NULL; i++)
        rc = addv(c, n, "--ro-bind-try", etc_files[i], etc_files[i], NULL);
    if (rc == 0)
        rc = addv(c, n, "--proc", "/proc", "--dev", "/dev", "--perms", "1777",
                  "--tmpfs", "/tmp", NULL);
    if (rc == 0 && sb->tools[0] != '\0')
        rc = add_bind(c, n, "--ro-bind", sb->tools);
    for (int i = 0; rc == 0 && i < SANDBOX_RO_MAX && req->ro[i] != NULL; i++)
        rc = add_bind(c, n, "--ro-bind", req->ro[i]);
    if (rc == 0 && req->rw_dir != NULL)
        rc = add_bind(c, n, "--bind", req->rw_dir);
    return rc;
}

/* As root: setpriv to run_as inside, with nothing left of root. */
static int
add_setpriv(struct sandbox_cmd *c, int *n, const struct proc_ident *id)
{
    char uid[32], gid[32];
    int rc;

    snprintf(uid, sizeof(uid), "--reuid=%ld", (long)id->uid);
    snprintf(gid, sizeof(gid), "--regid=%ld", (long)id->gid);
    rc = add(c, n, SETPRIV, false);
    rc = rc != 0 ? rc : add(c, n, uid, true);
    rc = rc != 0 ? rc : add(c, n, gid, true);
    return rc != 0 ? rc
                   : addv(c, n, "--clear-groups", "--inh-caps=-all",
                          "--bounding-set=-all", "--no-new-privs", "--", NULL);
}

int
sandbox_apply(const struct sandbox *sb, const struct sandbox_req *req,
              struct proc_spec *spec, struct sandbox_cmd *cmd,
              struct rd_err *err)
{
    int n = 0, rc;

    if (sb == NULL || !sb->on)
        return 0;
    cmd->used = 0;
    if (req->host) {
        rc = addv(cmd, &n, sb->bwrap, "--unshare-pid", "--new-session", NULL);
        if (rc == 0 && !req->keep)
            rc = addv(cmd, &n, "--die-with-parent", NULL);
        rc = rc != 0 ? rc
                     : addv(cmd, &n, "--bind", "/", "/", "--proc", "/proc",
                            "--dev-bind", "/dev", "/dev", NULL);
    } else {
        /* Named namespaces, not --unshare-all: as root that would also
           make a user namespace with only uid 0 mapped, where setpriv
           cannot switch. */
        rc = addv(cmd, &n, sb->bwrap, "--unshare-ipc", "--unshare-pid",
                  "--unshare-net", "--unshare-uts", "--hostname",
                  "restoredrill-sandbox", "--new-session", NULL);
        if (rc == 0 && !req->keep)
            rc = addv(cmd, &n, "--die-with-parent", NULL);
        rc = rc != 0 ? rc : add_fs(cmd, &n, sb, req);
    }
    rc = rc != 0 ? rc
                 : addv(cmd, &n, "--chdir",
                        req->chdir != NULL ? req->chdir : "/", "--", NULL);
    if (rc == 0 && sb->ident->drop)
        rc = add_setpriv(cmd, &n, sb->ident);
    for (int i = 0; rc == 0 && spec->argv[i] != NULL; i++)
        rc = add(cmd, &n, spec->argv[i], false);
    if (rc != 0)
        return rd_err_set(
            err, RD_INTERNAL,
            "the sandbox command line for '%s' is too long or binds a relative path",
            spec->argv[0]);
    cmd->argv[n] = NULL;
    spec->argv = cmd->argv;
    spec->drop_privs = false; /* setpriv does it, inside */
    spec->cwd = "/";
    return 0;
}

static void
keep_last(void *ctx, const char *line)
{
    snprintf(ctx, 200, "%s", line);
}

/* Run a wrapped /usr/bin/true: 0 when the sandbox works, else -1 with
 * what bwrap said in ${why}. */
static int
try_sandbox(const struct sandbox *sb, char *why, size_t len)
{
    const char *argv[] = {"/usr/bin/true", NULL};
    const char *envp[] = {"LC_ALL=C", "PATH=/usr/bin:/bin", NULL};
    struct sandbox_req req = {0};
    struct sandbox_cmd cmd;
    struct proc_result res;
    struct rd_err err = {0};
    char last[200] = "", st[96];
    int rc = -1;

    struct proc_spec spec = {.argv = argv,
                             .env = envp,
                             .stdin_fd = -1,
                             .stdout_fd = -1,
                             .stderr_fd = -1,
                             .timeout_s = 30,
                             .on_line = keep_last,
                             .line_ctx = last};
    memset(&res, 0, sizeof(res));
    if (sandbox_apply(sb, &req, &spec, &cmd, &err) != 0 ||
        proc_run(&spec, &res, &err) != 0) {
        snprintf(why, len, "%s", err.msg);
    } else if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
        snprintf(why, len, "'%s' failed (%s)%s%s", sb->bwrap,
                 proc_describe(res.status, st, sizeof(st)),
                 last[0] != '\0' ? ": " : "", last);
    } else {
        rc = 0;
    }
    proc_result_release(&res);
    return rc;
}

int
sandbox_setup(struct sandbox *sb, enum sandbox_mode mode,
              const struct proc_ident *ident, const char *bindir,
              struct rd_err *err)
{
    char why[sizeof(sb->reason)], *slash;

    memset(sb, 0, sizeof(*sb));
    sb->ident = ident;
    if (bindir != NULL && strncmp(bindir, "/usr/", 5) != 0) {
        snprintf(sb->tools, sizeof(sb->tools), "%s", bindir);
        slash = strrchr(sb->tools, '/');
        if (slash != NULL && slash != sb->tools)
            *slash = '\0'; /* ROOT/15/bin -> ROOT/15 */
    }
    if (mode == SANDBOX_OFF) {
        snprintf(sb->reason, sizeof(sb->reason), "sandbox = off");
        return 0;
    }
    if (!find_bwrap(sb->bwrap, sizeof(sb->bwrap))) {
        snprintf(why, sizeof(why),
                 "bwrap (bubblewrap) is not installed or not on PATH");
    } else {
        sb->on = true;
        if (try_sandbox(sb, why, sizeof(why)) == 0)
            return 0;
        sb->on = false;
    }
    snprintf(sb->reason, sizeof(sb->reason), "%s", why);
    if (mode == SANDBOX_REQUIRED)
        return rd_err_set(
            err, RD_SANDBOX_UNAVAILABLE,
            "sandbox = required, but the sandbox cannot be set up: %s\nHINT: apt-get install bubblewrap (and, as a normal user, allow unprivileged user namespaces), or set sandbox = auto",
            why);
    return 0;
}

/* The parent pid of ${pid} (from /proc/PID/stat), or 0. */
static pid_t
parent_of(pid_t pid)
{
    char path[64], buf[512], *p;
    FILE *f;
    long pp = 0;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    f = fopen(path, "re");
    if (f == NULL)
        return 0;
    if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL)
        (void)sscanf(p + 1, " %*c %ld", &pp);
    fclose(f);
    return (pid_t)pp;
}

/* The first process whose parent is ${parent}, or 0. */
static pid_t
child_of(pid_t parent)
{
    struct dirent *de;
    DIR *d = opendir("/proc");
    pid_t found = 0;

    while (d != NULL && found == 0 && (de = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);

        if (end != de->d_name && *end == '\0' && pid > 0 &&
            parent_of((pid_t)pid) == parent)
            found = (pid_t)pid;
    }
    if (d != NULL)
        closedir(d);
    return found;
}

int
sandbox_kill(pid_t outer)
{
    pid_t init = outer > 0 ? child_of(outer) : 0;

    return init > 0 ? kill(init, SIGKILL) : -1;
}

pid_t
sandbox_inner_pid(pid_t outer)
{
    pid_t init = outer > 0 ? child_of(outer) : 0;

    return init > 0 ? child_of(init) : 0;
}
