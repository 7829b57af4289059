/* Finding a unit by its name, for exports that carry no unit code: names are
 * compared after NFC, case folding and blank collapsing, with the usual
 * prefix variants folded away ("Trường THCS X" is "THCS X", "UBND xã X" is
 * "Xã X", "Phòng Giáo dục và Đào tạo X" is "Phòng GDĐT X"), and through the
 * registry's aliases. An index of every name is built once per import. */
#ifndef BDTX_NAMES_H
#define BDTX_NAMES_H

#include <stddef.h>

#include "bdtx/error.h"
#include "bdtx/units.h"

struct name_entry {
    char *key;      /* names_key() of a name or alias */
    long unit;      /* index into the registry */
};

struct name_index {
    const struct registry *reg;
    struct name_entry *entries;   /* sorted by key */
    size_t count;
};

/* The comparison key of a unit name (malloc'd), or NULL on invalid UTF-8
 * or when memory runs out. */
char *names_key(const char *name);

int names_build(const struct registry *reg, struct name_index *idx, bdtx_error *err);
void names_release(struct name_index *idx);

/* How a lookup went. */
enum names_outcome { NAMES_FOUND, NAMES_UNKNOWN, NAMES_AMBIGUOUS, NAMES_BAD_TEXT };

/* The unit named text below parent (a registry index; -1: anywhere in the
 * registry). The root itself is never a match. On NAMES_FOUND *unit is set;
 * on NAMES_AMBIGUOUS the candidates ("CODE name (under CODE)", '; '
 * separated, cut to fit) are written to cand. */
enum names_outcome names_find(const struct name_index *idx, const char *text, long parent,
                              long *unit, char *cand, size_t cap);

#endif
