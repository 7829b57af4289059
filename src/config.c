/* The configuration file of SPEC section 5. libyaml loads the whole document
 * into nodes first, so every check below can still point at the node it is
 * about; libyaml counts lines and columns from 0, messages from 1. */
#include "bdtx/config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <yaml.h>

#include "bdtx/path.h"
#include "bdtx/text.h"
#include "bdtx/suggest.h"

/* A configuration is written by hand and libyaml holds all of it in memory:
 * anything larger than this is a mistake, not a configuration. */
#define CONFIG_MAX_BYTES (1024L * 1024L)

/* Room for a dotted name such as "school_years[0].groups[2].min_percent". */
#define NAME_CAP 192
/* Room for a value echoed in a message. */
#define SHOWN_CAP 64
/* The most keys any mapping of the configuration may hold (a school year). */
#define MAX_KEYS 16

struct loader {
    const char *path;
    const char *dir;
    yaml_document_t *doc;
    bdtx_error *err;
    yaml_mark_t paths_mark;        /* where paths: is, for check_paths */
    bool has_paths;
};

struct key_spec {
    const char *name;
    bool required;
};

static int fail_at(struct loader *ld, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct loader *ld, yaml_mark_t mark, const char *fmt, ...)
{
    char message[sizeof ld->err->message];
    char column[24];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    error_set(ld->err, BDTX_CONFIG, "%s", message);
    snprintf(column, sizeof column, "%lu", (unsigned long)mark.column + 1);
    error_place(ld->err, ld->path, (long)mark.line + 1, column);
    return -1;
}

static int fail_memory(struct loader *ld)
{
    error_set(ld->err, BDTX_SOFTWARE, "out of memory reading the configuration");
    error_place(ld->err, ld->path, 0, NULL);
    return -1;
}

/* Text from the file made fit for a message: control characters replaced,
 * so nothing in the file can drive the terminal, and long text cut at a
 * character boundary. */
