/* `bdtx run`: the unattended weekly job (see src/run.c). */
#ifndef BDTX_RUN_H
#define BDTX_RUN_H

#include "bdtx/commands.h"

struct run_summary {
    int imported;            /* files imported now */
    int skipped;             /* files found already imported (by hash), archived */
    int rejected_files;      /* files moved to the rejected folder */
    int left;                /* files still being written, left in the inbox */
    int reports;             /* weekly reports written */
    int unchanged;           /* weekly reports recomputed and found unchanged */
    int replayed;            /* school years replayed (late files, registry changes) */
    long rows, rejected_rows;
    char last_report[1024];
};

/* The command: no arguments. Exit codes of SPEC section 4, 75 when another
 * run holds the lock. */
int cmd_run(struct cli *cli, int argc, char **argv, bdtx_error *err);
/* bdtx rebuild [--year ID]: replay a school year (every year with imports
 * without --year) from its archived files, then rewrite the reports whose
 * figures changed. Takes the lock of bdtx run. */
int cmd_rebuild(struct cli *cli, int argc, char **argv, bdtx_error *err);

#endif
