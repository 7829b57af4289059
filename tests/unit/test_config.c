#include <limits.h>
#include <sys/stat.h>

#include "bdtx/config.h"
#include "test_util.h"

/* A scratch folder holding the configuration under test, a units file
 * beside it and a folder where a units file is expected. */
static char scratch_dir[64];
static char scratch_config[128];
static char scratch_units[128];
static char scratch_folder[128];

static int scratch_setup(void **state)
{
    static const char units[] = "code,name,kind,parent_code\n";

    (void)state;
    temp_dir_make(scratch_dir, sizeof scratch_dir, "config");
    temp_path(scratch_config, sizeof scratch_config, scratch_dir, "bdtx.yaml");
    temp_path(scratch_units, sizeof scratch_units, scratch_dir, "units.csv");
    temp_path(scratch_folder, sizeof scratch_folder, scratch_dir, "folder");
    file_write(scratch_units, units, strlen(units));
    return mkdir(scratch_folder, 0700);
}

static int scratch_teardown(void **state)
{
    (void)state;
    return temp_dir_remove(scratch_dir);
}

static void write_config(const char *text)
{
    file_write(scratch_config, text, strlen(text));
}

static int load_text(const char *text, struct config *cfg, bdtx_error *err)
{
    write_config(text);
    error_clear(err);
    return config_load(scratch_config, cfg, err);
}

static void load_ok(const char *path, struct config *cfg)
{
    bdtx_error err;

    error_clear(&err);
    require_ok(config_load(path, cfg, &err), &err, path);
}

/* rel under the scratch folder as the configuration resolves it (its
 * links resolved), in buf. */
static const char *in_scratch(char buf[PATH_MAX], const char *rel)
{
    char *dir = realpath(scratch_dir, NULL);

    assert_non_null(dir);
    assert_true((size_t)snprintf(buf, PATH_MAX, "%s/%s", dir, rel) < PATH_MAX);
    free(dir);
    return buf;
}

