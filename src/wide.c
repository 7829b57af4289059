#include "bdtx/wide.h"

#include <stdlib.h>
#include <string.h>

#include "bdtx/text.h"

/* The code of the module of year whose code, name or alias has key, or NULL. */
static const char *module_in_year(const struct config_year *year, const char *key)
{
    size_t i, j;

    for (i = 0; i < year->nmodules; i++) {
        const struct config_module *m = &year->modules[i];

        for (j = 0; j < 2 + m->aliases.count; j++) {
            const char *name = j == 0 ? m->code : j == 1 ? m->name : m->aliases.items[j - 2];
            char *k = text_key(name);
            bool same = k && strcmp(k, key) == 0;

            free(k);
            if (same)
                return m->code;
        }
    }
    return NULL;
}

bool wide_names_module(const struct config *cfg, const char *text)
{
    char *key = text_key(text);
    bool yes = false;
    size_t i;

    for (i = 0; key && *key && i < cfg->nyears && !yes; i++)
        yes = module_in_year(&cfg->years[i], key) != NULL;
    free(key);
    return yes;
}

static bool claimed(const struct header_map *map, long col)
{
    size_t f;

    for (f = 0; f < F_COUNT; f++)
        if (map->col[f] == col)
            return true;
    return false;
}

bool wide_match(const struct config *cfg, const struct sheet_row *row, struct header_map *map,
                struct wide_map *w)
{
    const long *c = map->col;
    size_t i, n = 0;

    memset(w, 0, sizeof *w);
    if (!cfg || c[F_ACCOUNT] < 0 || (c[F_UNIT_CODE] < 0 && c[F_UNIT_NAME] < 0) ||
        c[F_MODULE] >= 0 || c[F_STATUS] >= 0)
        return false;
    for (i = 0; i < row->ncells; i++)
        if (!row->cells[i].numeric && !claimed(map, (long)i) &&
            wide_names_module(cfg, row->cells[i].text))
            n++;
    if (n == 0)
        return false;
    w->cols = calloc(n, sizeof *w->cols);
    if (!w->cols)
        return false;
    for (i = 0; i < row->ncells && w->count < n; i++) {
        if (row->cells[i].numeric || claimed(map, (long)i) ||
            !wide_names_module(cfg, row->cells[i].text))
            continue;
        w->cols[w->count].col = (long)i;
        w->cols[w->count].result_col = -1;
        w->cols[w->count].header = strdup(row->cells[i].text);
        if (!w->cols[w->count].header) {
            wide_release(w);
            return false;
        }
        w->count++;
    }
    map->kind = SOURCE_LMS_LEARNERS;
    return true;
}

int wide_resolve(struct wide_map *w, const struct config_year *year, bdtx_error *err)
{
    size_t i, j;

    for (i = 0; i < w->count; i++) {
        char *key = text_key(w->cols[i].header);

        w->cols[i].module = key ? module_in_year(year, key) : NULL;
        free(key);
        if (!w->cols[i].module) {
            error_set(err, BDTX_DATAERR, "column '%s' names a module that school year %s "
                      "does not have", w->cols[i].header, year->id);
            return -1;
        }
        for (j = 0; j < i; j++)
            if (strcmp(w->cols[j].module, w->cols[i].module) == 0) {
                error_set(err, BDTX_DATAERR, "columns '%s' and '%s' name the same module %s",
                          w->cols[j].header, w->cols[i].header, w->cols[i].module);
                return -1;
            }
    }
    return 0;
}

void wide_release(struct wide_map *w)
{
    size_t i;

    for (i = 0; i < w->count; i++)
        free(w->cols[i].header);
    free(w->cols);
    memset(w, 0, sizeof *w);
}
