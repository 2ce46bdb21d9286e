/* cli: command line -> command, options and config overrides. */
#ifndef RD_CLI_H
#define RD_CLI_H

#include <stdbool.h>

#include "verifier/config.h"
#include "verifier/run.h"

enum cli_command {
    CMD_NONE,
    CMD_VERIFY,
    CMD_LIST,
    CMD_LINT,
    CMD_RESTORE,
    CMD_PROBE
};

struct cli {
    enum cli_command cmd;
    const char *cmd_name;    /* (borrowed from argv) */
    const char *config_path; /* -c FILE (borrowed) */
    bool help, version, verbose, quiet, log_json;
    struct run_opts run;
};

/*
 * cli_parse(argc, argv, cli, cfg, err):
 * Parse the command line into ${cli}; every config key given as a flag
 * (--key-with-dashes VALUE) is recorded in ${cfg} as an override.
 * Returns 0, or -1 with RD_USAGE and a message.
 */
int cli_parse(int argc, char **argv, struct cli *cli, struct config *cfg,
              struct rd_err *err);

/* cli_usage(out, cmd): print the help of ${cmd} (CMD_NONE: the overview). */
void cli_usage(FILE *out, enum cli_command cmd);

#endif