static const char *shown(const char *s, char *buf, size_t cap)
{
    size_t len = strlen(s), n, i;
    bool cut = len >= cap;

    n = cut ? cap - 4 : len;
    while (cut && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (cut)
        memcpy(buf + n, "...", 4);
    else
        buf[n] = '\0';
    return buf;
}

static const char *kind_name(yaml_node_type_t type)
{
    switch (type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

static yaml_node_t *node_at(struct loader *ld, int index)
{
    return yaml_document_get_node(ld->doc, index);
}

static size_t sequence_length(const yaml_node_t *seq)
{
    return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

/* Names only label messages: the precisions keep them within NAME_CAP, and
 * one cut short does no harm. */
static void join(char buf[NAME_CAP], const char *where, const char *key)
{
    snprintf(buf, NAME_CAP, "%.120s%s%.60s", where, where[0] && key[0] ? "." : "", key);
}

static void item_name(char buf[NAME_CAP], const char *where, size_t index)
{
    snprintf(buf, NAME_CAP, "%.160s[%zu]", where, index);
}

static int expect(struct loader *ld, const yaml_node_t *node, yaml_node_type_t type,
                  const char *where)
{
    if (node->type == type)
        return 0;
    return fail_at(ld, node->start_mark, "%s must be %s, not %s", where, kind_name(type),
                   kind_name(node->type));
}

/* An empty value, "~" or "null" written plainly means the same as leaving
 * the key out. */
static bool is_null(const yaml_node_t *node)
{
    const char *s;

    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    s = (const char *)node->data.scalar.value;
    return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static int scalar_text(struct loader *ld, const yaml_node_t *node, const char *where,
                       const char **out)
{
    if (expect(ld, node, YAML_SCALAR_NODE, where) < 0)
        return -1;
    /* A quoted "\0" would silently cut the value short. */
    if (strlen((const char *)node->data.scalar.value) != node->data.scalar.length)
        return fail_at(ld, node->start_mark, "%s contains a NUL character", where);
    *out = (const char *)node->data.scalar.value;
    return 0;
}

/* "unknown key", with the closest known key of the mapping as a hint. */
static int unknown_key(struct loader *ld, const yaml_node_t *key, const char *place,
                       const struct key_spec *keys, size_t nkeys)
{
    const char *names[MAX_KEYS], *guess;
    char buf[SHOWN_CAP];
    size_t i;

    fail_at(ld, key->start_mark, "unknown key '%s' in %s",
            shown((const char *)key->data.scalar.value, buf, sizeof buf), place);
    for (i = 0; i < nkeys && i < MAX_KEYS; i++)
        names[i] = keys[i].name;
    guess = suggest_closest((const char *)key->data.scalar.value, names, i);
    if (guess)
        error_hint(ld->err, "did you mean '%s'?", guess);
    return -1;
}

/* Check that map is a mapping whose keys are all in keys[], each at most
 * once, with the required ones present. values[i] is the value of keys[i],
 * or NULL when it is absent or null. */
static int map_fetch(struct loader *ld, const yaml_node_t *map, const char *where,
                     const struct key_spec *keys, size_t nkeys, yaml_node_t **values)
{
    const char *place = where[0] ? where : "the configuration";
    bool seen[MAX_KEYS] = { false };
    const yaml_node_pair_t *pair;
    size_t i;

    if (expect(ld, map, YAML_MAPPING_NODE, place) < 0)
        return -1;
    for (i = 0; i < nkeys; i++)
        values[i] = NULL;
    for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = node_at(ld, pair->key), *value = node_at(ld, pair->value);
        const char *name;

        if (key->type != YAML_SCALAR_NODE)
            return fail_at(ld, key->start_mark, "keys in %s must be scalars, not %s", place,
                           kind_name(key->type));
        name = (const char *)key->data.scalar.value;
        for (i = 0; i < nkeys; i++)
            if (strcmp(name, keys[i].name) == 0 && strlen(name) == key->data.scalar.length)
                break;
        if (i == nkeys)
            return unknown_key(ld, key, place, keys, nkeys);
        if (seen[i])
            return fail_at(ld, key->start_mark, "duplicate key '%s' in %s", name, place);
        seen[i] = true;
        if (is_null(value)) {
            if (keys[i].required)
                return fail_at(ld, key->start_mark, "missing value for key '%s' in %s", name,
                               place);
            continue;
        }
        values[i] = value;
    }
    for (i = 0; i < nkeys; i++)
        if (keys[i].required && !seen[i])
            return fail_at(ld, map->start_mark, "missing key '%s' in %s", keys[i].name, place);
    return 0;
}

/* The text of where.key, which must be a scalar, and not empty when
 * nonempty is set. */
static int text_value(struct loader *ld, const yaml_node_t *node, const char *where,
                      const char *key, bool nonempty, const char **out)
{
    char name[NAME_CAP];

    join(name, where, key);
    if (scalar_text(ld, node, name, out) < 0)
        return -1;
    if (nonempty && (*out)[0] == '\0')
        return fail_at(ld, node->start_mark, "%s must not be empty", name);
    /* Configuration text reaches the workbook's XML (titles, labels). */
    if (text_xml_invalid(*out, strlen(*out)) > 0)
        return fail_at(ld, node->start_mark, "%s holds a control character", name);
    return 0;
}

/* The getters below leave *out alone when node is NULL (the key is absent),
 * so the caller's default stands. */
static int get_text(struct loader *ld, const yaml_node_t *node, const char *where,
                    const char *key, bool nonempty, char **out)
{
    const char *s = NULL;

    if (!node)
        return 0;
    if (text_value(ld, node, where, key, nonempty, &s) < 0)
        return -1;
    *out = strdup(s);
    return *out ? 0 : fail_memory(ld);
}

static int get_texts(struct loader *ld, const yaml_node_t *node, const char *where,
                     const char *key, struct config_strings *out)
{
    char name[NAME_CAP], item[NAME_CAP];
    size_t n, i;

    if (!node)
        return 0;
    join(name, where, key);
    if (expect(ld, node, YAML_SEQUENCE_NODE, name) < 0)
        return -1;
    n = sequence_length(node);
    if (n == 0)
        return 0;
    out->items = calloc(n, sizeof *out->items);
    if (!out->items)
        return fail_memory(ld);
    out->count = n;
    for (i = 0; i < n; i++) {
        item_name(item, name, i);
        if (get_text(ld, node_at(ld, node->data.sequence.items.start[i]), item, "", true,
                     &out->items[i]) < 0)
            return -1;
    }
    return 0;
}

static int get_bool(struct loader *ld, const yaml_node_t *node, const char *where,
                    const char *key, bool *out)
{
    char name[NAME_CAP], buf[SHOWN_CAP];
    const char *s = NULL;

    if (!node)
        return 0;
    if (text_value(ld, node, where, key, false, &s) < 0)
        return -1;
    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
        *out = true;
    else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0)
        *out = false;
    else {
        join(name, where, key);
        return fail_at(ld, node->start_mark, "%s must be true or false, not '%s'", name,
                       shown(s, buf, sizeof buf));
    }
    return 0;
}

/* Digits only: a sign, a decimal point or a blank is a mistake here. */
static bool parse_count(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (*s == '\0')
        return false;
    for (; *s; s++) {
        uint64_t digit;

        if (*s < '0' || *s > '9')
            return false;
        digit = (uint64_t)(*s - '0');
        if (digit > max || v > (max - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

static int get_count(struct loader *ld, const yaml_node_t *node, const char *where,
                     const char *key, uint64_t max, uint64_t *out)
{
    char name[NAME_CAP], buf[SHOWN_CAP];
    const char *s = NULL;

    if (!node)
        return 0;
    if (text_value(ld, node, where, key, false, &s) < 0)
        return -1;
    if (!parse_count(s, max, out)) {
        join(name, where, key);
        return fail_at(ld, node->start_mark,
                       "%s must be a whole number from 0 to %" PRIu64 ", not '%s'", name, max,
                       shown(s, buf, sizeof buf));
    }
    return 0;
}

/* value_parse_date also reads the day-first forms of exports; a
 * configuration has one way to write a date. */
static bool iso_date_form(const char *s)
{
    int i;

    for (i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return false;
        } else if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return s[10] == '\0';
}

static int get_date(struct loader *ld, const yaml_node_t *node, const char *where,
                    const char *key, bdtx_date *out)
{
    char name[NAME_CAP], buf[SHOWN_CAP];
    const char *s = NULL;

    if (text_value(ld, node, where, key, false, &s) < 0)
        return -1;
    if (!iso_date_form(s) || !value_parse_date(s, out)) {
        join(name, where, key);
        return fail_at(ld, node->start_mark, "%s must be a date written yyyy-mm-dd, not '%s'",
                       name, shown(s, buf, sizeof buf));
    }
    return 0;
}

static int get_choice(struct loader *ld, const yaml_node_t *node, const char *where,
                      const char *key, const char *const choices[2], int *out)
{
    char name[NAME_CAP], buf[SHOWN_CAP];
    const char *s = NULL;
    int i;

    if (!node)
        return 0;
    if (text_value(ld, node, where, key, false, &s) < 0)
        return -1;
    for (i = 0; i < 2; i++) {
        if (strcmp(s, choices[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    join(name, where, key);
    return fail_at(ld, node->start_mark, "%s must be %s or %s, not '%s'", name, choices[0],
                   choices[1], shown(s, buf, sizeof buf));
}

/* A time zone of the system's database ("Asia/Ho_Chi_Minh"): letters,
 * digits and "/_+-" only, no "..", and a file under TZDIR. */
static bool timezone_known(const char *tz)
{
    const char *dir = getenv("TZDIR");
    char path[512];
    struct stat st;

    if (!tz[0] || tz[0] == '/' || strstr(tz, "..") ||
        strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") !=
            strlen(tz))
        return false;
    snprintf(path, sizeof path, "%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo", tz);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int parse_province(struct loader *ld, const yaml_node_t *node, struct config *cfg)
{
    static const struct key_spec keys[] = {
        { "code", true }, { "name", true }, { "authority", false }, { "department", false },
        { "timezone", false },
    };
    char **fields[] = {
        &cfg->province.code, &cfg->province.name,
        &cfg->province.authority, &cfg->province.department, &cfg->province.timezone,
    };
    yaml_node_t *v[5];
    char buf[SHOWN_CAP];
    const char *problem;
    size_t i;

    if (map_fetch(ld, node, "province", keys, 5, v) < 0)
        return -1;
    for (i = 0; i < 5; i++)
        if (get_text(ld, v[i], "province", keys[i].name, keys[i].required, fields[i]) < 0)
            return -1;
    /* The code names the reports ({province} in report.file_name). */
    problem = path_name_problem(cfg->province.code);
    if (problem)
        return fail_at(ld, v[0]->start_mark, "province.code '%s' %s; it becomes part of the "
                       "reports' file names, so it must be a name without '/'",
                       shown(cfg->province.code, buf, sizeof buf), problem);
    if (cfg->province.timezone && !timezone_known(cfg->province.timezone))
        return fail_at(ld, v[4]->start_mark, "province.timezone '%s' is not a time zone of "
                       "this system", shown(cfg->province.timezone, buf, sizeof buf));
    return 0;
}

static int parse_database(struct loader *ld, const yaml_node_t *node, struct config *cfg)
{
    static const struct key_spec keys[] = { { "conninfo", false } };
    yaml_node_t *v[1];

    if (!node)
        return 0;
    if (map_fetch(ld, node, "database", keys, 1, v) < 0)
        return -1;
    return get_text(ld, v[0], "database", "conninfo", false, &cfg->conninfo);
}

static int parse_paths(struct loader *ld, const yaml_node_t *node, struct config *cfg)
{
    static const struct key_spec keys[] = {
        { "inbox", false }, { "archive", false }, { "rejected", false }, { "reports", false },
    };
    char **fields[] = {
        &cfg->paths.inbox, &cfg->paths.archive, &cfg->paths.rejected, &cfg->paths.reports,
    };
    yaml_node_t *v[4];
    size_t i;

    if (!node)
        return 0;
    if (map_fetch(ld, node, "paths", keys, 4, v) < 0)
        return -1;
    ld->paths_mark = node->start_mark;
    ld->has_paths = true;
    for (i = 0; i < 4; i++)
        if (get_text(ld, v[i], "paths", keys[i].name, true, fields[i]) < 0)
            return -1;
    return 0;
}

enum {
    REPORT_LANGUAGE, REPORT_FILE_NAME, REPORT_INCLUDE_PEOPLE, REPORT_HIGHLIGHT, REPORT_UNITS,
    REPORT_NKEYS
};

static int parse_report(struct loader *ld, const yaml_node_t *node, struct config *cfg)
{
    static const struct key_spec keys[] = {
        [REPORT_LANGUAGE] = { "language", false },
        [REPORT_FILE_NAME] = { "file_name", false },
        [REPORT_INCLUDE_PEOPLE] = { "include_people", false },
        [REPORT_HIGHLIGHT] = { "highlight", false },
        [REPORT_UNITS] = { "units", false },
    };
    static const char *const languages[2] = { "vi", "en" };
    yaml_node_t *v[REPORT_NKEYS];
    int language = -1;
    uint64_t highlight = (uint64_t)cfg->report.highlight;

    if (!node)
        return 0;
    if (map_fetch(ld, node, "report", keys, REPORT_NKEYS, v) < 0 ||
        get_choice(ld, v[REPORT_LANGUAGE], "report", "language", languages, &language) < 0 ||
        get_text(ld, v[REPORT_FILE_NAME], "report", "file_name", true,
                 &cfg->report.file_name) < 0 ||
        get_bool(ld, v[REPORT_INCLUDE_PEOPLE], "report", "include_people",
                 &cfg->report.include_people) < 0 ||
        get_count(ld, v[REPORT_HIGHLIGHT], "report", "highlight", 50, &highlight) < 0 ||
        get_bool(ld, v[REPORT_UNITS], "report", "units", &cfg->report.units) < 0)
        return -1;
    /* The workbook goes into reports/<school year>/ and nowhere else. */
    if (cfg->report.file_name && path_name_problem(cfg->report.file_name)) {
        const char *problem = path_name_problem(cfg->report.file_name);
        bool slash = strchr(cfg->report.file_name, '/') != NULL;

        return fail_at(ld, v[REPORT_FILE_NAME]->start_mark,
                       "report.file_name must be a file name, without '/'%s%s%s",
                       slash ? "" : " (it ", slash ? "" : problem, slash ? "" : ")");
    }
    cfg->report.highlight = (int)highlight;
    if (language >= 0) {
        cfg->report.language = strdup(languages[language]);
        if (!cfg->report.language)
            return fail_memory(ld);
    }
    return 0;
}

static int parse_aliases(struct loader *ld, const yaml_node_t *map, struct config *cfg)
{
    const char *where = "sources.aliases";
    char buf[SHOWN_CAP];
    size_t n, i, j;

    if (expect(ld, map, YAML_MAPPING_NODE, where) < 0)
        return -1;
    n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    if (n == 0)
        return 0;
    cfg->aliases = calloc(n, sizeof *cfg->aliases);
    if (!cfg->aliases)
        return fail_memory(ld);
    cfg->naliases = n;
    for (i = 0; i < n; i++) {
        const yaml_node_pair_t *pair = &map->data.mapping.pairs.start[i];
        yaml_node_t *key = node_at(ld, pair->key), *value = node_at(ld, pair->value);
        struct config_alias *alias = &cfg->aliases[i];
        const char *field = NULL;

        if (scalar_text(ld, key, "a field name in sources.aliases", &field) < 0)
            return -1;
        if (field[0] == '\0')
            return fail_at(ld, key->start_mark, "field names in %s must not be empty", where);
        for (j = 0; j < i; j++)
            if (strcmp(cfg->aliases[j].field, field) == 0)
                return fail_at(ld, key->start_mark, "duplicate key '%s' in %s",
                               shown(field, buf, sizeof buf), where);
        alias->field = strdup(field);
        if (!alias->field)
            return fail_memory(ld);
        alias->line = (long)key->start_mark.line + 1;
        alias->column = (long)key->start_mark.column + 1;
        if (!is_null(value) &&
            get_texts(ld, value, where, shown(field, buf, sizeof buf), &alias->names) < 0)
            return -1;
    }
    return 0;
}

/* sources.sheets: [{ files: PATTERN, sheet: NAME or N }, ...]. */
static int parse_sheets(struct loader *ld, const yaml_node_t *seq, struct config *cfg)
{
    static const struct key_spec keys[] = { { "files", true }, { "sheet", true } };
    const char *name = "sources.sheets";
    char item[NAME_CAP];
    size_t n, i;

    if (expect(ld, seq, YAML_SEQUENCE_NODE, name) < 0)
        return -1;
    n = sequence_length(seq);
    if (n == 0)
        return 0;
    cfg->sheets = calloc(n, sizeof *cfg->sheets);
    if (!cfg->sheets)
        return fail_memory(ld);
    cfg->nsheets = n;
    for (i = 0; i < n; i++) {
        yaml_node_t *v[2];

        item_name(item, name, i);
        if (map_fetch(ld, node_at(ld, seq->data.sequence.items.start[i]), item, keys, 2, v) < 0 ||
            get_text(ld, v[0], item, "files", true, &cfg->sheets[i].files) < 0 ||
            get_text(ld, v[1], item, "sheet", true, &cfg->sheets[i].sheet) < 0)
            return -1;
        if (strspn(cfg->sheets[i].sheet, "0123456789") == strlen(cfg->sheets[i].sheet) &&
            atol(cfg->sheets[i].sheet) < 1)
            return fail_at(ld, v[1]->start_mark, "%s.sheet: worksheets are counted from 1",
                           item);
    }
    return 0;
}

static int parse_sources(struct loader *ld, const yaml_node_t *node, struct config *cfg)
{
    static const struct key_spec keys[] = {
        { "aliases", false }, { "status", false }, { "sheets", false },
    };
    static const struct key_spec status_keys[] = { { "passed", false }, { "not_passed", false } };
    yaml_node_t *v[3], *status[2];

    if (!node)
        return 0;
    if (map_fetch(ld, node, "sources", keys, 3, v) < 0 ||
        (v[0] && parse_aliases(ld, v[0], cfg) < 0) ||
        (v[2] && parse_sheets(ld, v[2], cfg) < 0))
        return -1;
    if (!v[1])
        return 0;
    if (map_fetch(ld, v[1], "sources.status", status_keys, 2, status) < 0 ||
        get_texts(ld, status[0], "sources.status", "passed", &cfg->status_passed) < 0 ||
        get_texts(ld, status[1], "sources.status", "not_passed", &cfg->status_not_passed) < 0)
        return -1;
    return 0;
}

/* A share in percent with at most two decimals, as hundredths. */
static int get_percent(struct loader *ld, const yaml_node_t *node, const char *key,
                       int32_t *out)
{
    char name[NAME_CAP], buf[SHOWN_CAP];
    const char *s = NULL;

    if (!node)
        return 0;
    if (text_value(ld, node, "limits", key, false, &s) < 0)
        return -1;
    if (!value_parse_centi(s, out)) {
        join(name, "limits", key);
        return fail_at(ld, node->start_mark, "%s must be a percentage from 0 to 100 with at "
                       "most two decimals, not '%s'", name, shown(s, buf, sizeof buf));
    }
    return 0;
}

enum { LIMIT_UNPASSED = 7, LIMIT_UNIT_DROP, LIMIT_MIN_UNIT, LIMIT_SETTLE, LIMIT_NKEYS };

static int parse_limits(struct loader *ld, const yaml_node_t *node, struct config *cfg)
{
    static const struct key_spec keys[] = {
        { "max_file_mb", false }, { "max_uncompressed_mb", false },
        { "max_compression_ratio", false }, { "max_cells_per_row", false },
        { "max_cell_chars", false }, { "max_sheets", false }, { "max_rows", false },
        [LIMIT_UNPASSED] = { "max_unpassed_percent", false },
        [LIMIT_UNIT_DROP] = { "max_unit_drop_percent", false },
        [LIMIT_MIN_UNIT] = { "min_unit_learners", false },
        [LIMIT_SETTLE] = { "settle_seconds", false },
    };
    /* Sizes in MiB must still fit in bytes; the rest fit the 32-bit
     * fields of struct sheet_limits. */
    static const uint64_t max[] = {
        UINT64_MAX >> 20, UINT64_MAX >> 20, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX,
        UINT64_MAX,
    };
    uint64_t *fields[] = {
        &cfg->limits.max_file_mb, &cfg->limits.max_uncompressed_mb,
        &cfg->limits.max_compression_ratio, &cfg->limits.max_cells_per_row,
        &cfg->limits.max_cell_chars, &cfg->limits.max_sheets, &cfg->limits.max_rows,
    };
    yaml_node_t *v[LIMIT_NKEYS];
    size_t i;

    cfg->limits.max_unpassed_centi = 500;
    cfg->limits.max_unit_drop_centi = 3000;
    cfg->limits.min_unit_learners = 20;
    cfg->limits.settle_seconds = 2;
    if (!node)
        return 0;
    if (map_fetch(ld, node, "limits", keys, LIMIT_NKEYS, v) < 0)
        return -1;
    for (i = 0; i < LIMIT_UNPASSED; i++)
        if (get_count(ld, v[i], "limits", keys[i].name, max[i], fields[i]) < 0)
            return -1;
    if (get_percent(ld, v[LIMIT_UNPASSED], keys[LIMIT_UNPASSED].name,
                    &cfg->limits.max_unpassed_centi) < 0 ||
        get_percent(ld, v[LIMIT_UNIT_DROP], keys[LIMIT_UNIT_DROP].name,
                    &cfg->limits.max_unit_drop_centi) < 0 ||
        get_count(ld, v[LIMIT_MIN_UNIT], "limits", keys[LIMIT_MIN_UNIT].name, UINT32_MAX,
                  &cfg->limits.min_unit_learners) < 0 ||
        get_count(ld, v[LIMIT_SETTLE], "limits", keys[LIMIT_SETTLE].name, 3600,
                  &cfg->limits.settle_seconds) < 0)
        return -1;
    return 0;
}

void config_sheet_limits(const struct config *cfg, struct sheet_limits *out)
{
    memset(out, 0, sizeof *out);
    out->max_file_bytes = cfg->limits.max_file_mb << 20;
    out->max_uncompressed_bytes = cfg->limits.max_uncompressed_mb << 20;
    out->max_compression_ratio = (uint32_t)cfg->limits.max_compression_ratio;
    out->max_cells_per_row = (uint32_t)cfg->limits.max_cells_per_row;
    out->max_cell_chars = (uint32_t)cfg->limits.max_cell_chars;
    out->max_sheets = (uint32_t)cfg->limits.max_sheets;
    out->max_rows = cfg->limits.max_rows;
}

static int parse_units(struct loader *ld, const yaml_node_t *node, const char *where,
                       struct config_year *year)
{
    char buf[512];
    const char *written = NULL;
    struct stat st;
    bool folder;
    FILE *f;

    if (text_value(ld, node, where, "units", true, &written) < 0)
        return -1;
    {
        char *joined = path_join(ld->dir, written);

        year->units_path = joined ? path_resolve(joined) : NULL;
        free(joined);
    }
    if (!year->units_path)
        return fail_memory(ld);
    year->units_line = (long)node->start_mark.line + 1;
    year->units_column = (long)node->start_mark.column + 1;
    f = fopen(year->units_path, "rb");
    if (!f)
        return fail_at(ld, node->start_mark, "cannot read units file '%s': %s",
                       shown(year->units_path, buf, sizeof buf), strerror(errno));
    /* fopen opens a folder for reading; reading it fails later. */
    folder = fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
    fclose(f);
    if (folder)
        return fail_at(ld, node->start_mark, "cannot read units file '%s': %s",
                       shown(year->units_path, buf, sizeof buf), strerror(EISDIR));
    return 0;
}

enum { MODULE_CODE, MODULE_NAME, MODULE_ALIASES, MODULE_OPENS, MODULE_DUE, MODULE_NKEYS };

/* Rule 12's dates of a module: optional, due after opens, both inside the
 * school year; opens alone is a mistake (nothing would use it). */
static int parse_deadline(struct loader *ld, yaml_node_t *const v[MODULE_NKEYS],
                          const char *item, const struct config_year *year,
                          struct config_module *module)
{
    char a[11], b[11], c[11];

    module->opens = year->start;
    if (v[MODULE_OPENS] && get_date(ld, v[MODULE_OPENS], item, "opens", &module->opens) < 0)
        return -1;
    if (!v[MODULE_DUE]) {
        if (v[MODULE_OPENS])
            return fail_at(ld, v[MODULE_OPENS]->start_mark,
                           "%s.opens needs a due date: add %s.due (yyyy-mm-dd)", item, item);
        return 0;
    }
    if (get_date(ld, v[MODULE_DUE], item, "due", &module->due) < 0)
        return -1;
    module->has_due = true;
    date_format_iso(year->start, a);
    date_format_iso(year->end, b);
    if (module->opens < year->start || module->opens > year->end) {
        date_format_iso(module->opens, c);
        return fail_at(ld, v[MODULE_OPENS]->start_mark,
                       "%s.opens %s is outside the school year (%s to %s)", item, c, a, b);
    }
    if (module->due < year->start || module->due > year->end) {
        date_format_iso(module->due, c);
        return fail_at(ld, v[MODULE_DUE]->start_mark,
                       "%s.due %s is outside the school year (%s to %s)", item, c, a, b);
    }
    if (module->due <= module->opens) {
        date_format_iso(module->opens, a);
        date_format_iso(module->due, c);
        return fail_at(ld, v[MODULE_DUE]->start_mark, "%s.due %s must be after its opens %s",
                       item, c, a);
    }
    return 0;
}

static int parse_modules(struct loader *ld, const yaml_node_t *seq, const char *where,
                         struct config_year *year)
{
    static const struct key_spec keys[] = {
        [MODULE_CODE] = { "code", true },
        [MODULE_NAME] = { "name", true },
        [MODULE_ALIASES] = { "aliases", false },
        [MODULE_OPENS] = { "opens", false },
        [MODULE_DUE] = { "due", false },
    };
    char name[NAME_CAP], item[NAME_CAP], buf[SHOWN_CAP];
    size_t n, i, j;

    join(name, where, "modules");
    if (expect(ld, seq, YAML_SEQUENCE_NODE, name) < 0)
        return -1;
    n = sequence_length(seq);
    if (n == 0)
        return fail_at(ld, seq->start_mark, "%s must list at least one module", name);
    if (n > CONFIG_MAX_MODULES)
        return fail_at(ld, seq->start_mark, "%s lists %zu modules; at most %d are allowed", name,
                       n, CONFIG_MAX_MODULES);
    year->modules = calloc(n, sizeof *year->modules);
    if (!year->modules)
        return fail_memory(ld);
    year->nmodules = n;
    for (i = 0; i < n; i++) {
        struct config_module *module = &year->modules[i];
        yaml_node_t *v[MODULE_NKEYS];

        item_name(item, name, i);
        if (map_fetch(ld, node_at(ld, seq->data.sequence.items.start[i]), item, keys,
                      MODULE_NKEYS, v) < 0 ||
            get_text(ld, v[MODULE_CODE], item, "code", true, &module->code) < 0 ||
            get_text(ld, v[MODULE_NAME], item, "name", true, &module->name) < 0 ||
            get_texts(ld, v[MODULE_ALIASES], item, "aliases", &module->aliases) < 0 ||
            parse_deadline(ld, v, item, year, module) < 0)
            return -1;
        for (j = 0; j < i; j++)
            if (strcmp(year->modules[j].code, module->code) == 0)
                return fail_at(ld, v[MODULE_CODE]->start_mark, "duplicate module code '%s' in %s",
                               shown(module->code, buf, sizeof buf), name);
    }
    return 0;
}

enum { GROUP_NAME, GROUP_MIN_PERCENT, GROUP_NKEYS };

static int parse_groups(struct loader *ld, const yaml_node_t *seq, const char *where,
                        struct config_year *year)
{
    static const struct key_spec keys[] = {
        [GROUP_NAME] = { "name", true },
        [GROUP_MIN_PERCENT] = { "min_percent", true },
    };
    char name[NAME_CAP], item[NAME_CAP], buf[SHOWN_CAP], buf2[SHOWN_CAP];
    char percent[16], previous[16];
    yaml_mark_t last_mark = seq->start_mark;
    size_t n, i, j;

    join(name, where, "groups");
    if (expect(ld, seq, YAML_SEQUENCE_NODE, name) < 0)
        return -1;
    n = sequence_length(seq);
    if (n == 0)
        return fail_at(ld, seq->start_mark, "%s must list at least one group", name);
    year->groups = calloc(n, sizeof *year->groups);
    if (!year->groups)
        return fail_memory(ld);
    year->ngroups = n;
    for (i = 0; i < n; i++) {
        struct config_group *group = &year->groups[i];
        yaml_node_t *v[GROUP_NKEYS];
        const char *s = NULL;

        item_name(item, name, i);
        if (map_fetch(ld, node_at(ld, seq->data.sequence.items.start[i]), item, keys,
                      GROUP_NKEYS, v) < 0 ||
            get_text(ld, v[GROUP_NAME], item, "name", true, &group->name) < 0 ||
            text_value(ld, v[GROUP_MIN_PERCENT], item, "min_percent", false, &s) < 0)
            return -1;
        last_mark = v[GROUP_MIN_PERCENT]->start_mark;
        if (!value_parse_centi(s, &group->min_centi))
            return fail_at(ld, last_mark,
                           "%s.min_percent must be a percentage from 0 to 100 with at most "
                           "two decimals, not '%s'",
                           item, shown(s, buf, sizeof buf));
        for (j = 0; j < i; j++)
            if (strcmp(year->groups[j].name, group->name) == 0)
                return fail_at(ld, v[GROUP_NAME]->start_mark, "duplicate group name '%s' in %s",
                               shown(group->name, buf, sizeof buf), name);
        /* The computation picks the first group whose threshold a rate
         * reaches; only a strictly decreasing list makes that the highest. */
        if (i > 0 && group->min_centi >= year->groups[i - 1].min_centi) {
            value_format_centi(group->min_centi, percent, sizeof percent);
            value_format_centi(year->groups[i - 1].min_centi, previous, sizeof previous);
            return fail_at(ld, last_mark,
                           "groups must be in decreasing order of min_percent: "
                           "'%s' (%s) comes after '%s' (%s)",
                           shown(group->name, buf, sizeof buf), percent,
                           shown(year->groups[i - 1].name, buf2, sizeof buf2), previous);
        }
    }
    /* Every unit with something assigned must land in some group. */
    if (year->groups[n - 1].min_centi != 0)
        return fail_at(ld, last_mark, "groups must end with a group at min_percent 0");
    return 0;
}

/* A school year is named by its two calendar years: "2020-2021". */
static bool year_id_form(const char *s)
{
    int i, first = 0, second = 0;

    for (i = 0; i < 9; i++) {
        if (i == 4) {
            if (s[i] != '-')
                return false;
        } else if (s[i] < '0' || s[i] > '9') {
            return false;
        } else if (i < 4) {
            first = first * 10 + (s[i] - '0');
        } else {
            second = second * 10 + (s[i] - '0');
        }
    }
    return s[9] == '\0' && second == first + 1;
}

enum {
    YEAR_ID, YEAR_START, YEAR_END, YEAR_RANKED_LEVEL, YEAR_UNITS, YEAR_MODULES, YEAR_GROUPS,
    YEAR_TEMIS_METRIC, YEAR_RANK_BY, YEAR_NKEYS
};
_Static_assert(YEAR_NKEYS <= MAX_KEYS, "map_fetch cannot track this many keys");

/* id_mark and start_mark tell the caller where to point when this year
 * clashes with another. */
static int parse_year(struct loader *ld, const yaml_node_t *map, const char *where,
                      struct config_year *year, yaml_mark_t *id_mark, yaml_mark_t *start_mark)
{
    static const struct key_spec keys[] = {
        [YEAR_ID] = { "id", true },
        [YEAR_START] = { "start", true },
        [YEAR_END] = { "end", true },
        [YEAR_RANKED_LEVEL] = { "ranked_level", true },
        [YEAR_UNITS] = { "units", true },
        [YEAR_MODULES] = { "modules", true },
        [YEAR_GROUPS] = { "groups", true },
        [YEAR_TEMIS_METRIC] = { "temis_metric", false },
        [YEAR_RANK_BY] = { "rank_by", false },
    };
    static const char *const measures[2] = { "modules", "learners" };
    static const char *const metrics[2] = {
        [TEMIS_SELF_ASSESSED] = "self_assessed",
        [TEMIS_HEAD_ASSESSED] = "head_assessed",
    };
    char buf[SHOWN_CAP], start[11], end[11];
    yaml_node_t *v[YEAR_NKEYS];
    int metric = TEMIS_SELF_ASSESSED, rank_by = 0;

    if (map_fetch(ld, map, where, keys, YEAR_NKEYS, v) < 0 ||
        get_text(ld, v[YEAR_ID], where, "id", true, &year->id) < 0)
        return -1;
    *id_mark = v[YEAR_ID]->start_mark;
    *start_mark = v[YEAR_START]->start_mark;
    if (!year_id_form(year->id))
        return fail_at(ld, v[YEAR_ID]->start_mark,
                       "%s.id must be two consecutive years written YYYY-YYYY, not '%s'", where,
                       shown(year->id, buf, sizeof buf));
    if (get_date(ld, v[YEAR_START], where, "start", &year->start) < 0 ||
        get_date(ld, v[YEAR_END], where, "end", &year->end) < 0)
        return -1;
    if (year->end < year->start) {
        date_format_iso(year->start, start);
        date_format_iso(year->end, end);
        return fail_at(ld, v[YEAR_END]->start_mark, "%s.end %s is before its start %s", where,
                       end, start);
    }
    if (get_text(ld, v[YEAR_RANKED_LEVEL], where, "ranked_level", true,
                 &year->ranked_level) < 0 ||
        parse_units(ld, v[YEAR_UNITS], where, year) < 0 ||
        parse_modules(ld, v[YEAR_MODULES], where, year) < 0 ||
        parse_groups(ld, v[YEAR_GROUPS], where, year) < 0 ||
        get_choice(ld, v[YEAR_TEMIS_METRIC], where, "temis_metric", metrics, &metric) < 0 ||
        get_choice(ld, v[YEAR_RANK_BY], where, "rank_by", measures, &rank_by) < 0)
        return -1;
    year->temis_metric = metric;
    year->rank_by_learners = rank_by == 1;
    return 0;
}

static int year_compare(const void *a, const void *b)
{
    const struct config_year *x = a, *y = b;

    return (x->start > y->start) - (x->start < y->start);
}

static int parse_years(struct loader *ld, const yaml_node_t *seq, struct config *cfg)
{
    char item[NAME_CAP], buf[SHOWN_CAP], buf2[SHOWN_CAP];
    size_t n, i, j;

    if (expect(ld, seq, YAML_SEQUENCE_NODE, "school_years") < 0)
        return -1;
    n = sequence_length(seq);
    if (n == 0)
        return fail_at(ld, seq->start_mark, "school_years must list at least one school year");
    cfg->years = calloc(n, sizeof *cfg->years);
    if (!cfg->years)
        return fail_memory(ld);
    cfg->nyears = n;
    for (i = 0; i < n; i++) {
        struct config_year *year = &cfg->years[i];
        yaml_mark_t id_mark, start_mark;

        item_name(item, "school_years", i);
        if (parse_year(ld, node_at(ld, seq->data.sequence.items.start[i]), item, year, &id_mark,
                       &start_mark) < 0)
            return -1;
        for (j = 0; j < i; j++) {
            const struct config_year *other = &cfg->years[j];

            if (strcmp(other->id, year->id) == 0)
                return fail_at(ld, id_mark, "duplicate school year id '%s'",
                               shown(year->id, buf, sizeof buf));
            /* The as-of date of an import must select one year only. */
            if (year->start <= other->end && other->start <= year->end)
                return fail_at(ld, start_mark, "school years '%s' and '%s' overlap",
                               shown(other->id, buf, sizeof buf),
                               shown(year->id, buf2, sizeof buf2));
        }
    }
    qsort(cfg->years, n, sizeof *cfg->years, year_compare);
    return 0;
}

enum {
    TOP_PROVINCE, TOP_DATABASE, TOP_PATHS, TOP_SCHOOL_YEARS, TOP_REPORT, TOP_SOURCES, TOP_LIMITS,
    TOP_NKEYS
};
_Static_assert(TOP_NKEYS <= MAX_KEYS, "map_fetch cannot track this many keys");

static int parse_root(struct loader *ld, const yaml_node_t *root, struct config *cfg)
{
    static const struct key_spec keys[] = {
        [TOP_PROVINCE] = { "province", true },
        [TOP_DATABASE] = { "database", false },
        [TOP_PATHS] = { "paths", false },
        [TOP_SCHOOL_YEARS] = { "school_years", true },
        [TOP_REPORT] = { "report", false },
        [TOP_SOURCES] = { "sources", false },
        [TOP_LIMITS] = { "limits", false },
    };
    yaml_node_t *v[TOP_NKEYS];

    if (map_fetch(ld, root, "", keys, TOP_NKEYS, v) < 0 ||
        parse_province(ld, v[TOP_PROVINCE], cfg) < 0 ||
        parse_database(ld, v[TOP_DATABASE], cfg) < 0 ||
        parse_paths(ld, v[TOP_PATHS], cfg) < 0 ||
        parse_years(ld, v[TOP_SCHOOL_YEARS], cfg) < 0 ||
        parse_report(ld, v[TOP_REPORT], cfg) < 0 ||
        parse_sources(ld, v[TOP_SOURCES], cfg) < 0 ||
        parse_limits(ld, v[TOP_LIMITS], cfg) < 0)
        return -1;
    return 0;
}

static int fill_defaults(struct loader *ld, struct config *cfg)
{
    struct {
        char **field;
        const char *value;
    } defaults[] = {
        { &cfg->province.authority, "" },
        { &cfg->province.department, "" },
        { &cfg->province.timezone, "Asia/Ho_Chi_Minh" },
        { &cfg->conninfo, "" },
        { &cfg->paths.inbox, "var/inbox" },
        { &cfg->paths.archive, "var/archive" },
        { &cfg->paths.rejected, "var/rejected" },
        { &cfg->paths.reports, "reports" },
        { &cfg->report.language, "vi" },
        { &cfg->report.file_name, "bdtx-{province}-{week}.xlsx" },
    };
    size_t i;

    for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        if (*defaults[i].field)
            continue;
        *defaults[i].field = strdup(defaults[i].value);
        if (!*defaults[i].field)
            return fail_memory(ld);
    }
    return 0;
}

/* The four folders apart: a run that moves rejected files into its own
 * inbox, or writes its download page there, would take its own output for
 * input. */
static int check_paths(struct loader *ld, struct config *cfg)
{
    const char *names[4] = { "inbox", "archive", "rejected", "reports" };
    const char *given[4] = {
        cfg->paths.inbox, cfg->paths.archive, cfg->paths.rejected, cfg->paths.reports,
    };
    char *norm[4] = { NULL, NULL, NULL, NULL };
    int i, j, rc = 0;

    /* Compared where they lead (relative to the configuration's folder,
     * links resolved); named as written. */
    for (i = 0; i < 4; i++) {
        char *joined = path_join(ld->dir, given[i]);
        char *resolved = joined ? path_resolve(joined) : NULL;

        free(joined);
        if (!resolved || !(norm[i] = path_normal(resolved)))
            rc = fail_memory(ld);
        free(resolved);
    }
    for (i = 0; i < 4 && rc == 0; i++) {
        for (j = i + 1; j < 4 && rc == 0; j++) {
            if (!path_overlap(norm[i], norm[j]))
                continue;
            error_set(ld->err, BDTX_CONFIG, "paths.%s (%s) and paths.%s (%s) %s", names[i],
                      given[i], names[j], given[j],
                      strcmp(norm[i], norm[j]) == 0 ? "are the same folder"
                                                    : "overlap: one holds the other");
            error_hint(ld->err, "give the inbox, the archive, the rejected files and the "
                                "reports four folders of their own, none inside another");
            if (ld->has_paths) {
                char column[24];

                snprintf(column, sizeof column, "%lu",
                         (unsigned long)ld->paths_mark.column + 1);
                error_place(ld->err, ld->path, (long)ld->paths_mark.line + 1, column);
            } else {
                error_place(ld->err, ld->path, 0, NULL);
            }
            rc = -1;
        }
    }
    for (i = 0; i < 4; i++)
        free(norm[i]);
    return rc;
}

/* The folder of path made absolute (its links resolved), in *out; 0, or -1
 * with errno set (*out NULL when memory ran out, "" otherwise). */
static int absolute_dir(const char *path, char **out)
{
    char *dir = path_dir(path), *abs;

    *out = NULL;
    if (!dir)
        return -1;
    abs = realpath(dir, NULL);
    free(dir);
    if (!abs) {
        int saved = errno;

        *out = strdup("");
        errno = saved;
        return -1;
    }
    *out = abs;
    return 0;
}

/* paths.* relative to the configuration's folder, as units: are. */
static int paths_absolute(struct loader *ld, struct config *cfg)
{
    char **fields[] = { &cfg->paths.inbox, &cfg->paths.archive, &cfg->paths.rejected,
                        &cfg->paths.reports };
    size_t i;

    for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char *joined = path_join(ld->dir, *fields[i]);
        char *clean = joined ? path_resolve(joined) : NULL;

        free(joined);
        if (!clean)
            return fail_memory(ld);
        free(*fields[i]);
        *fields[i] = clean;
    }
    return 0;
}

static void syntax_error(struct loader *ld, const yaml_parser_t *parser)
{
    const char *problem = parser->problem ? parser->problem : "unknown problem";

    switch (parser->error) {
    case YAML_MEMORY_ERROR:
        fail_memory(ld);
        break;
    case YAML_READER_ERROR:
        /* The reader has no line yet, only a byte offset. */
        error_set(ld->err, BDTX_CONFIG, "cannot read configuration: %s at byte %zu", problem,
                  parser->problem_offset);
        error_place(ld->err, ld->path, 0, NULL);
        break;
    default:
        fail_at(ld, parser->problem_mark, "YAML syntax error: %s", problem);
        if (parser->context)
            error_detail(ld->err, "%s at line %lu, column %lu", parser->context,
                         (unsigned long)parser->context_mark.line + 1,
                         (unsigned long)parser->context_mark.column + 1);
        break;
    }
}

/* The file must hold exactly one document: a second one would be ignored. */
static int check_single_document(struct loader *ld, yaml_parser_t *parser)
{
    yaml_document_t extra;
    yaml_mark_t mark;
    bool more;

    if (!yaml_parser_load(parser, &extra)) {
        syntax_error(ld, parser);
        return -1;
    }
    more = yaml_document_get_root_node(&extra) != NULL;
    mark = extra.start_mark;
    yaml_document_delete(&extra);
    if (more)
        return fail_at(ld, mark, "the configuration must be a single YAML document");
    return 0;
}

int config_load(const char *path, struct config *cfg, bdtx_error *err)
{
    struct loader ld = { .path = path, .err = err };
    yaml_parser_t parser;
    yaml_document_t doc;
    bool parser_ready = false, doc_ready = false;
    yaml_node_t *root;
    struct stat st;
    FILE *f = NULL;
    int rc = -1;

    memset(cfg, 0, sizeof *cfg);
    memset(&parser, 0, sizeof parser);
    memset(&doc, 0, sizeof doc);
    cfg->report.include_people = true;
    cfg->report.highlight = 3;

    f = fopen(path, "rb");
    if (!f || fstat(fileno(f), &st) != 0) {
        error_set(err, BDTX_CONFIG, "cannot read configuration: %s", strerror(errno));
        error_place(err, path, 0, NULL);
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        error_set(err, BDTX_CONFIG, "cannot read configuration: %s", strerror(EISDIR));
        error_place(err, path, 0, NULL);
        goto done;
    }
    if (st.st_size > CONFIG_MAX_BYTES) {
        error_set(err, BDTX_CONFIG, "the configuration is larger than %ld bytes",
                  CONFIG_MAX_BYTES);
        error_place(err, path, 0, NULL);
        goto done;
    }
    if (!yaml_parser_initialize(&parser)) {
        fail_memory(&ld);
        goto done;
    }
    parser_ready = true;
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        syntax_error(&ld, &parser);
        goto done;
    }
    doc_ready = true;
    ld.doc = &doc;
    root = yaml_document_get_root_node(&doc);
    if (!root) {
        error_set(err, BDTX_CONFIG, "the configuration is empty");
        error_place(err, path, 0, NULL);
        goto done;
    }
    if (check_single_document(&ld, &parser) < 0)
        goto done;

    cfg->path = strdup(path);
    if (!cfg->path || absolute_dir(path, &cfg->dir) < 0) {
        if (!cfg->path || !cfg->dir)
            fail_memory(&ld);
        else
            error_set(err, BDTX_CONFIG, "cannot find the folder of the configuration: %s",
                      strerror(errno));
        error_place(err, path, 0, NULL);
        goto done;
    }
    ld.dir = cfg->dir;
    if (parse_root(&ld, root, cfg) < 0 || fill_defaults(&ld, cfg) < 0 ||
        check_paths(&ld, cfg) < 0 || paths_absolute(&ld, cfg) < 0)
        goto done;
    rc = 0;

done:
    if (doc_ready)
        yaml_document_delete(&doc);
    if (parser_ready)
        yaml_parser_delete(&parser);
    if (f)
        fclose(f);
    if (rc < 0)
        config_release(cfg);
    return rc;
}

static void strings_release(struct config_strings *s)
{
    size_t i;

    for (i = 0; i < s->count; i++)
        free(s->items[i]);
    free(s->items);
}

void config_release(struct config *cfg)
{
    size_t i, j;

    for (i = 0; i < cfg->nyears; i++) {
        struct config_year *year = &cfg->years[i];

        free(year->id);
        free(year->ranked_level);
        free(year->units_path);
        for (j = 0; j < year->nmodules; j++) {
            free(year->modules[j].code);
            free(year->modules[j].name);
            strings_release(&year->modules[j].aliases);
        }
        free(year->modules);
        for (j = 0; j < year->ngroups; j++)
            free(year->groups[j].name);
        free(year->groups);
    }
    free(cfg->years);
    for (i = 0; i < cfg->nsheets; i++) {
        free(cfg->sheets[i].files);
        free(cfg->sheets[i].sheet);
    }
    free(cfg->sheets);
    for (i = 0; i < cfg->naliases; i++) {
        free(cfg->aliases[i].field);
        strings_release(&cfg->aliases[i].names);
    }
    free(cfg->aliases);
    strings_release(&cfg->status_passed);
    strings_release(&cfg->status_not_passed);
    free(cfg->path);
    free(cfg->dir);
    free(cfg->province.code);
    free(cfg->province.timezone);
    free(cfg->province.name);
    free(cfg->province.authority);
    free(cfg->province.department);
    free(cfg->conninfo);
    free(cfg->paths.inbox);
    free(cfg->paths.archive);
    free(cfg->paths.rejected);
    free(cfg->paths.reports);
    free(cfg->report.language);
    free(cfg->report.file_name);
    memset(cfg, 0, sizeof *cfg);
}

const struct config_year *config_year_for_date(const struct config *cfg, bdtx_date day)
{
    size_t i;

    for (i = 0; i < cfg->nyears; i++)
        if (cfg->years[i].start <= day && day <= cfg->years[i].end)
            return &cfg->years[i];
    return NULL;
}

const struct config_year *config_year_by_id(const struct config *cfg, const char *id)
{
    size_t i;

    for (i = 0; i < cfg->nyears; i++)
        if (strcmp(cfg->years[i].id, id) == 0)
            return &cfg->years[i];
    return NULL;
}

long config_module_index(const struct config_year *year, const char *code)
{
    size_t i;

    for (i = 0; i < year->nmodules; i++)
        if (strcmp(year->modules[i].code, code) == 0)
            return (long)i;
    return -1;
}
