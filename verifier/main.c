/* main: the only exit(); maps the run's outcome to PRODUCT.md's exit codes. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verifier/cli.h"
#include "verifier/config.h"
#include "verifier/util/http.h"
#include "verifier/util/log.h"
#include "verifier/util/rd_err.h"
#include "verifier/run.h"
#include "verifier/util/sig.h"

/* Print an error with an optional "HINT:" line, the way PG tools do. */
static void
print_err(const struct rd_err *err)
{
    /* The text log puts the hint on a line of its own, escaped. */
    log_error("%s", err->msg);
}

/* Report a config error: printed, and for verify a report and alerts. */
static void
config_failed(struct config *cfg, struct cli *cli, const struct rd_err *err)
{
    print_err(err);
    if (cli->cmd == CMD_VERIFY || cli->cmd == CMD_RESTORE)
        run_config_error(cfg, &cli->run, err);
}

/*
 * The commands answered without a config: --version, --help, no command.  True
 * with the exit code in ${code} when ${cli} is one.
 */
static bool
answer_at_once(const struct cli *cli, int *code)
{
    if (cli->version) {
        printf("restoredrill %s\n", RD_VERSION);
        *code = 0;
        return true;
    }
    if (cli->help || cli->cmd == CMD_NONE) {
        cli_usage(cli->help ? stdout : stderr, cli->cmd);
        *code = cli->help ? 0 : RD_ST_UNKNOWN;
        return true;
    }
    return false;
}

/* Find, load and check the config file; -1 when the run cannot go on. */
static int
load_config(struct config *cfg, struct cli *cli, struct rd_err *err)
{
    const char *path = cli->config_path;

    if (path == NULL && cfg->flags.val[CK_SOURCE] == NULL &&
        cfg->flags.val[CK_PROBES] == NULL)
        path = config_find_default_file();
    if (path == NULL && cfg->flags.val[CK_SOURCE] == NULL &&
        cfg->flags.val[CK_PROBES] == NULL) {
        log_error(
            "no configuration: no ./restoredrill.conf or /etc/restoredrill.conf, and no --source");
        fprintf(stderr,
                "HINT: restoredrill %s --source /path/to/backups, or -c FILE\n",
                cli->cmd_name);
        return -1;
    }
    /* lint reports the file's errors itself, with the rest it finds. */
    if (path != NULL && config_load_file(cfg, path, err) != 0 &&
        cli->cmd != CMD_LINT) {
        for (size_t i = 0; i < cfg->load_errors.n; i++)
            print_err(&cfg->load_errors.v[i]);
        if (cfg->load_errors.n == 0)
            print_err(err);
        if (cli->cmd == CMD_VERIFY || cli->cmd == CMD_RESTORE)
            run_config_error(cfg, &cli->run, err);
        return -1;
    }
    if (cli->cmd != CMD_LINT && cli->cmd != CMD_PROBE &&
        config_check_jobs(cfg, err) != 0) {
        config_failed(cfg, cli, err);
        return -1;
    }
    if (cfg->exposed != NULL) {
        log_warn("%s", cfg->exposed);
        cli->run.config_note = cfg->exposed;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct rd_err err = {0};
    struct config cfg;
    struct cli cli;
    int code = RD_ST_UNKNOWN;

    config_init(&cfg);
    sig_install();
    http_global_init();
    if (cli_parse(argc, argv, &cli, &cfg, &err) != 0) {
        config_failed(&cfg, &cli, &err);
        goto done;
    }
    log_setup(cli.verbose ? RD_LOG_DEBUG
              : cli.quiet ? RD_LOG_WARN
                          : RD_LOG_INFO,
              cli.log_json);
    if (answer_at_once(&cli, &code) || load_config(&cfg, &cli, &err) != 0)
        goto done;
    switch (cli.cmd) {
    case CMD_VERIFY:
        code = run_verify(&cfg, &cli.run);
        break;
    case CMD_LIST:
        code = run_list(&cfg, &cli.run);
        break;
    case CMD_LINT:
        code = run_lint(&cfg, &cli.run);
        break;
    case CMD_PROBE:
        code = run_probe(&cfg, &cli.run);
        break;
    case CMD_RESTORE:
        code = run_restore(&cfg, &cli.run);
        break;
    default:
        break;
    }
done:
    config_release(&cfg);
    return code;
}
