#include "bdtx/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "bdtx/error.h"

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
    char line[1024], *text = NULL;
    va_list ap;
    int n;

    if (level < threshold)
        return;
    if (around_line)
        around_line(true);
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= sizeof line && (text = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    fprintf(stderr, "bdtx: %s: ", names[level]);
    /* One event, one line: names from the inbox may hold newlines. */
    error_write_text(text ? text : line, stderr);
    fputc('\n', stderr);
    free(text);
    if (around_line)
        around_line(false);
}
