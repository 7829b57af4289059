#include "bdtx/commands.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bdtx/compute.h"
#include "bdtx/db.h"
#include "bdtx/hash.h"
#include "bdtx/header.h"
#include "bdtx/import.h"
#include "bdtx/log.h"
#include "bdtx/migrate.h"
#include "bdtx/notice.h"
#include "bdtx/pack.h"
#include "bdtx/path.h"
#include "bdtx/rebuild.h"
#include "bdtx/report.h"
#include "bdtx/suggest.h"
#include "bdtx/units.h"
#include "bdtx/value.h"

static int usage_error(bdtx_error *err, const char *usage, const char *fmt, const char *arg)
{
    char msg[256];

    snprintf(msg, sizeof msg, fmt, arg ? arg : "");
    error_set(err, BDTX_USAGE, "%s", msg);
    error_hint(err, "usage: bdtx %s", usage);
    return BDTX_USAGE;
}

int option_error(const char *arg, int opt, int optopt, const struct option *options,
                 bdtx_error *err)
{
    const char *names[32], *guess;
    char typed[64];
    size_t n = 0, len;

    if (opt == ':') {
        for (; options->name && options->val != optopt; options++)
            ;
        if (options->name)
            error_set(err, BDTX_USAGE, "--%s needs a value", options->name);
        else
            error_set(err, BDTX_USAGE, "%s needs a value", arg);
        return BDTX_USAGE;
    }
    /* A short option inside a cluster ("-qx") is known by optopt only. */
    if (optopt != 0 && strncmp(arg, "--", 2) != 0) {
        error_set(err, BDTX_USAGE, "unknown option -%c", optopt);
        return BDTX_USAGE;
    }
    len = strcspn(arg, "=");
    snprintf(typed, sizeof typed, "%.*s", (int)len, arg);
    error_set(err, BDTX_USAGE, "unknown option %s", typed);
    for (; options->name && n < sizeof names / sizeof names[0]; options++)
        names[n++] = options->name;
    guess = suggest_closest(typed + strspn(typed, "-"), names, n);
    if (guess)
        error_hint(err, "did you mean --%s?", guess);
    return BDTX_USAGE;
}

int cli_config_load(const struct cli *cli, struct config *cfg, bdtx_error *err)
{
    static const char local[] = "config/bdtx.yaml";
    const char *env = getenv("BDTX_CONFIG");
    char cwd[PATH_MAX];

    if (cli->config_path)
        return config_load(cli->config_path, cfg, err) == 0 ? 0 : -1;
    if (env && *env) {
        if (config_load(env, cfg, err) == 0)
            return 0;
        if (!err->detail[0])
            error_detail(err, "the configuration named by $BDTX_CONFIG");
        return -1;
    }
    if (access(local, F_OK) == 0)
        return config_load(local, cfg, err) == 0 ? 0 : -1;
    if (access(BDTX_SYSCONF_CONFIG, F_OK) == 0)
        return config_load(BDTX_SYSCONF_CONFIG, cfg, err) == 0 ? 0 : -1;
    memset(cfg, 0, sizeof *cfg);
    error_set(err, BDTX_CONFIG, "no configuration found");
    error_detail(err, "--config was not given, $BDTX_CONFIG is not set, and there is neither "
                 "%s/%s nor %s", getcwd(cwd, sizeof cwd) ? cwd : ".", local,
                 BDTX_SYSCONF_CONFIG);
    error_hint(err, "name one with --config FILE or BDTX_CONFIG=FILE, or create %s (an "
               "example: %s)", BDTX_SYSCONF_CONFIG, BDTX_EXAMPLE_CONFIG);
    return -1;
}

/* getopt_long over a command's own arguments; argv[0] is the command word. */
static void options_reset(void)
{
    optind = 0;
    opterr = 0;
}

static int open_config(struct cli *cli, struct config *cfg, bdtx_error *err)
{
    return cli_config_load(cli, cfg, err);
}

/* An option getopt_long did not take, with the command's usage as a hint
 * when there is no closer word to give. */
