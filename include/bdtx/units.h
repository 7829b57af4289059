/* A school year's unit registry: the root (a province, or the nation), the
 * ranked level (the root's children: district offices or communes under a
 * province, provinces under the nation), the units directly under the root,
 * and below them, at any depth, a province's own district offices or
 * communes and its schools. */
#ifndef BDTX_UNITS_H
#define BDTX_UNITS_H

#include <stdbool.h>
#include <stddef.h>

#include "bdtx/error.h"

struct db;

/* A unit's place seen from the root: the root, its ranked or direct
 * children, a school (a direct unit below a province that is not the root is
 * one too), or a district office or commune of a province below the root
 * (UNIT_INNER: ranked within its province, not by the root). */
enum unit_kind { UNIT_ROOT, UNIT_RANKED, UNIT_DIRECT, UNIT_SCHOOL, UNIT_INNER };

struct unit {
    char *code;
    char *name;
    char *kind_text;       /* as written in the registry: province, phong, xa, direct, school */
    char *parent_code;     /* NULL for the root */
    char *aliases;         /* '|'-separated, "" when none */
    enum unit_kind kind;
    long parent;           /* index into registry.units, -1 for the root */
    long row;              /* row of the registry file, 0 when loaded from the database */
    int depth;             /* 0 for the root, 1 for its children, ... */
    bool has_level;        /* has district offices or communes below it (UNIT_INNER) */
};

struct registry {
    struct unit *units;
    size_t count;
    size_t *by_code;       /* indices sorted by code */
    size_t *slots;         /* hash of the codes: index + 1, 0 for none */
    size_t nslots;         /* a power of two, at least twice count */
    long root;
    /* Labels of the file's code, name, kind and parent_code columns, for
     * the place of an error ("" when loaded from the database). */
    char column[4][16];
};

/* The kinds a registry row may have (SPEC section 5), as one line of text. */
extern const char registry_kinds_text[];

/* Read a registry file (CSV or XLSX: code,name,kind,parent_code[,aliases]). */
int registry_read_file(const char *path, struct registry *reg, bdtx_error *err);
/* Replace the stored registry of (province, year) with reg, inside the
 * caller's transaction. */
int registry_store(struct db *db, const char *province, const char *year,
                   const struct registry *reg, bdtx_error *err);
/* Load the stored registry of (province, year); reg->count is 0 when none. */
int registry_load(struct db *db, const char *province, const char *year,
                  struct registry *reg, bdtx_error *err);
/* Index of the unit with that code, or -1. */
long registry_find(const struct registry *reg, const char *code);
/* The table unit belongs to among its siblings: UNIT_RANKED for a province,
 * district office or commune, UNIT_DIRECT for a direct unit, UNIT_SCHOOL for
 * a school (and UNIT_ROOT for the root). Seen from its parent, as unit.kind
 * is seen from the root. */
enum unit_kind registry_table_of(const struct registry *reg, long unit);
/* Whether unit has units of a ranked level (a district office or commune)
 * as children: a province below the nation root, whose pack ranks them. */
bool registry_has_level(const struct registry *reg, long unit);
/* Whether unit (an index into reg->units) is below ancestor, or is it. */
bool registry_within(const struct registry *reg, long unit, long ancestor);
void registry_release(struct registry *reg);

#endif
