/* cli: command line -> command, options and config overrides. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/duration.h"

#include "verifier/cli.h"

#ifndef RD_DOCDIR
#define RD_DOCDIR "/usr/local/share/doc/restoredrill"
#endif

/* Option codes above the config keys' range. */
enum {
    OPT_KEY_BASE = 1000, /* OPT_KEY_BASE + enum config_key */
    OPT_JOB = 2000,
    OPT_ARCHIVE,
    OPT_LOG_FORMAT,
    OPT_JSON,
    OPT_MAX_AGE,
    OPT_DRY_RUN,
    OPT_KEEP,
    OPT_PARALLEL,
    OPT_DB,
    /* restore --into (issue 14) */
    OPT_INTO,
    OPT_DROP_PREVIOUS,
    OPT_ALLOW_REMOTE,
    OPT_FORCE,
    OPT_NO_PROGRESS
};

/* The fixed long options; build_options() adds one per config key. */
static const struct option fixed[] = {
    {"config", required_argument, NULL, 'c'},
    {"job", required_argument, NULL, OPT_JOB},
    {"archive", required_argument, NULL, OPT_ARCHIVE},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"json", no_argument, NULL, OPT_JSON},
    {"max-age", required_argument, NULL, OPT_MAX_AGE},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {"db", required_argument, NULL, OPT_DB},
    {"into", required_argument, NULL, OPT_INTO},
    {"drop-previous", no_argument, NULL, OPT_DROP_PREVIOUS},
    {"allow-remote", no_argument, NULL, OPT_ALLOW_REMOTE},
    {"force", no_argument, NULL, OPT_FORCE},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
};

#define NFIXED (sizeof(fixed) / sizeof(fixed[0]))

static const struct {
    const char *name;
    enum cli_command cmd;
} commands[] = {{"verify", CMD_VERIFY},
                {"list", CMD_LIST},
                {"lint", CMD_LINT},
                {"restore", CMD_RESTORE},
                {"probe", CMD_PROBE}};

static const char overview[] =
    "restoredrill - prove that database backups restore\n"
    "\n"
    "usage: restoredrill COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  verify   restore the newest archive into a scratch database and report\n"
    "  list     list archives and judge the newest one's age (no restore)\n"
    "  lint     check the config file without fetching or restoring anything\n"
    "  probe    run the SQL probes against an existing database (--db CONNINFO)\n"
    "  restore  restore the newest backup into a dev database (--into NAME)\n"
    "\n"
    "common options:\n"
    "  -c, --config FILE     config file (default ./restoredrill.conf, then\n"
    "                        /etc/restoredrill.conf; none needed with --source)\n"
    "      --job NAME        run only job NAME of the config\n"
    "  -v, --verbose         debug logging      -q, --quiet   warnings and errors only\n"
    "      --log-format text|json                log line format on stderr\n"
    "  -h, --help            this help (restoredrill COMMAND --help for more)\n"
    "  -V, --version         print the version\n"
    "\n"
    "exit codes: 0 ok, 1 warning, 2 critical (the backup is bad, missing or too\n"
    "old), 3 unknown (the check could not be made), 128+N killed by signal N.\n"
    "\n"
    "example:\n"
    "  restoredrill verify --source /var/backups/pg --pattern 'app_%Y%m%d-%H%M*' \\\n"
    "                      --max-archive-age 26h --report out.json\n"
    "\n"
    "See restoredrill(1) and docs/ for the config file, the report and error codes;\n"
    "the probe file format is in docs/probes.md (installed as\n"
    "" RD_DOCDIR "/probes.md).\n";

