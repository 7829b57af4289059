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
    long rows, rejected_rows;
    char last_report[1024];
};

/* The command: no arguments. Exit codes of SPEC section 4, 75 when another
 * run holds the lock. */
int cmd_run(struct cli *cli, int argc, char **argv, bdtx_error *err);

#endif
