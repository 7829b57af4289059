#include "bdtx/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static enum log_level threshold = LOG_INFO;
static void (*around_line)(bool before);

void log_set_around_line(void (*fn)(bool before))
{
    around_line = fn;
}

void log_set_level(enum log_level level)
{
    threshold = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warning", "error"};
    va_list ap;

    if (level < threshold)
        return;
    if (around_line)
        around_line(true);
    fprintf(stderr, "bdtx: %s: ", names[level]);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (around_line)
        around_line(false);
}
