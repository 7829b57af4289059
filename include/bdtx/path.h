/* File name parts, without the surprises of dirname(3) and basename(3),
 * which may modify their argument. */
#ifndef BDTX_PATH_H
#define BDTX_PATH_H

#include <stdbool.h>

/* The folder part of path ("." when none, "/" for the root), malloc'd;
 * NULL when memory runs out. */
char *path_dir(const char *path);
/* The part after the last '/', pointing into path. */
const char *path_base(const char *path);
/* rel under dir (rel itself when absolute or when dir is "."), malloc'd;
 * NULL when memory runs out. */
char *path_join(const char *dir, const char *rel);
/* An absolute path without "." and ".." parts nor repeated slashes, taken
 * lexically as git and Go do ("/a/b/../c" is "/a/c"); malloc'd, NULL when
 * memory runs out. A relative path is returned as it is. */
char *path_clean(const char *path);
/* path (absolute) with its links resolved as far as it exists, the rest
 * cleaned as path_clean does: realpath(3) for paths not created yet.
 * malloc'd; NULL when memory runs out. */
char *path_resolve(const char *path);
/* Whether s ends with suffix. */
bool path_ends_with(const char *s, const char *suffix);
/* path made absolute (against the working folder) with ".", ".." and
 * repeated slashes resolved by their letters, not by the file system (a
 * folder that does not exist yet has a normal form too); malloc'd, NULL
 * when memory runs out. */
char *path_normal(const char *path);
/* Whether two normal paths are the same or one holds the other. */
bool path_overlap(const char *a, const char *b);
/* Why s cannot be a file or folder name inside a folder ("holds a '/'"...),
 * or NULL when it can: not empty, not "." or "..", no '/', '\\' or control
 * character. */
const char *path_name_problem(const char *s);

#endif