/* The settings that choose the archive (all that 'list' uses). */
static const char select_flags[] =
    "settings (each is also a config key, e.g. --max-archive-age = max_archive_age):\n"
    "      --source URI            where archives live: a folder (/path,\n"
    "                              file:///path), a web folder (http(s)://host/dir/),\n"
    "                              one file (http(s)://host/latest.dump), S3 storage\n"
    "                              (s3://bucket/prefix/), or a backup tool:\n"
    "                              restic:REPO, borg:REPO, tarsnap:, exec:\n"
    "      --pattern PAT           archive names, with strftime fields for the time:\n"
    "                              'app_%Y%m%d-%H%M*' (UTC); without fields the newest\n"
    "                              file by mtime wins\n"
    "      --max-archive-age DUR   newest archive older than DUR is critical (e.g. 26h)\n"
    "      --min-size SIZE         newest archive smaller than SIZE is critical\n"
    "                              (default 1: an empty file; e.g. 10k, 5M)\n"
    "      --min-age DUR           skip files modified less than DUR ago (still\n"
    "                              being written), said in the report\n"
    "      --stall-timeout DUR     http(s), s3, tools: no byte for DUR fails the fetch (60s)\n"
    "      --fetch-retries N       http(s), s3: tries more before a byte was read (2)\n"
    "      --ca-file FILE          https: PEM CAs trusted besides the system's\n"
    "      --s3-endpoint URL       s3: S3-compatible storage (MinIO, Ceph, ...),\n"
    "                              e.g. https://minio.example.com:9000 (default AWS)\n"
    "      --s3-region REGION      s3: region signed for ($AWS_REGION, us-east-1)\n"
    "      --s3-uri-style path|host  s3: addressing (path with --s3-endpoint, else\n"
    "                              host); credentials: AWS_ACCESS_KEY_ID and\n"
    "                              AWS_SECRET_ACCESS_KEY, or AWS_PROFILE\n"
    "      --path PATH             restic/borg/tarsnap: the dump file inside the\n"
    "                              snapshot or archive, as backed up\n"
    "      --restic-tag TAG        restic: only snapshots with this tag\n"
    "      --restic-host HOST      restic: only snapshots of this host\n"
    "      --tarsnap-keyfile FILE  tarsnap: its --keyfile\n"
    "      --tarsnap-cachedir DIR  tarsnap: its --cachedir\n"
    "      --list-command CMD      exec: prints one archive per line (TAB and an\n"
    "                              ISO-8601 time optional); no shell\n"
    "      --fetch-command CMD     exec: writes archive {archive} to stdout\n";

/* The settings of a restore and its checks (verify). */
static const char restore_flags[] =
    "      --target T              'ephemeral' (default: a throwaway cluster) or a\n"
    "                              libpq conninfo/URI of an existing server\n"
    "      --run-as USER           OS user for the scratch server and pg_restore when\n"
    "                              run as root (default restoredrill)\n"
    "      --sandbox MODE          auto (default): the scratch server and restore\n"
    "                              tools run under bubblewrap when it works, else\n"
    "                              without, said in the report; required: else the\n"
    "                              run is unknown; off (unsafe: a dump is code, it\n"
    "                              can act as run_as) -- docs/security.md\n"
    "      --state-dir DIR         locks and last reports (root: /var/lib/restoredrill,\n"
    "                              else ~/.local/state/restoredrill)\n"
    "      --report FILE           JSON report ('-' = stdout; {job} = job name)\n"
    "      --junit FILE            JUnit XML for CI: a testcase per stage and probe\n"
    "      --metrics FILE          Prometheus textfile (node_exporter), may be shared\n"
    "      --probes DIR            folder of *.sql probes run after the restore\n"
    "                              (format: docs/probes.md)\n"
    "      --probe-timeout DUR     default timeout of each probe (60s)\n"
    "      --max-shrink PCT        drift: a table that shrank by more than PCT since\n"
    "                              the last verified run is a warning (50%)\n"
    "      --drift-exact-rows N    drift: exact count(*) below N estimated rows\n"
    "                              (1000000), else the planner's estimate\n"
    "      --rto DUR               a restore slower than DUR is a warning\n"
    "      --globals FILE          pg_dumpall --globals-only output restored first\n"
    "                              (roles); owners and grants are then kept\n"
    "      --allow-superuser yes   accept a superuser (or server-file role) target\n"
    "                              role (default no: target_superuser)\n"
    "      --sweep-after DUR       drop marked leftovers of dead runs that are in\n"
    "                              no ledger after DUR (1h) -- docs/targets.md\n"
    "      --restore-timeout DUR   deadline of the restore and the queries after it\n"
    "                              (6h; 0s: none); past it the run is 'timeout'\n"
    "      --max-unpacked-size SIZE  bound on the decompressed bytes (e.g. 20G);\n"
    "                              unset: the temp file system's free space - 10%\n"
    "      --checksum sha256|optional|off  NAME.sha256 beside the archive must\n"
    "                              match it (optional: when there is one)\n"
    "      --decrypt-command CMD   decrypt the archive first: CMD reads it on stdin\n"
    "                              and writes the plaintext, e.g. 'age -d -i KEY'\n"
    "                              or 'gpg --batch --decrypt' (argv, no shell)\n"
    "durations: a whole number and one unit: 90s, 15m, 26h, 7d.\n";

