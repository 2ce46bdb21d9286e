/* target: the driver table and what every driver shares (the maintenance
 * connection, the scratch database, the restore tool's environment). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/redact.h"

#include "restore/target/target_int.h"

struct target *
target_new(const char *spec, const struct pg_tools *tools,
           const struct proc_ident *ident, const struct sandbox *sb, bool keep)
{
    struct target *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->ops = strcmp(spec, "ephemeral") == 0 ? &target_ephemeral_ops
                                            : &target_server_ops;
    t->spec = spec;
    t->tools = tools;
    t->ident = ident;
    t->sb = sb;
    t->keep = keep;
    t->home = "/";
    return t;
}

int
target_set_engine(struct target *t, const char *engine, const char *archive,
                  struct rd_err *err)
{
    if (strcmp(engine, "mysql") != 0)
        return 0;
    if (t->ops != &target_ephemeral_ops && t->ops != &target_mariadb_ops)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "archive '%s' is a mysqldump script: it is restored only into a throwaway MariaDB, not into %s\nHINT: set target = ephemeral (existing MySQL servers are not restore targets: a --databases dump would write into their real databases)",
            archive,
            strncmp(t->spec, "mysql://", 8) == 0 ||
                    strncmp(t->spec, "mariadb://", 10) == 0
                ? "an existing MySQL server"
                : "a PostgreSQL server target");
    t->ops = &target_mariadb_ops;
    return 0;
}

int
target_sandbox(const struct target *t, const char *input,
               struct proc_spec *spec, struct sandbox_cmd *cmd,
               struct rd_err *err)
{
    struct sandbox_req req = {0};

    if (!t->ops->sandboxed) {
        req.host = true;
    } else {
        req.ro[0] = t->cluster.dir[0] != '\0' ? t->cluster.dir : NULL;
        req.ro[req.ro[0] != NULL ? 1 : 0] = input;
    }
    return sandbox_apply(t->sb, &req, spec, cmd, err);
}

void
target_set_policy(struct target *t, const struct target_policy *p)
{
    t->policy = *p;
}

const char *
target_sandbox_name(const struct target *t)
{
    return t->ops->sandboxed ? sandbox_name(t->sb) : "none";
}

const struct target_ops *
target_ops(const struct target *t)
{
    return t->ops;
}

char *
target_display(const struct target *t)
{
    return t->ops == &target_ephemeral_ops || t->ops == &target_mariadb_ops
               ? strdup("ephemeral")
               : redact_conninfo(t->spec);
}

int
target_create_db(struct target *t, const char *job, struct rd_err *err)
{
    return t->ops->create_db(t, job, err);
}

const char *
target_dbname(const struct target *t)
{
    return t->admin.dbname;
}

const char *
target_server_version(const struct target *t)
{
    return t->ops->server_version(t);
}

const char *
target_conninfo(const struct target *t)
{
    return t->admin.conninfo;
}

int
target_tool_env(const struct target *t, struct proc_env *env)
{
    char path[PATH_MAX + 32];

    snprintf(path, sizeof(path), "%s:/usr/bin:/bin", t->tools->bindir);
    if (proc_env_set(env, "PATH", path) != 0 ||
        proc_env_set(env, "LC_ALL", "C") != 0 ||
        proc_env_set(env, "TZ", "UTC") != 0 ||
        proc_env_set(env, "HOME", t->home) != 0 ||
        proc_env_set(env, "PGAPPNAME", "restoredrill") != 0 ||
        proc_env_set(env, "PGCONNECT_TIMEOUT", "10") != 0)
        return -1;
    return t->ops->tool_env(t, env);
}

/* The PostgreSQL engine's ops, shared by both drivers. */

const char *
target_pg_server_version(const struct target *t)
{
    return t->admin.server_version;
}

int
target_pg_create_db(struct target *t, const char *job, struct rd_err *err)
{
    return pgadmin_create_db(&t->admin, job, err);
}

int
target_pg_tool_env(const struct target *t, struct proc_env *env)
{
    return pgadmin_env(&t->admin, t->passfile[0] != '\0' ? t->passfile : NULL,
                       env);
}

int
target_pg_count_rows(struct target *t, int64_t exact_below, target_count_fn add,
                     void *ctx, struct rd_err *err)
{
    return pgadmin_count_rows(&t->admin, exact_below, add, ctx, err);
}

const struct pg_tools *
target_tools(const struct target *t)
{
    return t->tools;
}

const struct proc_ident *
target_ident(const struct target *t)
{
    return t->ident;
}

void
target_close(struct target *t)
{
    if (t != NULL) {
        if (t->ops->close != NULL)
            t->ops->close(t);
        pgadmin_close(&t->admin);
        passfile_remove(t);
    }
}

void
target_free(struct target *t)
{
    target_close(t);
    free(t);
}