static void test_fixture(void **state)
{
    struct config cfg;
    const struct config_year *y;
    char path[PATH_MAX];

    (void)state;
    load_ok(FIXTURE_DIR "/bdtx.yaml", &cfg);

    char *dir = realpath(FIXTURE_DIR, NULL);

    assert_non_null(dir);
    assert_string_equal(cfg.path, FIXTURE_DIR "/bdtx.yaml");
    /* Absolute, links and ".." resolved: relative paths are under it. */
    assert_string_equal(cfg.dir, dir);
    assert_string_equal(cfg.province.code, "20");
    assert_string_equal(cfg.province.name, "Lạng Sơn");
    assert_string_equal(cfg.province.authority, "UBND TỈNH LẠNG SƠN");
    assert_string_equal(cfg.province.department, "SỞ GIÁO DỤC VÀ ĐÀO TẠO");
    assert_string_equal(cfg.conninfo, "");
    snprintf(path, sizeof path, "%s/var/inbox", dir);
    assert_string_equal(cfg.paths.inbox, path);
    snprintf(path, sizeof path, "%s/reports", dir);
    assert_string_equal(cfg.paths.reports, path);

    assert_int_equal(cfg.nyears, 1);
    y = &cfg.years[0];
    assert_string_equal(y->id, "2020-2021");
    assert_int_equal(y->start, date_from_ymd(2020, 9, 1));
    assert_int_equal(y->end, date_from_ymd(2021, 8, 31));
    assert_string_equal(y->ranked_level, "Phòng GDĐT");
    snprintf(path, sizeof path, "%s/units.csv", dir);
    assert_string_equal(y->units_path, path);
    assert_int_equal(y->units_line, 10);
    assert_int_equal(y->units_column, 12);

    assert_int_equal(y->nmodules, 2);
    assert_string_equal(y->modules[0].code, "M1");
    assert_string_equal(y->modules[0].name,
                        "Hướng dẫn thực hiện Chương trình giáo dục phổ thông 2018");
    assert_int_equal(y->modules[0].aliases.count, 3);
    assert_string_equal(y->modules[0].aliases.items[0], "Mô đun 1");
    assert_string_equal(y->modules[0].aliases.items[1], "Module 1");
    assert_string_equal(y->modules[0].aliases.items[2], "MĐ1");
    assert_string_equal(y->modules[1].code, "M2");
    assert_string_equal(y->modules[1].name,
                        "Sử dụng phương pháp dạy học và giáo dục phát triển phẩm chất, "
                        "năng lực học sinh");
    assert_int_equal(y->modules[1].aliases.count, 3);
    assert_string_equal(y->modules[1].aliases.items[0], "Mô đun 2");
    assert_string_equal(y->modules[1].aliases.items[1], "Module 2");
    assert_string_equal(y->modules[1].aliases.items[2], "MĐ2");

    assert_int_equal(y->ngroups, 3);
    assert_string_equal(y->groups[0].name, "A");
    assert_int_equal(y->groups[0].min_centi, 8000);
    assert_string_equal(y->groups[1].name, "B");
    assert_int_equal(y->groups[1].min_centi, 5000);
    assert_string_equal(y->groups[2].name, "C");
    assert_int_equal(y->groups[2].min_centi, 0);
    assert_int_equal(y->temis_metric, TEMIS_SELF_ASSESSED);

    assert_string_equal(cfg.report.language, "vi");
    assert_string_equal(cfg.report.file_name, "bdtx-{province}-{week}.xlsx");
    assert_true(cfg.report.include_people);
    assert_false(cfg.report.units);
    assert_int_equal(cfg.report.highlight, 3);
    assert_int_equal(cfg.naliases, 0);
    assert_int_equal(cfg.status_passed.count, 0);
    assert_int_equal(cfg.status_not_passed.count, 0);
    assert_int_equal(cfg.limits.max_file_mb, 0);
    assert_int_equal(cfg.limits.max_rows, 0);
    assert_int_equal(cfg.limits.max_unpassed_centi, 500);
    assert_int_equal(cfg.limits.min_unit_learners, 20);

    assert_ptr_equal(config_year_for_date(&cfg, date_from_ymd(2020, 9, 1)), y);
    assert_ptr_equal(config_year_for_date(&cfg, date_from_ymd(2020, 11, 1)), y);
    assert_ptr_equal(config_year_for_date(&cfg, date_from_ymd(2021, 8, 31)), y);
    assert_null(config_year_for_date(&cfg, date_from_ymd(2020, 8, 31)));
    assert_null(config_year_for_date(&cfg, date_from_ymd(2021, 9, 1)));
    assert_ptr_equal(config_year_by_id(&cfg, "2020-2021"), y);
    assert_null(config_year_by_id(&cfg, "2021-2022"));

    config_release(&cfg);
    free(dir);
    assert_null(cfg.years);
    assert_null(cfg.path);
}

/* Every key, in block style, two school years written out of order. */
static const char full_block[] =
    "province:\n"
    "  code: \"20\"\n"
    "  name: Lạng Sơn\n"
    "database:\n"
    "  conninfo: \"dbname=bdtx\"\n"
    "paths:\n"
    "  inbox: /srv/bdtx/inbox\n"
    "  archive: archive\n"
    "  rejected: rejected\n"
    "  reports: out\n"
    "school_years:\n"
    "  - id: 2021-2022\n"
    "    start: 2021-09-01\n"
    "    end: 2022-08-31\n"
    "    ranked_level: Phòng GDĐT\n"
    "    units: units.csv\n"
    "    modules:\n"
    "      - code: M3\n"
    "        name: Mô đun 3\n"
    "    groups:\n"
    "      - name: A\n"
    "        min_percent: 80.5\n"
    "      - name: B\n"
    "        min_percent: \"50,25\"\n"
    "      - name: C\n"
    "        min_percent: 0\n"
    "    temis_metric: head_assessed\n"
    "  - id: \"2020-2021\"\n"
    "    start: 2020-09-01\n"
    "    end: 2021-08-31\n"
    "    ranked_level: UBND xã\n"
    "    units: ./units.csv\n"
    "    modules:\n"
    "      - code: M1\n"
    "        name: Mô đun 1\n"
    "        aliases:\n"
    "          - MĐ1\n"
    "    groups:\n"
    "      - name: A\n"
    "        min_percent: 0\n"
    "report:\n"
    "  language: en\n"
    "  file_name: weekly-{week}.xlsx\n"
    "  include_people: no\n"
    "  highlight: 0\n"
    "sources:\n"
    "  aliases:\n"
    "    account: [\"Tên tài khoản\", \"Tài khoản đăng nhập\"]\n"
    "    unit:\n"
    "      - Đơn vị công tác\n"
    "  status:\n"
    "    passed: [\"Đã hoàn thành\"]\n"
    "    not_passed: [\"Chưa tham gia\", \"Vắng\"]\n"
    "limits:\n"
    "  max_file_mb: 64\n"
    "  max_uncompressed_mb: 1024\n"
    "  max_compression_ratio: 100\n"
    "  max_cells_per_row: 512\n"
    "  max_cell_chars: 4096\n"
    "  max_sheets: 12\n"
    "  max_unpassed_percent: 2.5\n"
    "  max_rows: 2000000\n";