/* verify --help: the usage line and its own flags; then select_flags,
 * restore_flags and verify_alerts. */
static const char verify_usage[] =
    "usage: restoredrill verify [-c FILE] [--job NAME] [--source PATH]\n"
    "                           [--archive NAME] [--report FILE] [--dry-run]\n"
    "                           [--keep] [--parallel N] [--no-progress]\n"
    "                           [SETTINGS]\n"
    "\n"
    "Pick the newest archive (or --archive NAME), restore it into a scratch\n"
    "database (pg_restore for custom, tar and directory dumps, psql for plain\n"
    "SQL; gzip, zstd, xz, bzip2 and lz4 decoded by content, not by name),\n"
    "write the JSON report (also kept at STATE_DIR/JOB/last.json), remove\n"
    "everything it made, and exit 0 ok, 1 warning, 2 critical, 3 unknown.\n"
    "Several [job] sections run one after another (or --parallel N at once);\n"
    "the exit code is the worst.\n"
    "\n"
    "      --archive NAME          verify this archive instead of the newest\n"
    "      --dry-run               select, fetch, decode and preflight only; say\n"
    "                              what would be restored, restore nothing\n"
    "      --keep                  leave the scratch database (and cluster) for\n"
    "                              inspection; prints how to connect and clean up\n"
    "      --parallel N            run up to N jobs at once (default 1)\n"
    "      --no-progress           no progress bar (shown only when stderr is a\n"
    "                              terminal, with one job at a time)\n"
    "      --decode-memory-limit SIZE\n"
    "                              memory a decompressor may use (default 256M;\n"
    "                              zstd --long dumps need 128M, xz -9 64M)\n";

/* restore --help (issue 14); then select_flags and restore_flags. */
static const char restore_usage[] =
    "usage: restoredrill restore --into NAME [-c FILE] [--job NAME]\n"
    "                            [--archive NAME] [--drop-previous]\n"
    "                            [--allow-remote] [--force] [SETTINGS]\n"
    "\n"
    "Developer bootstrap: restore the newest archive (or --archive NAME) into a\n"
    "temporary database on a local server (target, or libpq's defaults when\n"
    "target is unset or ephemeral: PGHOST, PGPORT, PGUSER, .pgpass), run the\n"
    "job's probes, and only when they pass swap it in: the existing NAME is\n"
    "renamed to NAME_previous_<ts> and kept, the new one becomes NAME.  A\n"
    "failed bootstrap leaves NAME as it was.  Exit codes as verify; 3\n"
    "swap_blocked when NAME has open sessions (the new database is kept under\n"
    "its temporary name, and the message says how to finish).\n"
    "\n"
    "      --into NAME             the database to create or replace\n"
    "      --archive NAME          restore this archive instead of the newest\n"
    "      --drop-previous         drop the old NAME after the swap\n"
    "      --allow-remote          allow a server that is not local (a unix\n"
    "                              socket, localhost, 127.0.0.1, ::1)\n"
    "      --force                 allow NAME to be the database the dump was\n"
    "                              taken from\n";

/* The alert settings of verify. */
static const char verify_alerts[] =
    "alerts (docs/integrations.md):\n"
    "      --alert-on LEVEL        alert at warning (default) or critical and\n"
    "                              worse; unknown always alerts\n"
    "      --alert-exec CMD        run CMD (argv, no shell) with the report JSON\n"
    "                              on stdin and RESTOREDRILL_STATUS, _JOB,\n"
    "                              _SUMMARY, _REPORT in the environment\n"
    "      --alert-webhook URL     POST the alert (3 tries, TLS verified)\n"
    "      --webhook-format F      json (default) or slack\n"
    "      --alert-timeout DUR     limit for the hook and each HTTP try (30s)\n"
    "      --alert-repeat R        once (default: the same failure alerts once,\n"
    "                              then 'resolved' when ok again) or always\n"
    "      --ping-url URL          dead-man's switch: URL/start at the start,\n"
    "                              URL/EXIT_CODE with the report at the end\n";

