#include "bdtx/progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BAR_WIDTH 24
#define NAME_WIDTH 40

void progress_init(struct progress *p, bool on, const char *what, size_t total)
{
    memset(p, 0, sizeof *p);
    p->on = on && isatty(STDERR_FILENO);
    p->total = total;
    p->what = what;
}

void progress_show(struct progress *p, size_t done, const char *name)
{
    char bar[BAR_WIDTH + 1];
    size_t fill, i, len;

    if (!p->on || p->total == 0)
        return;
    fill = done * BAR_WIDTH / p->total;
    for (i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    /* Cut a long name on a character boundary, from the left: the end of a
     * file name says more than its start. */
    len = strlen(name);
    if (len > NAME_WIDTH) {
        name += len - NAME_WIDTH;
        while (((unsigned char)*name & 0xC0) == 0x80)
            name++;
    }
    fprintf(stderr, "\r\033[K[%s] %zu/%zu %s %s", bar, done, p->total, p->what, name);
    fflush(stderr);
    p->drawn = true;
}

void progress_clear(struct progress *p)
{
    if (!p->drawn)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->drawn = false;
}
