/* The subcommands of SPEC section 4, each a function of the table in main. */
#ifndef BDTX_COMMANDS_H
#define BDTX_COMMANDS_H

#include "bdtx/config.h"
#include "bdtx/error.h"

struct cli {
    const char *config_path;
    int quiet;
};

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