static void test_full_block_style(void **state)
{
    struct config cfg;
    const struct config_year *y;
    char units[160], path[PATH_MAX];

    (void)state;
    write_config(full_block);
    load_ok(scratch_config, &cfg);

    assert_string_equal(cfg.conninfo, "dbname=bdtx");
    assert_string_equal(cfg.province.authority, "");
    assert_string_equal(cfg.province.department, "");
    assert_string_equal(cfg.paths.inbox, "/srv/bdtx/inbox");
    /* Relative paths are relative to the configuration's folder. */
    assert_string_equal(cfg.paths.archive, in_scratch(path, "archive"));
    assert_string_equal(cfg.paths.rejected, in_scratch(path, "rejected"));
    assert_string_equal(cfg.paths.reports, in_scratch(path, "out"));

    assert_int_equal(cfg.nyears, 2);
    y = &cfg.years[0];
    assert_string_equal(y->id, "2020-2021");
    assert_string_equal(y->ranked_level, "UBND xã");
    /* Written "./units.csv": relative to the configuration, made clean. */
    assert_string_equal(y->units_path, in_scratch(path, "units.csv"));
    assert_int_equal(y->units_line, 32);
    assert_int_equal(y->units_column, 12);
    assert_int_equal(y->nmodules, 1);
    assert_int_equal(y->modules[0].aliases.count, 1);
    assert_string_equal(y->modules[0].aliases.items[0], "MĐ1");
    assert_int_equal(y->ngroups, 1);
    assert_int_equal(y->groups[0].min_centi, 0);
    assert_int_equal(y->temis_metric, TEMIS_SELF_ASSESSED);

    y = &cfg.years[1];
    assert_string_equal(y->id, "2021-2022");
    assert_int_equal(y->start, date_from_ymd(2021, 9, 1));
    assert_int_equal(y->end, date_from_ymd(2022, 8, 31));
    snprintf(units, sizeof units, "%s/units.csv", scratch_dir);
    assert_string_equal(y->units_path, units);
    assert_int_equal(y->modules[0].aliases.count, 0);
    assert_int_equal(y->ngroups, 3);
    assert_int_equal(y->groups[0].min_centi, 8050);
    assert_int_equal(y->groups[1].min_centi, 5025);
    assert_int_equal(y->groups[2].min_centi, 0);
    assert_int_equal(y->temis_metric, TEMIS_HEAD_ASSESSED);

    assert_ptr_equal(config_year_for_date(&cfg, date_from_ymd(2021, 10, 3)), y);
    assert_ptr_equal(config_year_for_date(&cfg, date_from_ymd(2021, 3, 1)), &cfg.years[0]);
    assert_ptr_equal(config_year_by_id(&cfg, "2021-2022"), y);

    assert_string_equal(cfg.report.language, "en");
    assert_string_equal(cfg.report.file_name, "weekly-{week}.xlsx");
    assert_false(cfg.report.include_people);
    assert_int_equal(cfg.report.highlight, 0);

    assert_int_equal(cfg.naliases, 2);
    assert_string_equal(cfg.aliases[0].field, "account");
    assert_int_equal(cfg.aliases[0].line, 48);
    assert_int_equal(cfg.aliases[0].column, 5);
    assert_int_equal(cfg.aliases[0].names.count, 2);
    assert_string_equal(cfg.aliases[0].names.items[0], "Tên tài khoản");
    assert_string_equal(cfg.aliases[0].names.items[1], "Tài khoản đăng nhập");
    assert_string_equal(cfg.aliases[1].field, "unit");
    assert_int_equal(cfg.aliases[1].names.count, 1);
    assert_string_equal(cfg.aliases[1].names.items[0], "Đơn vị công tác");
    assert_int_equal(cfg.status_passed.count, 1);
    assert_string_equal(cfg.status_passed.items[0], "Đã hoàn thành");
    assert_int_equal(cfg.status_not_passed.count, 2);
    assert_string_equal(cfg.status_not_passed.items[1], "Vắng");

    assert_int_equal(cfg.limits.max_file_mb, 64);
    assert_int_equal(cfg.limits.max_uncompressed_mb, 1024);
    assert_int_equal(cfg.limits.max_compression_ratio, 100);
    assert_int_equal(cfg.limits.max_cells_per_row, 512);
    assert_int_equal(cfg.limits.max_cell_chars, 4096);
    assert_int_equal(cfg.limits.max_sheets, 12);
    assert_int_equal(cfg.limits.max_unpassed_centi, 250);
    assert_int_equal(cfg.limits.max_unit_drop_centi, 3000);
    assert_int_equal(cfg.limits.max_rows, 2000000);

    config_release(&cfg);
}