/* list --help: the usage line and its own flags; then select_flags and
 * list_tail. */
static const char list_usage[] =
    "usage: restoredrill list [-c FILE] [--job NAME] [--source PATH]\n"
    "                         [--max-age DUR] [--deltas DUR DUR...] [--json]\n"
    "                         [SETTINGS]\n"
    "\n"
    "List the archives oldest first, mark the newest, and judge it without\n"
    "restoring: none -> 2 (archive_not_found), smaller than min_size -> 2\n"
    "(archive_empty), older than --max-age -> 2 (archive_too_old); with\n"
    "--deltas, a gap in the retention schedule -> 1 (warning).\n"
    "\n"
    "      --max-age DUR           same as --max-archive-age\n"
    "      --deltas DUR DUR...     audit the archive history against a\n"
    "                              tarsnapper-style schedule (1d 7d 30d 365d:\n"
    "                              daily for a week, weekly for a month,\n"
    "                              30-daily for a year); the durations run up\n"
    "                              to the next option (config: deltas =)\n"
    "      --json                  {\"archives\":[{name, created_at, age_s,\n"
    "                              size_bytes}], \"newest\", \"gaps\"}\n";

/* The last line of list --help. */
static const char list_tail[] =
    "durations: a whole number and one unit: 90s, 15m, 26h, 7d.\n";

/* probe --help. */
static const char probe_usage[] =
    "usage: restoredrill probe --db CONNINFO [--probes DIR] [-c FILE]\n"
    "                          [--job NAME] [--report FILE]\n"
    "\n"
    "Run the job's SQL probes (format: docs/probes.md) against an existing database\n"
    "(a replica, a dev database) without restoring anything.  Same report\n"
    "and exit codes as verify; 'relative_to: archive' probes are unknown here.\n"
    "Probes run read-only and rolled back, as the conninfo's user.\n"
    "\n"
    "      --db CONNINFO           libpq conninfo or postgresql:// URI\n"
    "      --probes DIR            folder of *.sql probe files\n"
    "      --probe-timeout DUR     default timeout of each probe (60s)\n"
    "      --report FILE           JSON report ('-' = stdout)\n"
    "      --junit FILE            JUnit XML for CI\n"
    "      --metrics FILE          Prometheus textfile\n";

/* lint --help. */
static const char lint_usage[] =
    "usage: restoredrill lint [-c FILE] [--job NAME]\n"
    "\n"
    "Check the config file: sections, keys, durations, sizes, patterns,\n"
    "targets, that each job's source folder is readable, and each job's\n"
    "probe files (format: docs/probes.md).  Every error is reported, each\n"
    "naming FILE:LINE; exit 0 when all is well, else 3.\n";

void
cli_usage(FILE *out, enum cli_command cmd)
{
    switch (cmd) {
    case CMD_VERIFY:
        fputs(verify_usage, out);
        fputs(select_flags, out);
        fputs(restore_flags, out);
        fputs(verify_alerts, out);
        break;
    case CMD_LIST:
        fputs(list_usage, out);
        fputs(select_flags, out);
        fputs(list_tail, out);
        break;
    case CMD_PROBE:
        fputs(probe_usage, out);
        break;
    case CMD_RESTORE:
        fputs(restore_usage, out);
        fputs(select_flags, out);
        fputs(restore_flags, out);
        break;
    case CMD_LINT:
        fputs(lint_usage, out);
        break;
    default:
        fputs(overview, out);
        break;
    }
}