static int bad_option(bdtx_error *err, const char *usage, char **argv, int opt,
                      const struct option *options)
{
    option_error(argv[optind - 1], opt, optopt, options, err);
    if (!err->hint[0])
        error_hint(err, "usage: bdtx %s", usage);
    return BDTX_USAGE;
}

/* Connects and checks that the schema is there, so a forgotten `db migrate`
 * reads as such rather than as a missing table. */
static int open_db(const struct config *cfg, struct db **db, bool need_schema, bdtx_error *err)
{
    char *current = NULL;
    int pending = 0;

    if (db_connect(cfg->conninfo, db, err) != 0)
        return -1;
    if (!need_schema)
        return 0;
    if (migrate_current(*db, &current, &pending, err) != 0) {
        db_close(*db);
        *db = NULL;
        return -1;
    }
    free(current);
    if (pending > 0) {
        error_set(err, BDTX_CONFIG, "the database schema is not up to date (%d migration%s "
                  "pending)", pending, pending == 1 ? "" : "s");
        error_hint(err, "run: bdtx db migrate");
        db_close(*db);
        *db = NULL;
        return -1;
    }
    return 0;
}

int cmd_config_check(struct cli *cli, int argc, char **argv, bdtx_error *err)
{
    struct config cfg;
    struct vocab vocab;
    struct registry reg;
    size_t i;

    (void)argv;
    if (argc > 1)
        return usage_error(err, "config check", "config check takes no arguments%s", NULL);
    if (open_config(cli, &cfg, err) != 0)
        return err->code;
    if (vocab_init(&vocab, &cfg, err) != 0) {
        config_release(&cfg);
        return err->code;
    }
    vocab_release(&vocab);
    for (i = 0; i < cfg.nyears; i++) {
        if (registry_read_file(cfg.years[i].units_path, &reg, err) != 0) {
            error_detail(err, "the unit registry of school year %s (configured in %s line %ld)",
                         cfg.years[i].id, cfg.path, cfg.years[i].units_line);
            config_release(&cfg);
            return BDTX_CONFIG;
        }
        if (!cli->quiet)
            printf("%s: %s, %zu units, %zu modules, %zu groups\n", cfg.years[i].id,
                   cfg.years[i].units_path, reg.count, cfg.years[i].nmodules,
                   cfg.years[i].ngroups);
        registry_release(&reg);
    }
    if (!cli->quiet)
        printf("inbox: %s\narchive: %s\nrejected: %s\nreports: %s\n"
               "%s: configuration is valid\n", cfg.paths.inbox, cfg.paths.archive,
               cfg.paths.rejected, cfg.paths.reports, cfg.path);
    config_release(&cfg);
    return BDTX_OK;
}

int cmd_db_migrate(struct cli *cli, int argc, char **argv, bdtx_error *err)
{
    struct config cfg;
    struct db *db = NULL;
    int applied = 0, rc;

    (void)argv;
    if (argc > 1)
        return usage_error(err, "db migrate", "db migrate takes no arguments%s", NULL);
    if (open_config(cli, &cfg, err) != 0)
        return err->code;
    if (open_db(&cfg, &db, false, err) != 0 || migrate_apply(db, &applied, err) != 0) {
        rc = err->code;
    } else {
        rc = BDTX_OK;
        if (!cli->quiet && applied > 0)
            printf("applied %d migration%s; the schema is up to date\n", applied,
                   applied == 1 ? "" : "s");
        else if (!cli->quiet)
            printf("the schema is up to date\n");
    }
    db_close(db);
    config_release(&cfg);
    return rc;
}

