#include "bdtx/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdtx/compute.h"
#include "bdtx/db.h"
#include "bdtx/header.h"
#include "bdtx/import.h"
#include "bdtx/log.h"
#include "bdtx/migrate.h"
#include "bdtx/notice.h"
#include "bdtx/pack.h"
#include "bdtx/report.h"
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

/* getopt_long over a command's own arguments; argv[0] is the command word. */
static void options_reset(void)
{
    optind = 0;
    opterr = 0;
}

static int open_config(struct cli *cli, struct config *cfg, bdtx_error *err)
{
    return config_load(cli->config_path, cfg, err) == 0 ? 0 : -1;
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
        printf("%s: configuration is valid\n", cfg.path);
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
    struct db *db = NULL;
    size_t i;
    int opt, rc;

    options_reset();
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt != 'y')
            return usage_error(err, usage, "unknown option %s", argv[optind - 1]);
        year_id = optarg;
    }
    if (optind != argc - 1)
        return usage_error(err, usage, "units import takes one FILE%s", NULL);
    file = argv[optind];
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
    if (registry_read_file(file, &reg, err) != 0 || open_db(&cfg, &db, true, err) != 0 ||
        db_begin(db, err) != 0) {
        rc = err->code;
        goto done;
    }
    if (registry_store(db, cfg.province.code, year->id, &reg, err) != 0 ||
        db_commit(db, err) != 0) {
        db_rollback(db);
        rc = err->code;
        goto done;
    }
    if (!cli->quiet)
        printf("%s: %zu units stored for school year %s\n", file, reg.count, year->id);
    rc = BDTX_OK;
done:
    registry_release(&reg);
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
                                   "[--target gv|cbql] [--strict] [--force] FILE...";

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
        {NULL, 0, NULL, 0},
    };
    const char *usage = import_usage;
    int opt;

    memset(opts, 0, sizeof *opts);
    options_reset();
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
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
        default:
            return usage_error(err, usage, "unknown option %s", argv[optind - 1]);
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
        if (import_file(db, &cfg, &vocab, argv[i], &opts, &res, &ferr) != 0) {
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
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
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
            return usage_error(err, usage, "unknown option %s", argv[optind - 1]);
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
        log_info("pack of %s written%s%s", a.unit, out ? " to " : "", out ? out : "");
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
    log_info("report written to %s", out);
done:
    free(path);
    report_read_end(&rd);
    if (have_rep)
        report_release(&rep);
    db_close(db);
    config_release(&cfg);
    return rc;
}
