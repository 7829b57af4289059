/* What `bdtx run` tells an operator about a file it rejected or imported
 * with rejected rows: said with what a run has (the inbox, the file's name,
 * the configuration), never with the options of `bdtx import`. */
#ifndef BDTX_RUN_ADVICE_H
#define BDTX_RUN_ADVICE_H

#include <stddef.h>

#include "bdtx/error.h"

/* Where a rejected file is and where it goes back to. */
struct run_place {
    const char *name;          /* the file's name, as it was in the inbox */
    const char *inbox;         /* paths.inbox */
    const char *rejected;      /* paths.rejected */
    const char *config;        /* the configuration file */
    int dated_by_mtime;        /* its date is its modification day (no other) */
};

/* The words for a file dated by its modification day. */
#define RUN_ADVICE_MTIME "its date is the day it was last modified: neither its title rows " \
                         "nor its name give one"

/* What to do about a file rejected for e, in one sentence (no final stop),
 * into buf. */
void run_advice_file(const bdtx_error *e, const struct run_place *at, char *buf, size_t cap);

/* Whether e is settled by importing the file as it is (bdtx import
 * --force), rather than by putting it back in the inbox. */
int run_advice_by_hand(const bdtx_error *e);

/* The text of NAME.err beside a file rejected for e: what was wrong (row
 * and column when known), the detail, what to do, and how the note goes
 * away. malloc'd; NULL when memory runs out. */
char *run_advice_err_text(const bdtx_error *e, const struct run_place *at);

/* The hint for rows rejected in an imported file, from its first reason
 * and the unit texts no registry line matched (units, n of them): which
 * registry line to add, which alias to configure. units_path is the
 * registry of the file's school year. */
void run_advice_rows(const char *reason, const char *const *units, size_t n,
                     const char *units_path, const char *config, char *buf, size_t cap);

#endif