int cmd_db_status(struct cli *cli, int argc, char **argv, bdtx_error *err)
{
    struct config cfg;
    struct db *db = NULL;
    struct db_result *r = NULL;
    char *current = NULL;
    int pending = 0, rc = BDTX_OK, i;
    const char *params[1];

    (void)argv;
    if (argc > 1)
        return usage_error(err, "db status", "db status takes no arguments%s", NULL);
    if (open_config(cli, &cfg, err) != 0)
        return err->code;
    params[0] = cfg.province.code;
    if (open_db(&cfg, &db, false, err) != 0 || migrate_current(db, &current, &pending, err) != 0) {
        rc = err->code;
        goto done;
    }
    printf("schema: %s (%d pending)\n", current ? current : "none", pending);
    if (!current)
        goto done;
    if (db_query(db, "SELECT school_year, source, count(*), sum(rows), sum(rejected), "
                     "max(as_of) FROM import WHERE province_code = $1 "
                     "GROUP BY 1, 2 ORDER BY 1, 2", 1, params, &r, err) != 0) {
        rc = err->code;
        goto done;
    }
    if (db_rows(r) == 0)
        printf("no imports yet\n");
    for (i = 0; i < db_rows(r); i++)
        printf("%s %-13s %s imports, %s rows, %s rejected, latest as-of %s\n",
               db_value(r, i, 0), db_value(r, i, 1), db_value(r, i, 2), db_value(r, i, 3),
               db_value(r, i, 4), db_value(r, i, 5));
done:
    db_result_free(r);
    free(current);
    db_close(db);
    config_release(&cfg);
    return rc;
}

/* What units import changed, unit by unit, and what it meant for the rows
 * rejected before. */
static void print_registry_change(const char *file, const char *year, size_t count,
                                  const struct registry_change *ch)
{
    static const char *const said[] = {"added", "renamed", "re-parented", "removed",
                                       "kind or aliases changed"};
    size_t i;

    printf("%s: %zu units stored for school year %s", file, count, year);
    if (ch->nunits == 0) {
        printf(", as they were\n");
        return;
    }
    printf(" (%ld added, %ld renamed, %ld re-parented, %ld removed, %ld otherwise changed)\n",
           ch->count[REGISTRY_ADDED], ch->count[REGISTRY_RENAMED],
           ch->count[REGISTRY_REPARENTED], ch->count[REGISTRY_REMOVED],
           ch->count[REGISTRY_OTHER]);
    for (i = 0; i < ch->nunits; i++) {
        const struct registry_change_unit *u = &ch->units[i];

        printf("  %s %s %s", said[u->kind], u->code, u->name);
        if (u->kind == REGISTRY_RENAMED)
            printf(" (was %s)", u->before);
        else if (u->kind == REGISTRY_REPARENTED)
            printf(" (under %s, was under %s)", u->parent_code ? u->parent_code : "nothing",
                   u->before[0] ? u->before : "nothing");
        else if (u->kind == REGISTRY_ADDED && u->parent_code)
            printf(" (under %s)", u->parent_code);
        printf("\n");
    }
    if (ch->rejected_rows > 0)
        printf("%ld rejected rows named units this registry has", ch->rejected_rows);
    else
        printf("no rejected row named a unit this registry has");
    if (ch->replay)
        printf("; school year %s replayed from its %d files: %ld rows rejected now, %ld "
               "before\n", year, ch->rebuild.files, ch->rebuild.rejected,
               ch->rebuild.rejected_before);
    else
        printf("; the history stands; bdtx run writes again the reports whose figures change\n");
}

