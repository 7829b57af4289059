/* "Did you mean ...?": the known word closest to a mistyped one, as git
 * names the closest command. */
#ifndef BDTX_SUGGEST_H
#define BDTX_SUGGEST_H

#include <stddef.h>

/* The edit distance between a and b (insertions, deletions, substitutions
 * and swaps of two neighbouring bytes, each counting 1). Words longer than
 * SUGGEST_MAX_LEN count as far from everything. */
#define SUGGEST_MAX_LEN 64
size_t suggest_distance(const char *a, const char *b);

/* The word of words[0..n) closest to typed, or NULL when none is close
 * enough to be what was meant: at most a third of the longer word's
 * length away (at least 1, at most 3), or typed being a prefix of it.
 * On a tie, the first in words. */
const char *suggest_closest(const char *typed, const char *const *words, size_t n);

#endif
