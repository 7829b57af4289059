/* The wide layout of a learners export: one row per learner, one status
 * column per module, the column headed by the module's code, "Mô đun N" or
 * its full title. An empty cell means the module is not assigned. */
#ifndef BDTX_WIDE_H
#define BDTX_WIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "bdtx/config.h"
#include "bdtx/error.h"
#include "bdtx/header.h"
#include "bdtx/sheet.h"

struct wide_column {
    long col;              /* 0-based column of the status */
    long result_col;       /* of the result beside it (a two-row header), or -1 */
    char *header;          /* the header cell as written */
    const char *module;    /* module code, once wide_resolve has run */
};

struct wide_map {
    struct wide_column *cols;
    size_t count;
};

/* True when row, already mapped by header_match into map (which found no
 * module or status column), is a wide learners header: an account column, a
 * unit column, and one or more columns headed by a module of any configured
 * school year. Fills w; sets map->kind to SOURCE_LMS_LEARNERS. */
bool wide_match(const struct config *cfg, const struct sheet_row *row, struct header_map *map,
                struct wide_map *w);
/* Gives each column the code of the year's module its header names; a
 * header naming no module of that year is an error (BDTX_DATAERR). */
int wide_resolve(struct wide_map *w, const struct config_year *year, bdtx_error *err);
void wide_release(struct wide_map *w);
/* True when text names a module of any configured school year. */
bool wide_names_module(const struct config *cfg, const char *text);

#endif