int cmd_units_import(struct cli *cli, int argc, char **argv, bdtx_error *err)
{
    static const char usage[] = "units import FILE [--year ID]";
    static const struct option options[] = {
        {"year", required_argument, NULL, 'y'},
        {NULL, 0, NULL, 0},
    };
    const char *year_id = NULL, *file;
    const struct config_year *year = NULL;
    struct config cfg;
    struct registry reg = {0};
    struct registry_change ch = {0};
    struct vocab vocab;
    struct db *db = NULL;
    char sha[65];
    bool have_vocab = false;
    size_t i;
    int opt, rc;

    options_reset();
    while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        if (opt != 'y')
            return bad_option(err, usage, argv, opt, options);
        year_id = optarg;
    }
    if (optind != argc - 1)
        return usage_error(err, usage, "units import takes one FILE%s", NULL);
    file = argv[optind];
    /* The FILE given is the input: missing, it is rejected (65) as an
     * import's FILE is; a registry the configuration names is read by
     * config check (78). */
    if (access(file, R_OK) != 0) {
        error_set(err, BDTX_DATAERR, "cannot open: %s", strerror(errno));
        error_place(err, file, 0, NULL);
        return BDTX_DATAERR;
    }
    if (open_config(cli, &cfg, err) != 0)
        return err->code;
    if (year_id) {
        year = config_year_by_id(&cfg, year_id);
        if (!year) {
            config_release(&cfg);
            return usage_error(err, usage, "no school year '%s' in the configuration", year_id);
        }
    } else {
        char *want = realpath(file, NULL);

        for (i = 0; i < cfg.nyears && want && !year; i++) {
            char *have = realpath(cfg.years[i].units_path, NULL);

            if (have && strcmp(have, want) == 0)
                year = &cfg.years[i];
            free(have);
        }
        free(want);
        if (!year) {
            config_release(&cfg);
            return usage_error(err, usage, "no school year of the configuration names %s; "
                               "give --year", file);
        }
    }
    if (registry_read_file(file, &reg, err) != 0 || hash_file_sha256(file, sha, err) != 0 ||
        vocab_init(&vocab, &cfg, err) != 0) {
        rc = err->code;
        goto done;
    }
    have_vocab = true;
    if (open_db(&cfg, &db, true, err) != 0 ||
        rebuild_registry(db, &cfg, &vocab, year, file, sha, &reg, &ch, err) != 0) {
        rc = err->code;
        goto done;
    }
    if (!cli->quiet)
        print_registry_change(file, year->id, reg.count, &ch);
    rc = BDTX_OK;
done:
    registry_change_release(&ch);
    registry_release(&reg);
    if (have_vocab)
        vocab_release(&vocab);
    db_close(db);
    config_release(&cfg);
    return rc;
}

static bool parse_target(const char *s, enum role *out)
{
    if (strcmp(s, "gv") == 0)
        *out = ROLE_GV;
    else if (strcmp(s, "cbql") == 0)
        *out = ROLE_CBQL;
    else
        return false;
    return true;
}

static const char import_usage[] = "import [--source KIND] [--as-of DATE] [--module CODE] "
                                   "[--target gv|cbql] [--sheet NAME|N] [--strict] [--force] "
                                   "FILE...";

/* The options of bdtx import into opts; optind is left at the first FILE.
 * 0, or BDTX_USAGE with err set. */
static int import_parse_options(int argc, char **argv, struct import_options *opts,
                                bdtx_error *err)
{
    static const struct option options[] = {
        {"source", required_argument, NULL, 's'},
        {"as-of", required_argument, NULL, 'a'},
        {"module", required_argument, NULL, 'm'},
        {"target", required_argument, NULL, 't'},
        {"strict", no_argument, NULL, 'S'},
        {"force", no_argument, NULL, 'F'},
        {"sheet", required_argument, NULL, 'W'},
        {NULL, 0, NULL, 0},
    };
    const char *usage = import_usage;
    int opt;

    memset(opts, 0, sizeof *opts);
    options_reset();
    while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            if (!source_kind_parse(optarg, &opts->source))
                return usage_error(err, usage, "unknown source kind '%s' (lms-learners, "
                                   "lms-units, temis-units, temis-people)", optarg);
            break;
        case 'a':
            if (!value_parse_date(optarg, &opts->as_of))
                return usage_error(err, usage, "--as-of '%s' is not a date (YYYY-MM-DD)",
                                   optarg);
            opts->has_as_of = true;
            break;
        case 'm': opts->module = optarg; break;
        case 't':
            if (!parse_target(optarg, &opts->target))
                return usage_error(err, usage, "--target must be gv or cbql, not '%s'", optarg);
            break;
        case 'S': opts->strict = true; break;
        case 'F': opts->force = true; break;
        case 'W':
            if (!optarg[0] || (strspn(optarg, "0123456789") == strlen(optarg) && atol(optarg) < 1))
                return usage_error(err, usage, "--sheet needs a worksheet name or a position "
                                   "counted from 1, not '%s'", optarg);
            opts->sheet = optarg;
            break;
        default:
            return bad_option(err, usage, argv, opt, options);
        }
    }
    if (optind >= argc)
        return usage_error(err, usage, "import needs at least one FILE%s", NULL);
    return 0;
}

