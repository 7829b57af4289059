/* bdtx: weekly rankings of BDTX module completion for a Sở GDĐT. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bdtx/commands.h"
#include "bdtx/error.h"
#include "bdtx/log.h"
#include "bdtx/run.h"

#ifndef BDTX_VERSION
#define BDTX_VERSION "unknown"
#endif

static const struct command {
    const char *group;     /* first word, or NULL for a one-word command */
    const char *name;
    command_fn fn;
    const char *usage;
    const char *help;
} commands[] = {
    {"config", "check", cmd_config_check, "config check",
     "validate the configuration and the files it names"},
    {"db", "migrate", cmd_db_migrate, "db migrate", "create or upgrade the schema (idempotent)"},
    {"db", "status", cmd_db_status, "db status",
     "schema version, imports, latest as-of per source"},
    {"units", "import", cmd_units_import, "units import FILE [--year ID]",
     "load or update a school year's unit registry"},
    {NULL, "import", cmd_import,
     "import [--source KIND] [--as-of DATE] [--module CODE] [--target gv|cbql] [--strict] FILE...",
     "import exports of the LMS and TEMIS"},
    {NULL, "report", cmd_report,
     "report [--week YYYY-Www | --as-of DATE] [--format xlsx|json|csv|text] [--unit CODE] "
     "[--out PATH]",
     "write the ranking of a week, its notice, or a unit's pack"},
    {NULL, "run", cmd_run, "run",
     "the cron job: import every new file in the inbox, then report"},
};

static void usage(FILE *out)
{
    size_t i;

    fprintf(out, "usage: bdtx [--config FILE] [--quiet|--verbose] COMMAND [ARGS]\n\n");
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %s\n      %s\n", commands[i].usage, commands[i].help);
    fprintf(out, "\n--config defaults to $BDTX_CONFIG, then config/bdtx.yaml.\n"
                 "Exit codes: 0 done; 1 rows or files rejected; 64 usage; 65 input file "
                 "rejected;\n69 database unavailable; 70 internal error; 74 output not written; "
                 "75 locked;\n78 configuration error.\n");
}

static int dispatch(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct cli cli = {0};
    bdtx_error err;
    const struct command *cmd = NULL;
    int opt, rc, quiet = 0, verbose = 0, words;
    size_t i;

    error_clear(&err);
    cli.config_path = getenv("BDTX_CONFIG");
    /* '+': options after the command belong to the command. */
    while ((opt = getopt_long(argc, argv, "+c:qvh", options, NULL)) != -1) {
        switch (opt) {
        case 'c': cli.config_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); return BDTX_OK;
        case 'V': printf("bdtx %s\n", BDTX_VERSION); return BDTX_OK;
        default: usage(stderr); return BDTX_USAGE;
        }
    }
    if (quiet && verbose) {
        fprintf(stderr, "bdtx: --quiet and --verbose exclude each other\n");
        return BDTX_USAGE;
    }
    if (!cli.config_path || !*cli.config_path)
        cli.config_path = "config/bdtx.yaml";
    cli.quiet = quiet;
    log_set_level(quiet ? LOG_WARNING : verbose ? LOG_DEBUG : LOG_INFO);
    if (optind >= argc) {
        usage(stderr);
        return BDTX_USAGE;
    }
    for (i = 0; i < sizeof commands / sizeof commands[0] && !cmd; i++) {
        const struct command *c = &commands[i];

        if (c->group ? (strcmp(argv[optind], c->group) == 0 && optind + 1 < argc &&
                        strcmp(argv[optind + 1], c->name) == 0)
                     : strcmp(argv[optind], c->name) == 0)
            cmd = c;
    }
    if (!cmd) {
        fprintf(stderr, "bdtx: unknown command '%s%s%s'\n", argv[optind],
                optind + 1 < argc ? " " : "", optind + 1 < argc ? argv[optind + 1] : "");
        usage(stderr);
        return BDTX_USAGE;
    }
    words = cmd->group ? 2 : 1;
    optind += words - 1;
    rc = cmd->fn(&cli, argc - optind, argv + optind, &err);
    if (rc != BDTX_OK && rc != BDTX_REJECTED_ROWS && (err.message[0] || err.file[0]))
        error_print(&err, stderr);
    return rc;
}

/* What a command that succeeded wrote to standard output must have reached
 * it: a full disk is an I/O error (EX_IOERR), not success. As git's
 * run_builtin, a closed standard output, a pipe or a socket is left alone
 * (a reader that stops early is not a failure), and a command that failed
 * has said so already. */
static int stdout_written(int rc)
{
    struct stat st;

    if (rc != BDTX_OK && rc != BDTX_REJECTED_ROWS)
        return rc;
    if (fstat(fileno(stdout), &st) != 0 || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
        return rc;
    if (fflush(stdout) != 0) {
        fprintf(stderr, "bdtx: cannot write to standard output: %s\n", strerror(errno));
        return BDTX_IOERR;
    }
    if (ferror(stdout)) {
        fprintf(stderr, "bdtx: cannot write to standard output\n");
        return BDTX_IOERR;
    }
    if (fclose(stdout) != 0) {
        fprintf(stderr, "bdtx: cannot close standard output: %s\n", strerror(errno));
        return BDTX_IOERR;
    }
    return rc;
}

int main(int argc, char **argv)
{
    return stdout_written(dispatch(argc, argv));
}
