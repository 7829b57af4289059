/* File name parts, without the surprises of dirname(3) and basename(3),
 * which may modify their argument. */
#ifndef BDTX_PATH_H
#define BDTX_PATH_H

/* The folder part of path ("." when none, "/" for the root), malloc'd;
 * NULL when memory runs out. */
char *path_dir(const char *path);
/* The part after the last '/', pointing into path. */
const char *path_base(const char *path);

#endif