/* The long options: the fixed ones, then one per config key (--key-name). */
static void
build_options(struct option *opts, char (*names)[40])
{
    int n = 0;

    for (size_t i = 0; i < NFIXED; i++)
        opts[n++] = fixed[i];
    for (int k = 0; k < CK_COUNT; k++) {
        snprintf(names[k], sizeof(names[k]), "%s",
                 config_key_info((enum config_key)k)->name);
        for (char *p = names[k]; *p != '\0'; p++)
            if (*p == '_')
                *p = '-';
        opts[n++] = (struct option){names[k], required_argument, NULL,
                                    OPT_KEY_BASE + k};
    }
    opts[n] = (struct option){NULL, 0, NULL, 0};
}

/* A non-option ${word}: the command (once), or "help". */
static int
command_word(struct cli *cli, const char *word, struct rd_err *err)
{
    if (cli->cmd != CMD_NONE)
        return rd_err_set(err, RD_USAGE,
                          "unexpected argument '%s'\nHINT: restoredrill --help",
                          word);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(word, commands[i].name) == 0)
            cli->cmd = commands[i].cmd;
    if (strcmp(word, "help") == 0) {
        cli->help = true;
        return 0;
    }
    if (cli->cmd == CMD_NONE)
        return rd_err_set(
            err, RD_USAGE,
            "unknown command '%s' (use verify, list, restore, probe or lint)\nHINT: restoredrill --help",
            word);
    cli->cmd_name = word;
    return 0;
}

/* getopt_long() returned '?' or ':' for the option before argv[optind]. */
static int
bad_option(int c, char **argv, struct rd_err *err)
{
    if (c == ':')
        return rd_err_set(err, RD_USAGE, "option '%s' needs a value",
                          argv[optind - 1]);
    if (optopt != 0 && optopt < OPT_KEY_BASE)
        return rd_err_set(err, RD_USAGE,
                          "unknown option '-%c'\nHINT: restoredrill --help",
                          optopt);
    if (optopt != 0)
        return rd_err_set(err, RD_USAGE, "option '%s' needs a value",
                          argv[optind - 1]);
    return rd_err_set(err, RD_USAGE,
                      "unknown option '%s'\nHINT: restoredrill --help",
                      argv[optind - 1]);
}

static int
set_log_format(struct cli *cli, const char *arg, struct rd_err *err)
{
    if (strcmp(arg, "json") == 0)
        cli->log_json = true;
    else if (strcmp(arg, "text") != 0)
        return rd_err_set(err, RD_USAGE,
                          "invalid --log-format '%s' (use text or json)", arg);
    return 0;
}

static int
set_parallel(struct cli *cli, const char *arg, struct rd_err *err)
{
    char *end;
    long v = strtol(arg, &end, 10);

    if (end == arg || *end != '\0' || v < 1 || v > 64)
        return rd_err_set(err, RD_USAGE,
                          "invalid --parallel '%s' (a number from 1 to 64)",
                          arg);
    cli->run.parallel = (int)v;
    return 0;
}

/* One option ${c} that getopt_long() returned, with its optarg. */
static int
one_option(struct cli *cli, struct config *cfg, int c, char **argv,
           struct rd_err *err)
{
    switch (c) {
    case 'c':
        cli->config_path = optarg;
        return 0;
    case 'v':
        cli->verbose = true;
        return 0;
    case 'q':
        cli->quiet = true;
        cli->run.quiet = true;
        return 0;
    case 'h':
        cli->help = true;
        return 0;
    case 'V':
        cli->version = true;
        return 0;
    case OPT_JOB:
        cli->run.only_job = optarg;
        return 0;
    case OPT_ARCHIVE:
        cli->run.archive = optarg;
        return 0;
    case OPT_JSON:
        cli->run.json = true;
        return 0;
    case OPT_LOG_FORMAT:
        return set_log_format(cli, optarg, err);
    case OPT_DB:
        cli->run.db = optarg;
        return 0;
    case OPT_DRY_RUN:
        cli->run.dry_run = true;
        return 0;
    case OPT_KEEP:
        cli->run.keep = true;
        return 0;
    case OPT_NO_PROGRESS:
        cli->run.no_progress = true;
        return 0;
    case OPT_PARALLEL:
        return set_parallel(cli, optarg, err);
    case OPT_INTO:
        cli->run.into = optarg;
        return 0;
    case OPT_DROP_PREVIOUS:
        cli->run.drop_previous = true;
        return 0;
    case OPT_ALLOW_REMOTE:
        cli->run.allow_remote = true;
        return 0;
    case OPT_FORCE:
        cli->run.force = true;
        return 0;
    case OPT_MAX_AGE:
        return config_set_flag(cfg, CK_MAX_ARCHIVE_AGE, optarg, err) != 0 ? -1
                                                                          : 0;
    case '?':
    case ':':
        return bad_option(c, argv, err);
    default:
        if (c >= OPT_KEY_BASE && c < OPT_KEY_BASE + CK_COUNT)
            return config_set_flag(cfg, (enum config_key)(c - OPT_KEY_BASE),
                                   optarg, err) != 0
                       ? -1
                       : 0;
        return rd_err_set(err, RD_USAGE, "unexpected option");
    }
}

