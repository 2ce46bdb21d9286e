/* config_tools: the settings of the backup-tool sources (restic:, borg:,
 * tarsnap:, exec:): each key only with its tool, the ones a tool needs,
 * and the commands of exec: split as they will run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/cmdline.h"

#include "verifier/config_int.h"

/* Which sources a key applies to. */
static const struct tool_key {
    enum config_key key;
    const char *schemes; /* " restic: borg: " */
} tool_keys[] = {
    {CK_PATH, " restic: borg: tarsnap: "}, {CK_RESTIC_TAG, " restic: "},
    {CK_RESTIC_HOST, " restic: "},         {CK_TARSNAP_KEYFILE, " tarsnap: "},
    {CK_TARSNAP_CACHEDIR, " tarsnap: "},   {CK_LIST_COMMAND, " exec: "},
    {CK_FETCH_COMMAND, " exec: "},
};

#define NTOOL_KEYS (sizeof(tool_keys) / sizeof(tool_keys[0]))

/* The scheme of ${source} ("restic:") in ${buf}, or "" for other sources. */
static const char *
scheme_of(const char *source, char *buf, size_t len)
{
    static const char *const tools[] = {
        "restic:", "borg:", "tarsnap:", "exec:", NULL};

    buf[0] = '\0';
    for (size_t i = 0; source != NULL && tools[i] != NULL; i++)
        if (strncmp(source, tools[i], strlen(tools[i])) == 0 &&
            strlen(tools[i]) < len)
            strcpy(buf, tools[i]);
    return buf;
}

/* A command string of key ${k}: split as it will run. */
static int
check_command(struct resolve *rs, enum config_key k, bool placeholder,
              struct rd_err *e)
{
    char **argv = NULL;
    size_t argc;
    bool has = false;

    if (cmdline_split(rs->val[k], &argv, &argc, e) != 0)
        return rd_err_set(e, RD_CONFIG_INVALID, "%s: %s: %s", rs->org[k],
                          KEY(k)->name, e->msg);
    for (size_t i = 0; i < argc; i++)
        has = has || strstr(argv[i], "{archive}") != NULL;
    cmdline_free(argv);
    if (placeholder && !has)
        return rd_err_set(
            e, RD_CONFIG_INVALID,
            "%s: fetch_command has no {archive}: it could not know which archive to write\nHINT: e.g. fetch_command = rclone cat remote:backups/{archive}",
            rs->org[k]);
    return 0;
}

/* What a tool source of scheme ${s} needs set. */
static void
needs(struct resolve *rs, const char *s, struct rd_err *e)
{
    const char *const *val = rs->val, *const *org = rs->org;

    if (strcmp(s, "exec:") != 0 && val[CK_PATH] == NULL) {
        rd_err_set(
            e, RD_CONFIG_INVALID,
            "%s: a %s source needs path = the dump file inside the %s\nHINT: e.g. path = /var/backups/app.dump",
            org[CK_SOURCE], s,
            strcmp(s, "restic:") == 0 ? "snapshot" : "archive");
        (void)keep(rs, e);
    }
    if (strcmp(s, "restic:") == 0 && val[CK_PATH] != NULL &&
        val[CK_PATH][0] != '/') {
        rd_err_set(
            e, RD_CONFIG_INVALID,
            "%s: path must be absolute for restic (as restic snapshots lists it), not '%s'",
            org[CK_PATH], val[CK_PATH]);
        (void)keep(rs, e);
    }
    if (strcmp(s, "restic:") == 0 && val[CK_PATTERN] != NULL) {
        rd_err_set(
            e, RD_CONFIG_INVALID,
            "%s: pattern means nothing for a restic: source (snapshots have no names)\nHINT: remove it; the newest snapshot holding path is taken (narrow with restic_tag, restic_host)",
            org[CK_PATTERN]);
        (void)keep(rs, e);
    }
    if (strcmp(s, "exec:") != 0 && val[CK_CHECKSUM] != NULL &&
        strcmp(val[CK_CHECKSUM], "off") != 0) {
        rd_err_set(
            e, RD_CONFIG_INVALID,
            "%s: checksum reads a sidecar file NAME.sha256 beside the archive, which a %s source has not\nHINT: remove it (the tool checks its own data: restic check, borg check) or use an exec: source",
            org[CK_CHECKSUM], s);
        (void)keep(rs, e);
    }
    if (strcmp(s, "exec:") != 0)
        return;
    for (int i = 0; i < 2; i++) {
        enum config_key k = i == 0 ? CK_LIST_COMMAND : CK_FETCH_COMMAND;

        if (val[k] == NULL)
            rd_err_set(
                e, RD_CONFIG_INVALID,
                "%s: an exec: source needs %s\nHINT: list_command prints one archive per line (optionally TAB and an ISO-8601 time); fetch_command writes archive {archive} to stdout",
                org[CK_SOURCE], KEY(k)->name);
        if (val[k] == NULL || check_command(rs, k, i == 1, e) != 0)
            (void)keep(rs, e);
    }
}

void
tool_values(struct resolve *rs, struct job_config *out)
{
    char **dst[] = {&out->path,
                    &out->restic_tag,
                    &out->restic_host,
                    &out->tarsnap_keyfile,
                    &out->tarsnap_cachedir,
                    &out->list_command,
                    &out->fetch_command};
    struct rd_err e = {0};
    char sb[16];
    const char *s = scheme_of(rs->val[CK_SOURCE], sb, sizeof(sb));

    for (size_t i = 0; i < NTOOL_KEYS; i++) {
        enum config_key k = tool_keys[i].key;
        char want[20];

        if (rs->val[k] == NULL)
            continue;
        if ((*dst[i] = strdup(rs->val[k])) == NULL) {
            (void)no_memory(rs);
            return;
        }
        snprintf(want, sizeof(want), " %s ", s);
        if (rs->val[CK_SOURCE] != NULL &&
            (s[0] == '\0' || strstr(tool_keys[i].schemes, want) == NULL)) {
            rd_err_set(&e, RD_CONFIG_INVALID,
                       "%s: '%s' applies only to %.*s sources, not to '%s'",
                       rs->org[k], KEY(k)->name,
                       (int)strlen(tool_keys[i].schemes) - 2,
                       tool_keys[i].schemes + 1, rs->val[CK_SOURCE]);
            if (!keep(rs, &e))
                return;
        }
    }
    if (s[0] != '\0')
        needs(rs, s, &e);
}