/* Whether code is a module of any school year of cfg. */
static bool module_configured(const struct config *cfg, const char *code)
{
    size_t y, m;

    for (y = 0; y < cfg->nyears; y++)
        for (m = 0; m < cfg->years[y].nmodules; m++)
            if (strcmp(cfg->years[y].modules[m].code, code) == 0)
                return true;
    return false;
}

/* A learners export older than the newest of its school year: the year is
 * replayed with it (rebuild.h). 0, or -1 with ferr filled. */
static int import_late(struct cli *cli, struct db *db, const struct config *cfg,
                       const struct vocab *vocab, const char *path,
                       const struct import_options *opts, struct import_result *res,
                       bdtx_error *ferr)
{
    const struct config_year *year = config_year_by_id(cfg, res->year);
    struct rebuild_extra extra;
    struct rebuild_result rr;
    char day[11], newest[11];

    if (!year) {
        error_set(ferr, BDTX_SOFTWARE, "school year %s is not in the configuration", res->year);
        return -1;
    }
    extra.path = path;
    extra.opts = *opts;
    extra.opts.source = res->source;
    extra.opts.has_as_of = true;
    extra.opts.as_of = res->as_of;
    if (rebuild_year(db, cfg, vocab, year, &extra, &rr, ferr) != 0)
        return -1;
    date_format_iso(res->as_of, day);
    date_format_iso(res->newest, newest);
    if (!cli->quiet)
        printf("%s: as of %s, older than the newest learners export (%s): school year %s "
               "replayed from its %d files\n", path, day, newest, year->id, rr.files);
    res->id = rr.extra_id;
    res->rows = rr.extra_rows;
    res->rejected = rr.extra_rejected;
    return 0;
}

int cmd_import(struct cli *cli, int argc, char **argv, bdtx_error *err)
{
    struct import_options opts;
    struct config cfg;
    struct vocab vocab;
    struct db *db = NULL;
    int i, rc, whole_rejected = 0, imported = 0;
    long rejected_rows = 0;

    rc = import_parse_options(argc, argv, &opts, err);
    if (rc != 0)
        return rc;
    if (open_config(cli, &cfg, err) != 0)
        return err->code;
    if (vocab_init(&vocab, &cfg, err) != 0) {
        config_release(&cfg);
        return err->code;
    }
    if (opts.module && !module_configured(&cfg, opts.module)) {
        rc = usage_error(err, import_usage, "--module %s is not a configured module code",
                         opts.module);
        goto done;
    }
    if (open_db(&cfg, &db, true, err) != 0) {
        rc = err->code;
        goto done;
    }
    for (i = optind; i < argc; i++) {
        struct import_result res;
        bdtx_error ferr;
        char day[11];

        error_clear(&ferr);
        if (import_file(db, &cfg, &vocab, argv[i], &opts, &res, &ferr) != 0 ||
            (res.late && import_late(cli, db, &cfg, &vocab, argv[i], &opts, &res, &ferr) != 0)) {
            /* A bad file costs only itself; anything else stops the run. */
            if (ferr.code != BDTX_DATAERR) {
                *err = ferr;
                rc = ferr.code;
                goto done;
            }
            error_print(&ferr, stderr);
            whole_rejected++;
            continue;
        }
        imported++;
        if (res.skipped)
            continue;
        rejected_rows += res.rejected;
        date_format_iso(res.as_of, day);
        if (!cli->quiet)
            printf("%s: %s, as of %s (school year %s): %ld rows imported, %ld rejected\n",
                   argv[i], source_kind_name(res.source), day, res.year, res.rows,
                   res.rejected);
    }
    if (whole_rejected > 0 && imported == 0)
        rc = BDTX_DATAERR;
    else if (whole_rejected > 0 || rejected_rows > 0)
        rc = BDTX_REJECTED_ROWS;
done:
    db_close(db);
    vocab_release(&vocab);
    config_release(&cfg);
    return rc;
}

