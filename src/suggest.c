#include "bdtx/suggest.h"

#include <string.h>

size_t suggest_distance(const char *a, const char *b)
{
    /* Three rows of the optimal-string-alignment table. */
    size_t rows[3][SUGGEST_MAX_LEN + 1];
    size_t la = strlen(a), lb = strlen(b), i, j;
    size_t *two = rows[0], *prev = rows[1], *cur = rows[2], *t;

    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
        return (size_t)-1;
    for (j = 0; j <= lb; j++)
        prev[j] = j;
    for (i = 1; i <= la; i++) {
        cur[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);

            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                two[j - 2] + 1 < best)
                best = two[j - 2] + 1;
            cur[j] = best;
        }
        t = two;
        two = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

const char *suggest_closest(const char *typed, const char *const *words, size_t n)
{
    const char *best = NULL;
    size_t best_distance = (size_t)-1, i, typed_len = strlen(typed);

    for (i = 0; i < n; i++) {
        size_t len = strlen(words[i]), longer = len > typed_len ? len : typed_len;
        size_t limit = longer / 3, d;

        if (limit < 1)
            limit = 1;
        if (limit > 3)
            limit = 3;
        d = suggest_distance(typed, words[i]);
        /* "inc" for "include_people": a word begun is a word meant. */
        if (typed_len >= 2 && strncmp(typed, words[i], typed_len) == 0 && d > limit)
            d = limit;
        if (d <= limit && d < best_distance) {
            best = words[i];
            best_distance = d;
        }
    }
    return best;
}