/* The smallest configuration: a province and one school year, every other
 * setting at its default. Null values count as absent. */
static void test_defaults(void **state)
{
    struct config cfg;
    char path[PATH_MAX];

    (void)state;
    write_config("province: { code: \"20\", name: X, authority: ~ }\n"
                 "database:\n"
                 "paths: { inbox: null }\n"
                 "school_years:\n"
                 "  - { id: 2020-2021, start: 2020-09-01, end: 2021-08-31, ranked_level: P,\n"
                 "      units: units.csv, modules: [{ code: M1, name: N }],\n"
                 "      groups: [{ name: C, min_percent: 0 }] }\n"
                 "report: { include_people: Yes, units: true }\n"
                 "sources: { aliases: { account: } }\n");
    load_ok(scratch_config, &cfg);
    assert_string_equal(cfg.province.authority, "");
    assert_string_equal(cfg.conninfo, "");
    assert_string_equal(cfg.paths.inbox, in_scratch(path, "var/inbox"));
    assert_string_equal(cfg.paths.archive, in_scratch(path, "var/archive"));
    assert_string_equal(cfg.paths.rejected, in_scratch(path, "var/rejected"));
    assert_string_equal(cfg.paths.reports, in_scratch(path, "reports"));
    assert_string_equal(cfg.report.language, "vi");
    assert_string_equal(cfg.report.file_name, "bdtx-{province}-{week}.xlsx");
    assert_true(cfg.report.include_people);
    assert_true(cfg.report.units);
    assert_int_equal(cfg.report.highlight, 3);
    assert_int_equal(cfg.years[0].temis_metric, TEMIS_SELF_ASSESSED);
    assert_false(cfg.years[0].rank_by_learners);
    assert_false(cfg.years[0].modules[0].has_due);
    assert_int_equal(cfg.naliases, 1);
    assert_int_equal(cfg.aliases[0].names.count, 0);
    config_release(&cfg);
}

/* Lines of a valid configuration, so that each error case below changes
 * one thing. */
#define L_PROVINCE "province: { code: \"20\", name: \"Lạng Sơn\" }\n"
#define L_YEARS "school_years:\n"
#define L_ID "  - id: \"2020-2021\"\n"
#define L_START "    start: 2020-09-01\n"
#define L_END "    end: 2021-08-31\n"
#define L_LEVEL "    ranked_level: Phòng GDĐT\n"
#define L_UNITS "    units: units.csv\n"
#define L_MODULES "    modules: [ { code: M1, name: Mô đun 1 } ]\n"
#define L_GROUPS "    groups: [ { name: A, min_percent: 80 }, { name: C, min_percent: 0 } ]\n"
#define YEAR_BODY L_START L_END L_LEVEL L_UNITS L_MODULES L_GROUPS
/* Lines 1 to 9. */
#define VALID L_PROVINCE L_YEARS L_ID YEAR_BODY
#define GROUPS_HEAD L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS L_MODULES "    groups:\n"

struct error_case {
    const char *name;
    const char *text;
    const char *message;  /* "{dir}" stands for the scratch folder */
    long line;
    const char *column;
    const char *detail;
};