/* Without --week or --as-of: the week of the newest import. */
static int latest_as_of(struct db *db, const struct config *cfg, bdtx_date *day, bdtx_error *err)
{
    const char *params[1] = {cfg->province.code};
    struct db_result *r = NULL;
    int rc = 0;

    if (db_query(db, "SELECT max(as_of) FROM import WHERE province_code = $1", 1, params, &r,
                 err) != 0)
        return -1;
    if (db_null(r, 0, 0) || !value_parse_date(db_value(r, 0, 0), day)) {
        error_set(err, BDTX_DATAERR, "nothing has been imported yet");
        error_hint(err, "import exports first: bdtx import FILE...");
        rc = -1;
    }
    db_result_free(r);
    return rc;
}

/* What bdtx report is asked for: the day (the Sunday of --week, or
 * --as-of; none: the newest import's week), the format and --out. */
struct report_args {
    bool has_day;
    bdtx_date day;
    enum report_format format;
    const char *out;
    const char *unit;          /* --unit: that unit's pack */
};

/* The options of bdtx report into a; 0, or BDTX_USAGE with err set. */
static int report_parse_options(int argc, char **argv, struct report_args *a, bdtx_error *err)
{
    static const char usage[] = "report [--week YYYY-Www | --as-of DATE] "
                                "[--format xlsx|json|csv|text] [--unit CODE] [--out PATH]";
    static const struct option options[] = {
        {"week", required_argument, NULL, 'w'},
        {"as-of", required_argument, NULL, 'a'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"unit", required_argument, NULL, 'u'},
        {NULL, 0, NULL, 0},
    };
    int opt, y, w;

    *a = (struct report_args){.has_day = false, .day = 0, .format = REPORT_XLSX, .out = NULL,
                              .unit = NULL};
    options_reset();
    while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (opt) {
        case 'w':
            if (a->has_day)
                return usage_error(err, usage, "give --week or --as-of, not both%s", NULL);
            if (!value_parse_week(optarg, &y, &w) || !date_week_sunday(y, w, &a->day))
                return usage_error(err, usage, "--week '%s' is not an ISO week (YYYY-Www)",
                                   optarg);
            a->has_day = true;
            break;
        case 'a':
            if (a->has_day)
                return usage_error(err, usage, "give --week or --as-of, not both%s", NULL);
            if (!value_parse_date(optarg, &a->day))
                return usage_error(err, usage, "--as-of '%s' is not a date (YYYY-MM-DD)",
                                   optarg);
            a->has_day = true;
            break;
        case 'f':
            if (!report_format_parse(optarg, &a->format))
                return usage_error(err, usage, "--format %s is not one of xlsx, json, csv, text",
                                   optarg);
            break;
        case 'o': a->out = optarg; break;
        case 'u': a->unit = optarg; break;
        default:
            return bad_option(err, usage, argv, opt, options);
        }
    }
    if (optind != argc)
        return usage_error(err, usage, "unexpected argument %s", argv[optind]);
    if (a->unit && (a->format == REPORT_JSON || a->format == REPORT_CSV))
        return usage_error(err, usage,
                           "--unit writes a unit's pack (--format xlsx) or notice (--format text)%s",
                           "");
    return 0;
}

/* The registry index of the unit --unit names, which must be one of the
 * ranking tables' (a ranked-level or direct unit); -1 with err filled. */
static long report_unit(const struct report *rep, const char *code, bdtx_error *err)
{
    long u = registry_find(&rep->reg, code);
    size_t k, i;

    for (k = 0; u >= 0 && k < rep->nrankings; k++)
        for (i = 0; !rep->rankings[k].module && i < rep->rankings[k].nrows; i++)
            if (rep->rankings[k].rows[i].unit == u)
                return u;
    if (u < 0)
        error_set(err, BDTX_USAGE, "--unit %s: no unit has this code in school year %s", code,
                  rep->year->id);
    else
        error_set(err, BDTX_USAGE,
                  "--unit %s: only a ranked-level unit (%s) or a direct unit has a pack", code,
                  rep->year->ranked_level ? rep->year->ranked_level : "");
    return -1;
}

