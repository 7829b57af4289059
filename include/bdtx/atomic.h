/* Files that appear whole or not at all: written under a temporary name in
 * the same folder, flushed, renamed into place, and the folder flushed. */
#ifndef BDTX_ATOMIC_H
#define BDTX_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bdtx/error.h"

struct atomic_file {
    char *path;        /* the final name */
    char *tmp;         /* the temporary name, beside it */
    FILE *fp;          /* open on tmp for callers that write a stream */
};

/* Create the folders of path, then a fresh temporary file beside it. */
int atomic_begin(struct atomic_file *f, const char *path, bdtx_error *err);
/* Close (if open), fsync, rename to the final name, fsync the folder. */
int atomic_commit(struct atomic_file *f, bdtx_error *err);
/* Remove the temporary file; safe after a commit or a failed begin. */
void atomic_abort(struct atomic_file *f);
/* Remove from dir the temporaries that atomic_begin made there and that a
 * killed process left behind (".NAME.XXXXXX"), when last modified more than
 * min_age seconds ago, so that a file still being written is never touched.
 * *removed counts them. A missing dir is not an error. */
int atomic_sweep(const char *dir, long min_age, int *removed, bdtx_error *err);
/* fsync the folder that holds path, so a rename or unlink in it is
 * durable; -1 with errno when it cannot. */
int atomic_fsync_dir_of(const char *path);
/* Whether path holds exactly the len bytes of text (false when it cannot
 * be read): a file need not be written again. */
bool atomic_same_content(const char *path, const char *text, size_t len);
/* mkdir -p of the folder part of path. */
int atomic_make_parents(const char *path, bdtx_error *err);

#endif
