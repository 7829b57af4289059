/* A one-line progress bar on stderr for long runs, drawn only when stderr is
 * a terminal: a log file or cron mail never gets carriage returns. */
#ifndef BDTX_PROGRESS_H
#define BDTX_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

struct progress {
    bool on;               /* stderr is a terminal and output is wanted */
    bool drawn;            /* a bar is on the screen now */
    size_t total;
    const char *what;      /* "importing", "reports" */
    size_t done;           /* as last shown, to draw it again after a log line */
    char name[256];
};

/* on is false when quiet; the bar is shown only if stderr is a terminal too.
 * While a bar is on, log lines wipe it before they are written (and the next
 * show draws it again under them). */
void progress_init(struct progress *p, bool on, const char *what, size_t total);
/* Draw step done of total, with the name of what is being done now. */
void progress_show(struct progress *p, size_t done, const char *name);
/* Wipe the bar for good (the end of its work). */
void progress_clear(struct progress *p);

#endif