static const struct error_case error_cases[] = {
    { "unknown top-level key", VALID "colour: blue\n",
      "unknown key 'colour' in the configuration", 10, "1", "" },
    { "unknown key in a school year", VALID "    colour: blue\n",
      "unknown key 'colour' in school_years[0]", 10, "5", "" },
    { "unknown key in a flow mapping",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS
      "    modules: [ { code: M1, name: N, colour: red } ]\n" L_GROUPS,
      "unknown key 'colour' in school_years[0].modules[0]", 8, "37", "" },
    { "unknown key in limits", VALID "limits: { max_file_mb: 5, max_files: 3 }\n",
      "unknown key 'max_files' in limits", 10, "27", "" },
    { "unknown key in sources.status", VALID "sources:\n  status:\n    failed: [x]\n",
      "unknown key 'failed' in sources.status", 12, "5", "" },
    { "scalar for a mapping", "province: Lạng Sơn\n" L_YEARS L_ID YEAR_BODY,
      "province must be a mapping, not a scalar", 1, "11", "" },
    { "scalar for a sequence",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS "    modules: M1\n" L_GROUPS,
      "school_years[0].modules must be a sequence, not a scalar", 8, "14", "" },
    { "mapping for a scalar", "province: { code: { a: 1 }, name: X }\n" L_YEARS L_ID YEAR_BODY,
      "province.code must be a scalar, not a mapping", 1, "19", "" },
    { "sequence for a scalar", VALID "report: { highlight: [3] }\n",
      "report.highlight must be a scalar, not a sequence", 10, "22", "" },
    { "mapping for the whole file", "- a\n- b\n",
      "the configuration must be a mapping, not a sequence", 1, "1", "" },
    { "missing key", "province: { name: X }\n" L_YEARS L_ID YEAR_BODY,
      "missing key 'code' in province", 1, "11", "" },
    { "missing value", "province: { code: , name: X }\n" L_YEARS L_ID YEAR_BODY,
      "missing value for key 'code' in province", 1, "13", "" },
    { "empty value", "province: { code: \"\", name: X }\n" L_YEARS L_ID YEAR_BODY,
      "province.code must not be empty", 1, "19", "" },
    { "missing school_years", L_PROVINCE,
      "missing key 'school_years' in the configuration", 1, "1", "" },
    { "no school year", L_PROVINCE "school_years: []\n",
      "school_years must list at least one school year", 2, "15", "" },
    { "duplicate key", VALID "report: { highlight: 3, highlight: 4 }\n",
      "duplicate key 'highlight' in report", 10, "25", "" },
    { "bad date", L_PROVINCE L_YEARS L_ID "    start: 2020-09-31\n" L_END L_LEVEL L_UNITS
      L_MODULES L_GROUPS,
      "school_years[0].start must be a date written yyyy-mm-dd, not '2020-09-31'", 4, "12", "" },
    { "day-first date", L_PROVINCE L_YEARS L_ID "    start: 01/09/2020\n" L_END L_LEVEL L_UNITS
      L_MODULES L_GROUPS,
      "school_years[0].start must be a date written yyyy-mm-dd, not '01/09/2020'", 4, "12", "" },
    { "end before start", L_PROVINCE L_YEARS L_ID L_START "    end: 2020-08-31\n" L_LEVEL
      L_UNITS L_MODULES L_GROUPS,
      "school_years[0].end 2020-08-31 is before its start 2020-09-01", 5, "10", "" },
    { "bad year id", L_PROVINCE L_YEARS "  - id: 2020-2022\n" YEAR_BODY,
      "school_years[0].id must be two consecutive years written YYYY-YYYY, not '2020-2022'",
      3, "9", "" },
    { "overlapping years",
      VALID "  - id: \"2021-2022\"\n    start: 2021-08-01\n    end: 2022-07-31\n" L_LEVEL
      L_UNITS L_MODULES L_GROUPS,
      "school years '2020-2021' and '2021-2022' overlap", 11, "12", "" },
    { "duplicate year id",
      VALID L_ID "    start: 2021-09-01\n    end: 2022-08-31\n" L_LEVEL L_UNITS L_MODULES
      L_GROUPS,
      "duplicate school year id '2020-2021'", 10, "9", "" },
    { "groups out of order",
      GROUPS_HEAD "      - { name: A, min_percent: 50 }\n"
                  "      - { name: B, min_percent: 80 }\n"
                  "      - { name: C, min_percent: 0 }\n",
      "groups must be in decreasing order of min_percent: 'B' (80) comes after 'A' (50)",
      11, "33", "" },
    { "groups with equal thresholds",
      GROUPS_HEAD "      - { name: A, min_percent: 80 }\n"
                  "      - { name: B, min_percent: 80.00 }\n"
                  "      - { name: C, min_percent: 0 }\n",
      "groups must be in decreasing order of min_percent: 'B' (80) comes after 'A' (80)",
      11, "33", "" },
    { "groups not ending at 0",
      GROUPS_HEAD "      - { name: A, min_percent: 80 }\n"
                  "      - { name: B, min_percent: 50.5 }\n",
      "groups must end with a group at min_percent 0", 11, "33", "" },
    { "duplicate group name",
      GROUPS_HEAD "      - { name: A, min_percent: 80 }\n"
                  "      - { name: A, min_percent: 0 }\n",
      "duplicate group name 'A' in school_years[0].groups", 11, "17", "" },
    { "min_percent with three decimals",
      GROUPS_HEAD "      - { name: A, min_percent: 80.125 }\n"
                  "      - { name: C, min_percent: 0 }\n",
      "school_years[0].groups[0].min_percent must be a percentage from 0 to 100 with at most "
      "two decimals, not '80.125'",
      10, "33", "" },
    { "min_percent over 100",
      GROUPS_HEAD "      - { name: A, min_percent: 100.01 }\n"
                  "      - { name: C, min_percent: 0 }\n",
      "school_years[0].groups[0].min_percent must be a percentage from 0 to 100 with at most "
      "two decimals, not '100.01'",
      10, "33", "" },
    { "no module",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS "    modules: []\n" L_GROUPS,
      "school_years[0].modules must list at least one module", 8, "14", "" },
    { "duplicate module code",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS "    modules:\n"
      "      - { code: M1, name: A }\n"
      "      - { code: M1, name: B }\n" L_GROUPS,
      "duplicate module code 'M1' in school_years[0].modules", 10, "17", "" },
    { "missing units file",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL "    units: missing.csv\n" L_MODULES
      L_GROUPS,
      "cannot read units file '{dir}/missing.csv': No such file or directory", 7, "12", "" },
    { "units file is a folder",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL "    units: folder\n" L_MODULES L_GROUPS,
      "cannot read units file '{dir}/folder': Is a directory", 7, "12", "" },
    { "unknown temis metric", VALID "    temis_metric: both\n",
      "school_years[0].temis_metric must be self_assessed or head_assessed, not 'both'", 10,
      "19", "" },
    { "due before opens",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS
      "    modules: [ { code: M1, name: N, opens: 2020-10-01, due: 2020-09-30 } ]\n" L_GROUPS,
      "school_years[0].modules[0].due 2020-09-30 must be after its opens 2020-10-01",
      8, "61", "" },
    { "due on opens",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS
      "    modules: [ { code: M1, name: N, opens: 2020-10-01, due: 2020-10-01 } ]\n" L_GROUPS,
      "school_years[0].modules[0].due 2020-10-01 must be after its opens 2020-10-01",
      8, "61", "" },
    { "due after the school year",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS
      "    modules: [ { code: M1, name: N, due: 2021-09-01 } ]\n" L_GROUPS,
      "school_years[0].modules[0].due 2021-09-01 is outside the school year (2020-09-01 to 2021-08-31)",
      8, "42", "" },
    { "opens before the school year",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS
      "    modules: [ { code: M1, name: N, opens: 2020-08-31, due: 2020-12-31 } ]\n" L_GROUPS,
      "school_years[0].modules[0].opens 2020-08-31 is outside the school year (2020-09-01 to 2021-08-31)",
      8, "44", "" },
    { "opens without due",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS
      "    modules: [ { code: M1, name: N, opens: 2020-10-01 } ]\n" L_GROUPS,
      "school_years[0].modules[0].opens needs a due date: add school_years[0].modules[0].due (yyyy-mm-dd)",
      8, "44", "" },
    { "due not a date",
      L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS
      "    modules: [ { code: M1, name: N, due: 31/12/2020 } ]\n" L_GROUPS,
      "school_years[0].modules[0].due must be a date written yyyy-mm-dd, not '31/12/2020'",
      8, "42", "" },
    { "rank_by not modules or learners", VALID "    rank_by: people\n",
      "school_years[0].rank_by must be modules or learners, not 'people'", 10, "14", "" },
    { "language not vi or en", VALID "report: { language: fr }\n",
      "report.language must be vi or en, not 'fr'", 10, "21", "" },
    { "bad boolean", VALID "report:\n  include_people: maybe\n",
      "report.include_people must be true or false, not 'maybe'", 11, "19", "" },
    { "highlight out of range", VALID "report: { highlight: 51 }\n",
      "report.highlight must be a whole number from 0 to 50, not '51'", 10, "22", "" },
    { "negative limit", VALID "limits: { max_rows: -1 }\n",
      "limits.max_rows must be a whole number from 0 to 18446744073709551615, not '-1'", 10,
      "21", "" },
    { "file name with a folder", VALID "report: { file_name: ../x.xlsx }\n",
      "report.file_name must be a file name, without '/'", 10, "22", "" },
    { "duplicate alias field", VALID "sources: { aliases: { account: [a], account: [b] } }\n",
      "duplicate key 'account' in sources.aliases", 10, "37", "" },
    { "empty alias", VALID "sources: { aliases: { account: [a, \"\"] } }\n",
      "sources.aliases.account[1] must not be empty", 10, "36", "" },
    { "control characters are not echoed", VALID "\"col\\e[31mour\": 1\n",
      "unknown key 'col?[31mour' in the configuration", 10, "1", "" },
    { "YAML syntax error", L_PROVINCE L_YEARS L_ID "    start: 2020-09-01\n   end: 2021-08-31\n",
      "YAML syntax error: did not find expected '-' indicator", 5, "4",
      "while parsing a block collection at line 3, column 3" },
    { "unclosed flow mapping", "province: { code: \"20\", name: X\n" L_YEARS,
      "YAML syntax error: did not find expected ',' or '}'", 2, "13",
      "while parsing a flow mapping at line 1, column 11" },
    { "two documents", VALID "---\nprovince: {}\n",
      "the configuration must be a single YAML document", 10, "1", "" },
};

