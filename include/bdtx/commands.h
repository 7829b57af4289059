/* The subcommands of SPEC section 4, each a function of the table in main. */
#ifndef BDTX_COMMANDS_H
#define BDTX_COMMANDS_H

#include <getopt.h>

#include "bdtx/config.h"
#include "bdtx/error.h"

#ifndef BDTX_SYSCONF_CONFIG
#define BDTX_SYSCONF_CONFIG "/etc/bdtx/bdtx.yaml"
#endif
#ifndef BDTX_EXAMPLE_CONFIG
#define BDTX_EXAMPLE_CONFIG "/usr/share/doc/bdtx/examples/bdtx.yaml"
#endif

struct cli {
    const char *config_path;   /* --config; NULL: search as cli_config_load says */
    int quiet;
};

/* The configuration of SPEC section 4: --config, else $BDTX_CONFIG, else
 * config/bdtx.yaml, else BDTX_SYSCONF_CONFIG; when none is there, an error
 * that says where it looked and how to name one. 0 or -1 with err set. */
int cli_config_load(const struct cli *cli, struct config *cfg, bdtx_error *err);

/* err for an option getopt_long did not take (it returned '?' or ':', with
 * opterr 0 and ':' leading its option string): "unknown option --frob" with
 * the closest of options as a hint, or "--year needs a value". arg is
 * argv[optind - 1]. Returns BDTX_USAGE. */
int option_error(const char *arg, int opt, int optopt, const struct option *options,
                 bdtx_error *err);

/* Each returns the exit code; when it is not 0 or 1, err says why. argv[0]
 * is the command's last word; options follow. */
typedef int (*command_fn)(struct cli *cli, int argc, char **argv, bdtx_error *err);

int cmd_config_check(struct cli *cli, int argc, char **argv, bdtx_error *err);
int cmd_db_migrate(struct cli *cli, int argc, char **argv, bdtx_error *err);
int cmd_db_status(struct cli *cli, int argc, char **argv, bdtx_error *err);
int cmd_units_import(struct cli *cli, int argc, char **argv, bdtx_error *err);
int cmd_import(struct cli *cli, int argc, char **argv, bdtx_error *err);
int cmd_report(struct cli *cli, int argc, char **argv, bdtx_error *err);

#endif
