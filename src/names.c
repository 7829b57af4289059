#include "bdtx/names.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdtx/text.h"

/* Prefixes an officer writes or leaves out at will. Each is folded to what
 * follows the arrow, compared as whole words at the start of the key (after
 * text_key, so lower case and NFC). Order matters: longer forms first. */
static const struct {
    const char *from, *to;
} prefixes[] = {
    {"trường ", ""},
    {"tiểu học và trung học cơ sở ", "th&thcs "},
    {"tiểu học và thcs ", "th&thcs "},
    {"th và thcs ", "th&thcs "},
    {"th-thcs ", "th&thcs "},
    {"ubnd ", ""},
    {"ủy ban nhân dân ", ""},
    {"uỷ ban nhân dân ", ""},
    {"phòng giáo dục và đào tạo ", "phòng gdđt "},
    {"phòng giáo dục - đào tạo ", "phòng gdđt "},
    {"phòng gd&đt ", "phòng gdđt "},
    {"phòng gd và đt ", "phòng gdđt "},
    {"phòng gd-đt ", "phòng gdđt "},
    {"phòng gd đt ", "phòng gdđt "},
    {"mầm non ", "mn "},
    {"tiểu học ", "th "},
    {"trung học cơ sở ", "thcs "},
    {"trung học phổ thông ", "thpt "},
};

char *names_key(const char *name)
{
    char *key = text_key(name);
    bool again = true;

    if (!key)
        return NULL;
    /* Several may stack: "Trường Mầm non X" -> "Mầm non X" -> "mn X". */
    while (again) {
        size_t i;

        again = false;
        for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
            size_t lf = strlen(prefixes[i].from), lt = strlen(prefixes[i].to);

            if (strncmp(key, prefixes[i].from, lf) != 0 || !key[lf])
                continue;
            /* lt <= lf: rewritten in place. */
            memcpy(key, prefixes[i].to, lt);
            memmove(key + lt, key + lf, strlen(key + lf) + 1);
            again = true;
            break;
        }
    }
    return key;
}

static int cmp_entry(const void *a, const void *b)
{
    const struct name_entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    return c ? c : (x->unit > y->unit) - (x->unit < y->unit);
}

static int add(struct name_index *idx, size_t *cap, const char *name, long unit, bdtx_error *err)
{
    char *key;

    if (*cap == idx->count) {
        size_t ncap = *cap ? *cap * 2 : 256;
        struct name_entry *grown = realloc(idx->entries, ncap * sizeof *grown);

        if (!grown)
            goto oom;
        idx->entries = grown;
        *cap = ncap;
    }
    key = names_key(name);
    if (!key) {
        error_set(err, BDTX_DATAERR, "unit %s of the registry has a name or alias that is "
                  "not valid UTF-8",
                  idx->reg->units[unit].code);
        return -1;
    }
    if (!*key) {
        free(key);
        return 0;
    }
    idx->entries[idx->count].key = key;
    idx->entries[idx->count].unit = unit;
    idx->count++;
    return 0;
oom:
    error_oom(err);
    return -1;
}

int names_build(const struct registry *reg, struct name_index *idx, bdtx_error *err)
{
    size_t i, j, cap = 0;

    memset(idx, 0, sizeof *idx);
    idx->reg = reg;
    for (i = 0; i < reg->count; i++) {
        const struct unit *u = &reg->units[i];
        const char *p = u->aliases;

        if ((long)i == reg->root)
            continue;
        if (add(idx, &cap, u->name, (long)i, err) != 0)
            goto fail;
        while (p && *p) {
            const char *bar = strchr(p, '|');
            size_t len = bar ? (size_t)(bar - p) : strlen(p);
            char *one = strndup(p, len);

            if (!one) {
                error_oom(err);
                goto fail;
            }
            if (add(idx, &cap, one, (long)i, err) != 0) {
                free(one);
                goto fail;
            }
            free(one);
            p = bar ? bar + 1 : NULL;
        }
    }
    if (idx->count)
        qsort(idx->entries, idx->count, sizeof *idx->entries, cmp_entry);
    /* A unit may reach one key twice (its name and an alias): keep one. */
    for (i = j = 0; i < idx->count; i++) {
        if (j > 0 && strcmp(idx->entries[j - 1].key, idx->entries[i].key) == 0 &&
            idx->entries[j - 1].unit == idx->entries[i].unit) {
            free(idx->entries[i].key);
            continue;
        }
        idx->entries[j++] = idx->entries[i];
    }
    idx->count = j;
    return 0;
fail:
    names_release(idx);
    return -1;
}

void names_release(struct name_index *idx)
{
    size_t i;

    for (i = 0; i < idx->count; i++)
        free(idx->entries[i].key);
    free(idx->entries);
    idx->entries = NULL;
    idx->count = 0;
}

static bool below(const struct registry *reg, long unit, long parent)
{
    for (unit = reg->units[unit].parent; unit >= 0; unit = reg->units[unit].parent)
        if (unit == parent)
            return true;
    return false;
}

enum names_outcome names_find(const struct name_index *idx, const char *text, long parent,
                              long *unit, char *cand, size_t cap)
{
    char *key = names_key(text);
    size_t lo = 0, hi = idx->count, i, n = 0, len = 0;
    long found = -1;

    if (cap)
        cand[0] = '\0';
    if (!key)
        return NAMES_BAD_TEXT;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (strcmp(idx->entries[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (i = lo; i < idx->count && strcmp(idx->entries[i].key, key) == 0; i++) {
        const struct unit *u = &idx->reg->units[idx->entries[i].unit];

        if (parent >= 0 && !below(idx->reg, idx->entries[i].unit, parent))
            continue;
        found = idx->entries[i].unit;
        n++;
        if (len < cap) {
            const char *pc = u->parent >= 0 ? idx->reg->units[u->parent].code : "";
            int w = snprintf(cand + len, cap - len, "%s%s %s (under %s)", n > 1 ? "; " : "",
                             u->code, u->name, pc);

            len = w < 0 || (size_t)w >= cap - len ? cap : len + (size_t)w;
        }
    }
    free(key);
    if (n == 0)
        return NAMES_UNKNOWN;
    if (n > 1)
        return NAMES_AMBIGUOUS;
    *unit = found;
    return NAMES_FOUND;
}