/* The options that go with one command only. */
static int
check_commands(const struct cli *cli, struct rd_err *err)
{
    if (cli->run.json && cli->cmd != CMD_LIST)
        return rd_err_set(err, RD_USAGE, "--json goes with 'list'");
    if (cli->run.archive != NULL && cli->cmd != CMD_VERIFY &&
        cli->cmd != CMD_RESTORE)
        return rd_err_set(err, RD_USAGE,
                          "--archive goes with 'verify' or 'restore'");
    if ((cli->run.into != NULL || cli->run.drop_previous ||
         cli->run.allow_remote || cli->run.force) &&
        cli->cmd != CMD_RESTORE)
        return rd_err_set(err, RD_USAGE,
                          "--into, --drop-previous, --allow-remote and --force "
                          "go with 'restore'");
    if (cli->cmd == CMD_RESTORE && !cli->help && cli->run.into == NULL)
        return rd_err_set(
            err, RD_USAGE,
            "restore needs --into NAME (the database to create or replace)\nHINT: restoredrill restore --into devdb");
    if ((cli->run.dry_run || cli->run.keep || cli->run.parallel > 0) &&
        cli->cmd != CMD_VERIFY)
        return rd_err_set(err, RD_USAGE,
                          "--dry-run, --keep and --parallel go with 'verify'");
    if (cli->run.db != NULL && cli->cmd != CMD_PROBE)
        return rd_err_set(err, RD_USAGE, "--db goes with 'probe'");
    if (cli->run.keep && cli->run.parallel > 1)
        return rd_err_set(err, RD_USAGE, "--keep goes with one job at a time");
    return 0;
}

int
cli_parse(int argc, char **argv, struct cli *cli, struct config *cfg,
          struct rd_err *err)
{
    struct option opts[NFIXED + CK_COUNT + 1];
    char names[CK_COUNT][40], deltas[512] = "";
    bool in_deltas = false;
    int c;

    memset(cli, 0, sizeof(*cli));
    build_options(opts, names);
    optind = 0; /* 0, not 1: glibc then forgets the last argv entirely */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:c:vqhV", opts, NULL)) != -1 ||
           optind < argc) {
        if (c == -1 && in_deltas && isdigit((unsigned char)argv[optind][0])) {
            /* --deltas takes the durations that follow it (tarsnapper's
               --deltas 1d 7d 30d 365d), up to the next option or word. */
            if (strlen(deltas) + strlen(argv[optind]) + 2 > sizeof(deltas))
                return rd_err_set(err, RD_USAGE, "--deltas: too many words");
            strcat(deltas, " ");
            strcat(deltas, argv[optind++]);
            continue;
        }
        in_deltas = false;
        if (c == -1) {
            /* A non-option: the command (once), then keep parsing. */
            if (command_word(cli, argv[optind++], err) != 0)
                return -1;
            continue;
        }
        if (c == OPT_KEY_BASE + CK_DELTAS) {
            snprintf(deltas, sizeof(deltas), "%s", optarg);
            in_deltas = true;
            continue;
        }
        if (one_option(cli, cfg, c, argv, err) != 0)
            return -1;
    }
    if (deltas[0] != '\0' && config_set_flag(cfg, CK_DELTAS, deltas, err) != 0)
        return -1;
    return check_commands(cli, err);
}