static void expand_dir(const char *pattern, char *out, size_t cap)
{
    const char *mark = strstr(pattern, "{dir}");

    if (!mark) {
        snprintf(out, cap, "%s", pattern);
        return;
    }
    snprintf(out, cap, "%.*s%s%s", (int)(mark - pattern), pattern, scratch_dir, mark + 5);
}

static void test_errors(void **state)
{
    static const struct config zero;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const struct error_case *c = &error_cases[i];
        char message[1024];
        struct config cfg;
        bdtx_error err;
        int rc;

        print_message("case: %s\n", c->name);
        rc = load_text(c->text, &cfg, &err);
        if (rc == 0)
            config_release(&cfg);
        assert_int_equal(rc, -1);
        expand_dir(c->message, message, sizeof message);
        assert_int_equal(err.code, BDTX_CONFIG);
        assert_string_equal(err.message, message);
        assert_string_equal(err.file, scratch_config);
        assert_int_equal(err.row, c->line);
        assert_string_equal(err.column, c->column);
        assert_string_equal(err.detail, c->detail);
        /* Nothing is left to release after a failed load. */
        assert_memory_equal(&cfg, &zero, sizeof cfg);
    }
}

/* An unknown key names the closest known key of the same mapping. */
static void test_suggestions(void **state)
{
    static const struct {
        const char *text, *message, *hint;
    } cases[] = {
        { VALID "report: { include_peple: false }\n", "unknown key 'include_peple' in report",
          "did you mean 'include_people'?" },
        { VALID "limit: { max_rows: 5 }\n", "unknown key 'limit' in the configuration",
          "did you mean 'limits'?" },
        { VALID "    ranked_levels: P\n", "unknown key 'ranked_levels' in school_years[0]",
          "did you mean 'ranked_level'?" },
        { VALID "limits: { max_unpased_percent: 5 }\n",
          "unknown key 'max_unpased_percent' in limits", "did you mean 'max_unpassed_percent'?" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        struct config cfg;
        bdtx_error err;

        assert_int_equal(load_text(cases[i].text, &cfg, &err), -1);
        assert_int_equal(err.code, BDTX_CONFIG);
        assert_string_equal(err.message, cases[i].message);
        assert_string_equal(err.hint, cases[i].hint);
    }
}

/* Rule 12's dates and rank_by, as written; opens defaults to the year's
 * start. */
static void test_deadlines(void **state)
{
    struct config cfg;

    (void)state;
    write_config(L_PROVINCE L_YEARS L_ID L_START L_END L_LEVEL L_UNITS
                 "    modules:\n"
                 "      - { code: M1, name: A, opens: 2020-09-15, due: 2021-03-31 }\n"
                 "      - { code: M2, name: B, due: 2021-08-31 }\n"
                 "      - { code: M3, name: C }\n"
                 L_GROUPS "    rank_by: learners\n");
    load_ok(scratch_config, &cfg);
    assert_true(cfg.years[0].rank_by_learners);
    assert_true(cfg.years[0].modules[0].has_due);
    assert_int_equal(cfg.years[0].modules[0].opens, date_from_ymd(2020, 9, 15));
    assert_int_equal(cfg.years[0].modules[0].due, date_from_ymd(2021, 3, 31));
    assert_true(cfg.years[0].modules[1].has_due);
    assert_int_equal(cfg.years[0].modules[1].opens, date_from_ymd(2020, 9, 1));
    assert_false(cfg.years[0].modules[2].has_due);
    config_release(&cfg);
}

/* The computation keeps a learner's modules in 64-bit masks: a year may
 * list CONFIG_MAX_MODULES, not one more. */
static void test_module_limit(void **state)
{
    char text[8192];
    size_t len, i, n;
    struct config cfg;
    bdtx_error err;

    (void)state;
    for (n = CONFIG_MAX_MODULES; n <= CONFIG_MAX_MODULES + 1; n++) {
        len = (size_t)snprintf(text, sizeof text, "%s", L_PROVINCE L_YEARS L_ID L_START L_END
                               L_LEVEL L_UNITS "    modules:\n");
        for (i = 0; i < n; i++)
            len += (size_t)snprintf(text + len, sizeof text - len,
                                    "      - { code: M%zu, name: N%zu }\n", i + 1, i + 1);
        snprintf(text + len, sizeof text - len, "%s", L_GROUPS);
        if (n == CONFIG_MAX_MODULES) {
            assert_int_equal(load_text(text, &cfg, &err), 0);
            assert_int_equal(cfg.years[0].nmodules, CONFIG_MAX_MODULES);
            config_release(&cfg);
        } else {
            assert_int_equal(load_text(text, &cfg, &err), -1);
            assert_string_equal(err.message,
                                "school_years[0].modules lists 64 modules; at most 63 are allowed");
            assert_int_equal(err.row, 9);
        }
    }
}

static void test_missing_file(void **state)
{
    static const struct config zero;
    char path[160];
    struct config cfg;
    bdtx_error err;

    (void)state;
    snprintf(path, sizeof path, "%s/absent.yaml", scratch_dir);
    error_clear(&err);
    assert_int_equal(config_load(path, &cfg, &err), -1);
    assert_int_equal(err.code, BDTX_CONFIG);
    assert_string_equal(err.message, "cannot read configuration: No such file or directory");
    assert_string_equal(err.file, path);
    assert_int_equal(err.row, 0);
    assert_string_equal(err.column, "");
    assert_memory_equal(&cfg, &zero, sizeof cfg);

    error_clear(&err);
    assert_int_equal(config_load(scratch_dir, &cfg, &err), -1);
    assert_string_equal(err.message, "cannot read configuration: Is a directory");
}

static void test_empty_file(void **state)
{
    struct config cfg;
    bdtx_error err;

    (void)state;
    assert_int_equal(load_text("# nothing configured yet\n", &cfg, &err), -1);
    assert_string_equal(err.message, "the configuration is empty");
    assert_int_equal(err.row, 0);
}

static void test_invalid_utf8(void **state)
{
    struct config cfg;
    bdtx_error err;

    (void)state;
    assert_int_equal(load_text("province: { code: \"20\", name: \"L\xff\" }\n", &cfg, &err), -1);
    assert_string_equal(err.message,
                        "cannot read configuration: invalid leading UTF-8 octet at byte 32");
}

/* Load and release many times, successes and failures alike; under the
 * sanitizer build LeakSanitizer fails the run if anything is left. */
static void test_no_leak(void **state)
{
    struct config cfg;
    bdtx_error err;
    int i;

    (void)state;
    for (i = 0; i < 20; i++) {
        load_ok(FIXTURE_DIR "/bdtx.yaml", &cfg);
        config_release(&cfg);
        assert_int_equal(load_text(full_block, &cfg, &err), 0);
        config_release(&cfg);
        config_release(&cfg);
        assert_int_equal(load_text(VALID "    colour: blue\n", &cfg, &err), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_full_block_style),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_suggestions),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_module_limit),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_no_leak),
    };

    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
