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
#include "bdtx/suggest.h"

#ifndef BDTX_VERSION
#define BDTX_VERSION "unknown"
#endif

static int cmd_help(struct cli *cli, int argc, char **argv, bdtx_error *err);

/* Each command's whole help, as `bdtx COMMAND --help` and `bdtx help
 * COMMAND` print it: the usage line, what it does, its options. */
static const struct command {
    const char *group;     /* first word, or NULL for a one-word command */
    const char *name;
    command_fn fn;
    const char *usage;
    const char *help;      /* one line, for the list of commands */
    const char *text;      /* the rest of COMMAND --help */
    const char *role;      /* "needs ...": the database role, for a permission error */
} commands[] = {
    {"config", "check", cmd_config_check, "config check",
     "validate the configuration and the files it names",
     "Reads the configuration (see --config in bdtx --help) and every unit registry\n"
     "it names, and says what is wrong with file, line and column. Prints each\n"
     "school year's registry, units, modules and groups. Touches no database.\n",
     NULL},
    {"db", "migrate", cmd_db_migrate, "db migrate", "create or upgrade the schema (idempotent)",
     "Applies the migrations not yet applied, each in its own transaction. Run it\n"
     "as the role that owns the schema, after each upgrade of bdtx.\n",
     "must run as the role that owns the schema (not a login of bdtx_import or bdtx_report)"},
    {"db", "status", cmd_db_status, "db status",
     "schema version, imports, latest as-of per source",
     "Prints the schema version and the migrations pending, then per school year\n"
     "and source the number of imports, rows, rows rejected and the newest as-of.\n",
     "needs a login in the role bdtx_report or bdtx_import"},
    {"units", "import", cmd_units_import, "units import FILE [--year ID]",
     "load or update a school year's unit registry",
     "Loads FILE (code,name,kind,parent_code[,aliases]) as the unit registry of a\n"
     "school year.\n"
     "\n"
     "  --year ID    the school year (as in school_years[].id); without it, the\n"
     "               year whose configuration names FILE\n",
     "needs a login in the role bdtx_import"},
    {NULL, "import", cmd_import,
     "import [--source KIND] [--as-of DATE] [--module CODE] [--target gv|cbql]\n"
     "       [--sheet NAME|N] [--strict] [--force] FILE...",
     "import exports of the LMS and TEMIS",
     "Imports each FILE (CSV, XLSX or XLS), each in one transaction. What a file is\n"
     "comes from its headers and title rows; the options say it when they cannot.\n"
     "A file imported before (the same bytes) is skipped.\n"
     "\n"
     "  --source KIND    lms-learners, lms-units, temis-units or temis-people\n"
     "  --as-of DATE     the export's date (YYYY-MM-DD), when neither its title\n"
     "                   rows nor its name give it\n"
     "  --module CODE    the module of a file without a module column\n"
     "  --target gv|cbql teachers or administrators, for a file that does not say\n"
     "  --sheet NAME|N   the worksheet of a workbook to read, by name or by\n"
     "                   position from 1 (else sources.sheets, else the first\n"
     "                   with a recognisable header)\n"
     "  --strict         reject the whole file at its first bad row\n"
     "  --force          import a learners export the guard refused (one that\n"
     "                   would undo much of what is known: see limits.* in\n"
     "                   bdtx.yaml(5))\n",
     "needs a login in the role bdtx_import"},
    {NULL, "report", cmd_report,
     "report [--week YYYY-Www | --as-of DATE] [--format xlsx|json|csv|text]\n"
     "       [--unit CODE] [--out PATH]",
     "write the ranking of a week, its notice, or a unit's pack",
     "Writes the ranking of a week: by default the week of the newest import, as a\n"
     "workbook under paths.reports; JSON, CSV and the notice (text) go to\n"
     "standard output.\n"
     "\n"
     "  --week YYYY-Www   the ISO week (its Sunday is the as-of date)\n"
     "  --as-of DATE      the figures as of DATE (YYYY-MM-DD)\n"
     "  --format FORMAT   xlsx (default), json, csv, or text: the week's notice\n"
     "  --unit CODE       the pack of one ranked-level or direct unit: its\n"
     "                    workbook and notice under paths.reports/<school\n"
     "                    year>/don-vi/CODE/\n"
     "  --out PATH        write to PATH instead\n",
     "needs a login in the role bdtx_report or bdtx_import"},
    {NULL, "rebuild", cmd_rebuild, "rebuild [--check] [--year ID]",
     "replay a school year from its archived files; rewrite the reports that changed",
     "Under the run's lock, replays each school year (or only ID) from its\n"
     "archived files in as-of order, in one transaction: a report or an import at\n"
     "the same moment sees the old history or the new one, never a mix. Then\n"
     "writes again every report whose figures changed, and the download page.\n"
     "A file the archive no longer holds stops it (exit 65), nothing changed.\n"
     "\n"
     "  --check      replay nothing, write nothing: recompute from the history\n"
     "               the figures each import kept per unit and compare; each\n"
     "               difference is printed (exit 70), else one line (exit 0)\n"
     "  --year ID    only this school year (as in school_years[].id)\n",
     "needs a login in the role bdtx_import"},
    {NULL, "run", cmd_run, "run", "the cron job: import every new file in the inbox, then report",
     "Under a lock, imports every new file of paths.inbox, moves each to the\n"
     "archive (or to the rejected folder with a NAME.err beside it saying why and\n"
     "what to do), writes the reports whose figures changed and the download page\n"
     "paths.reports/index.html. A learners export older than the newest of its\n"
     "year replays the year; a unit registry file that changed is loaded again.\n"
     "Safe to run again at any time. With --quiet it prints nothing when all went\n"
     "well, and one summary per file with rejected rows or rejected whole.\n",
     "needs a login in the role bdtx_import"},
    {NULL, "help", cmd_help, "help [COMMAND]", "the help of bdtx or of one command",
     "Prints the same text as bdtx --help, or as bdtx COMMAND --help.\n",
     NULL},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char exit_codes[] =
    "Exit codes: 0 done; 1 done, but rows or files were rejected; 64 usage;\n"
    "65 input file rejected; 69 database unavailable; 70 internal error;\n"
    "73 a report could not be created; 74 output not written (disk full);\n"
    "75 another run holds the lock; 78 configuration error. See bdtx(1).\n";

static void usage(FILE *out)
{
    size_t i;

    fprintf(out, "usage: bdtx [--config FILE] [--quiet|--verbose] COMMAND [ARGS]\n"
                 "       bdtx --version\n\n");
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %s\n      %s\n", commands[i].usage, commands[i].help);
    fprintf(out, "\nOptions:\n"
                 "  -c, --config FILE  the configuration; default $BDTX_CONFIG, then\n"
                 "                     config/bdtx.yaml, then %s\n"
                 "  -q, --quiet        only warnings and errors (for cron)\n"
                 "  -v, --verbose      debug messages too\n"
                 "  -h, --help         this help; bdtx COMMAND --help, the command's\n"
                 "  -V, --version      the version\n\n%s",
            BDTX_SYSCONF_CONFIG, exit_codes);
}

static void command_help(const struct command *c, FILE *out)
{
    fprintf(out, "usage: bdtx %s\n\n%s.\n\n%s", c->usage, c->help, c->text);
}

/* The command named by words[0..n) (one or two words), or NULL; *used, the
 * words it took. */
static const struct command *command_find(char **words, int n, int *used)
{
    size_t i;

    for (i = 0; i < NCOMMANDS && n > 0; i++) {
        const struct command *c = &commands[i];

        if (c->group ? (strcmp(words[0], c->group) == 0 && n > 1 &&
                        strcmp(words[1], c->name) == 0)
                     : strcmp(words[0], c->name) == 0) {
            *used = c->group ? 2 : 1;
            return c;
        }
    }
    return NULL;
}

/* "unknown command", with the closest known one: within the group when the
 * first word is a group ("db statsu"), else among the first words. */
static int unknown_command(char **words, int n, bdtx_error *err)
{
    const char *firsts[NCOMMANDS], *seconds[NCOMMANDS], *guess;
    size_t i, nfirst = 0, nsecond = 0;
    bool group = false;

    for (i = 0; i < NCOMMANDS; i++) {
        const char *first = commands[i].group ? commands[i].group : commands[i].name;
        size_t k;

        for (k = 0; k < nfirst && strcmp(firsts[k], first) != 0; k++)
            ;
        if (k == nfirst)
            firsts[nfirst++] = first;
        if (commands[i].group && strcmp(words[0], commands[i].group) == 0) {
            group = true;
            seconds[nsecond++] = commands[i].name;
        }
    }
    if (group && n < 2) {
        char list[256];
        size_t len = 0;

        list[0] = '\0';
        for (i = 0; i < nsecond; i++)
            len += (size_t)snprintf(list + len, len < sizeof list ? sizeof list - len : 0,
                                    "%s'%s %s'", i ? ", " : "", words[0], seconds[i]);
        error_set(err, BDTX_USAGE, "'%s' needs a subcommand: %s", words[0], list);
        return BDTX_USAGE;
    }
    if (group) {
        error_set(err, BDTX_USAGE, "unknown command '%s %s'", words[0], words[1]);
        guess = suggest_closest(words[1], seconds, nsecond);
        if (guess)
            error_hint(err, "did you mean '%s %s'?", words[0], guess);
        else
            error_hint(err, "bdtx help lists the commands");
        return BDTX_USAGE;
    }
    error_set(err, BDTX_USAGE, "unknown command '%s'", words[0]);
    guess = suggest_closest(words[0], firsts, nfirst);
    if (guess)
        error_hint(err, "did you mean '%s'?", guess);
    else
        error_hint(err, "bdtx help lists the commands");
    return BDTX_USAGE;
}

static int cmd_help(struct cli *cli, int argc, char **argv, bdtx_error *err)
{
    const struct command *c;
    int used;

    (void)cli;
    if (argc < 2) {
        usage(stdout);
        return BDTX_OK;
    }
    c = command_find(argv + 1, argc - 1, &used);
    if (!c)
        return unknown_command(argv + 1, argc - 1, err);
    if (1 + used != argc) {
        error_set(err, BDTX_USAGE, "help takes one COMMAND");
        error_hint(err, "usage: bdtx help [COMMAND]");
        return BDTX_USAGE;
    }
    command_help(c, stdout);
    return BDTX_OK;
}

/* Whether the command's arguments ask for its help (--help or -h before
 * any "--"), as git and systemctl answer it anywhere on the line. */
static bool wants_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
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
    int opt, rc, quiet = 0, verbose = 0, words = 0;

    error_clear(&err);
    /* Our own messages: getopt's would begin with the binary's full path. */
    opterr = 0;
    /* '+': options after the command belong to the command. */
    while ((opt = getopt_long(argc, argv, "+:c:qvhV", options, NULL)) != -1) {
        switch (opt) {
        case 'c': cli.config_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); return BDTX_OK;
        case 'V': printf("bdtx %s\n", BDTX_VERSION); return BDTX_OK;
        default:
            option_error(argv[optind - 1], opt, optopt, options, &err);
            if (!err.hint[0])
                error_hint(&err, "usage: bdtx [--config FILE] [--quiet|--verbose] COMMAND "
                           "[ARGS]; bdtx help lists the commands");
            error_print(&err, stderr);
            return BDTX_USAGE;
        }
    }
    if (quiet && verbose) {
        fprintf(stderr, "bdtx: --quiet and --verbose exclude each other\n");
        return BDTX_USAGE;
    }
    cli.quiet = quiet;
    log_set_level(quiet ? LOG_WARNING : verbose ? LOG_DEBUG : LOG_INFO);
    if (optind >= argc) {
        usage(stderr);
        return BDTX_USAGE;
    }
    cmd = command_find(argv + optind, argc - optind, &words);
    if (!cmd) {
        rc = unknown_command(argv + optind, argc - optind, &err);
        error_print(&err, stderr);
        return rc;
    }
    optind += words - 1;
    if (cmd->fn != cmd_help && wants_help(argc - optind, argv + optind)) {
        command_help(cmd, stdout);
        return BDTX_OK;
    }
    rc = cmd->fn(&cli, argc - optind, argv + optind, &err);
    /* insufficient_privilege: the login is not in the role the command
     * needs, a deployment mistake (78) whichever command meets it. */
    if ((rc == BDTX_SOFTWARE || rc == BDTX_CONFIG) && strcmp(err.sqlstate, "42501") == 0 &&
        cmd->role) {
        rc = err.code = BDTX_CONFIG;
        error_hint(&err, "bdtx %s %s (see DEPLOYMENT in bdtx(1))",
                   cmd->group ? cmd->usage : cmd->name, cmd->role);
    }
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
