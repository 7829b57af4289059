#include "bdtx/progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bdtx/log.h"

#define BAR_WIDTH 24
#define NAME_WIDTH 40

/* The bar on the screen, for the log hook. */
static struct progress *shown;

static void wipe(struct progress *p)
{
    if (!p || !p->drawn)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->drawn = false;
}

static void draw(struct progress *p);

static void around_log(bool before)
{
    if (before)
        wipe(shown);
    else if (shown)
        draw(shown);
}

void progress_init(struct progress *p, bool on, const char *what, size_t total)
{
    memset(p, 0, sizeof *p);
    p->on = on && isatty(STDERR_FILENO);
    p->total = total;
    p->what = what;
}

void progress_show(struct progress *p, size_t done, const char *name)
{
    if (!p->on || p->total == 0)
        return;
    p->done = done;
    snprintf(p->name, sizeof p->name, "%s", name);
    draw(p);
    shown = p;
    log_set_around_line(around_log);
}

static void draw(struct progress *p)
{
    char bar[BAR_WIDTH + 1];
    const char *name = p->name;
    size_t fill, i, len, done = p->done;

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
    wipe(p);
    if (shown == p) {
        shown = NULL;
        log_set_around_line(NULL);
    }
}
