/* The inbox folder of `bdtx run`: the files waiting there, in the order they
 * must be imported, and moving each one out (to the archive or to the
 * rejected folder) without ever losing it. */
#ifndef BDTX_INBOX_H
#define BDTX_INBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "bdtx/config.h"
#include "bdtx/error.h"
#include "bdtx/header.h"
#include "bdtx/value.h"

/* A sidecar "NAME.as-of" beside an export holds its as-of date (one line,
 * YYYY-MM-DD or dd/mm/yyyy), for exports that carry it neither in their
 * title rows nor in their name: the officer's --as-of, in a file. */
#define INBOX_SIDECAR ".as-of"

struct inbox_file {
    char *path;            /* inbox/NAME */
    char *sidecar;         /* inbox/NAME.as-of when there is one, else NULL */
    bool sidecar_ok;       /* the sidecar holds a date (as_of) */
    bool dated;            /* as_of is known: sidecar, title rows or name */
    bdtx_date as_of;       /* else the modification day, for the order only */
    char *refused;         /* why it is refused unread (a link), else NULL */
    long long size;        /* as found by the scan, to see it settle */
    struct timespec mtime;
    bool unsettled;        /* still changing: left for the next run */
};

/* The exports waiting in dir, oldest as-of first (learners exports of a
 * school year must go in in that order), then by name. Skipped: folders,
 * hidden files (a copy in progress should be written under a dot name and
 * renamed), sidecars, and partial downloads (*.part, *.crdownload, *.tmp,
 * and Office's "~$" lock files). A file without a sidecar is dated as its
 * import will date it (import_peek_as_of), else by its modification day. */
int inbox_scan(const char *dir, const struct config *cfg, const struct vocab *vocab,
               struct inbox_file **out, size_t *n, bdtx_error *err);
void inbox_free(struct inbox_file *files, size_t n);

/* Move f (and its sidecar) into the folder dest_dir, created when missing,
 * under the name name (shortened by inbox_fit_name); when that name is taken by a different file, "~2",
 * "~3"... goes before the extension; when it is taken by the same bytes (a
 * move that was cut short), the inbox copy is only removed. With err_text,
 * "<final name>.err" is written first. rename(2) within one file system,
 * else copy, fsync, rename into place, then unlink: at every instant the
 * file exists under one of its names. The sidecar of an imported file goes
 * first (the import is committed and known by its hash), that of a
 * rejected one last (so a retry still has its date). *moved_to gets the
 * final path (malloc'd) when moved_to is not NULL. */
int inbox_move(const struct inbox_file *f, const char *dest_dir, const char *name,
               const char *err_text, char **moved_to, bdtx_error *err);

/* The longest name inbox_move gives a file: room is kept under NAME_MAX
 * (255 bytes) for "~N", ".err" and ".as-of". */
#define INBOX_NAME_MAX 232
/* name itself when it fits INBOX_NAME_MAX bytes, else its start cut at a
 * character, "~" and 16 hex digits of a hash of the whole name, and its
 * extension: two long names that differ only at their end stay apart.
 * malloc'd; NULL when memory runs out. inbox_move applies it. */
char *inbox_fit_name(const char *name);

#endif