/* "WHAT written to PATH", the path absolute: --out may be relative to a
 * folder the reader of the message is not in. */
static void say_written(const char *what, const char *out)
{
    char cwd[PATH_MAX], *joined = NULL, *shown = NULL;

    if (out[0] != '/' && getcwd(cwd, sizeof cwd))
        joined = path_join(cwd, out);
    shown = path_resolve(joined ? joined : out);
    log_info("%s written to %s", what, shown ? shown : out);
    free(shown);
    free(joined);
}

int cmd_report(struct cli *cli, int argc, char **argv, bdtx_error *err)
{
    struct report_args a;
    const char *out;
    char *path = NULL;
    int y, w, rc;
    const struct config_year *year;
    struct config cfg;
    struct db *db = NULL;
    struct report rep;
    struct report_read rd = {0};
    bool have_rep = false;

    rc = report_parse_options(argc, argv, &a, err);
    if (rc != 0)
        return rc;
    out = a.out;
    if (open_config(cli, &cfg, err) != 0)
        return err->code;
    if (open_db(&cfg, &db, true, err) != 0 ||
        (!a.has_day && latest_as_of(db, &cfg, &a.day, err) != 0)) {
        rc = err->code;
        goto done;
    }
    if (!a.has_day) {
        date_iso_week(a.day, &y, &w);
        date_week_sunday(y, w, &a.day);
    }
    year = config_year_for_date(&cfg, a.day);
    if (!year) {
        char iso[11];

        date_format_iso(a.day, iso);
        error_set(err, BDTX_CONFIG, "no school year in the configuration contains %s", iso);
        error_place(err, cfg.path, 0, NULL);
        rc = BDTX_CONFIG;
        goto done;
    }
    /* A pack reads its own learners (pack_write_one), not the province's. */
    if (report_read_begin(db, &cfg, year, a.day, a.format == REPORT_XLSX && !a.unit, &rep, &rd,
                          err) != 0) {
        rc = err->code;
        goto done;
    }
    have_rep = true;
    if (a.format == REPORT_XLSX && compute_trend(db, &rep, err) != 0) {
        rc = err->code;
        goto done;
    }
    if (a.unit) {
        long u = report_unit(&rep, a.unit, err);

        if (u < 0 || !pack_code_safe(a.unit)) {
            if (u >= 0)
                error_set(err, BDTX_USAGE, "--unit %s: this code cannot name a folder", a.unit);
            rc = err->code;
            goto done;
        }
        if (a.format == REPORT_TEXT) {
            if (!out) {
                if (notice_write(&rep, u, stdout) != 0 || fflush(stdout) != 0)
                    rc = BDTX_IOERR;
                goto done;
            }
            if (pack_save_notice(&rep, u, out, err) != 0)
                rc = err->code;
            goto done;
        }
        if (pack_write_one(db, &rep, u, out, err) != 0) {
            rc = err->code;
            goto done;
        }
        if (!out)
            out = path = pack_path(&rep, a.unit, ".xlsx", err);
        if (out)
            say_written("pack", out);
        goto done;
    }
    /* JSON and CSV are for programs and pipes: standard output unless --out.
     * The workbook goes to the reports folder unless --out. */
    if (!out && a.format != REPORT_XLSX) {
        if (report_write_stream(&rep, a.format, stdout, err) != 0)
            rc = err->code;
        goto done;
    }
    if (!out) {
        path = report_default_path(&rep, a.format, err);
        if (!path) {
            rc = err->code;
            goto done;
        }
        out = path;
    }
    if (report_save(&rep, a.format, out, report_read_people(&rd), err) != 0) {
        rc = err->code;
        goto done;
    }
    say_written("report", out);
done:
    free(path);
    report_read_end(&rd);
    if (have_rep)
        report_release(&rep);
    db_close(db);
    config_release(&cfg);
    return rc;
}
