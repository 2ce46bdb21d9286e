/* proc_env: what a child runs with -- its environment (proc_env_*) and
 * the OS user it runs as (proc_ident_resolve()). */
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verifier/util/proc.h"

void
proc_env_init(struct proc_env *e)
{
    memset(e, 0, sizeof(*e));
}

int
proc_env_set(struct proc_env *e, const char *name, const char *value)
{
    size_t nl = strlen(name);
    char *s = malloc(nl + strlen(value) + 2);

    if (s == NULL)
        return -1;
    sprintf(s, "%s=%s", name, value);
    for (int i = 0; i < e->n; i++) {
        if (strncmp(e->v[i], name, nl) == 0 && e->v[i][nl] == '=') {
            free(e->v[i]);
            e->v[i] = s;
            return 0;
        }
    }
    if (e->n >= PROC_ENV_MAX) {
        free(s);
        return -1;
    }
    e->v[e->n++] = s;
    e->v[e->n] = NULL;
    return 0;
}

void
proc_env_release(struct proc_env *e)
{
    if (e == NULL)
        return;
    for (int i = 0; i < e->n; i++)
        free(e->v[i]);
    memset(e, 0, sizeof(*e));
}

int
proc_ident_resolve(const char *run_as, struct proc_ident *id,
                   struct rd_err *err)
{
    struct passwd *pw;

    memset(id, 0, sizeof(*id));
    if (geteuid() != 0) {
        pw = getpwuid(geteuid());
        id->uid = geteuid();
        id->gid = getegid();
        snprintf(id->name, sizeof(id->name), "%s",
                 pw != NULL ? pw->pw_name : "?");
        return 0;
    }
    pw = getpwnam(run_as);
    if (pw == NULL)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "run_as user '%s' does not exist\nHINT: %s%s", run_as,
            strcmp(run_as, "restoredrill") == 0
                ? "create the account the scratch server runs as: useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin restoredrill"
                : "create it, or set run_as to an existing unprivileged user (default: restoredrill)",
            strcmp(run_as, "restoredrill") == 0
                ? " (make install and ci/install-deps do this as root)"
                : "");
    if (pw->pw_uid == 0)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "run_as user '%s' is root: restores never run as an OS superuser",
            run_as);
    id->drop = true;
    id->uid = pw->pw_uid;
    id->gid = pw->pw_gid;
    snprintf(id->name, sizeof(id->name), "%s", pw->pw_name);
    snprintf(id->home, sizeof(id->home), "%s", pw->pw_dir);
    return 0;
}
