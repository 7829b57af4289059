#include "bdtx/error.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

void error_clear(bdtx_error *e)
{
    memset(e, 0, sizeof *e);
}

void error_set(bdtx_error *e, int code, const char *fmt, ...)
{
    va_list ap;

    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

int error_code_for_errno(int errnum)
{
    switch (errnum) {
    case EACCES:
    case EPERM:
    case EROFS:
    case ENOENT:
    case ENOTDIR:
    case EISDIR:
    case EEXIST:
    case ENAMETOOLONG:
    case ELOOP:
        return BDTX_CANTCREAT;
    default:
        return BDTX_IOERR;
    }
}

void error_oom(bdtx_error *e)
{
    error_set(e, BDTX_SOFTWARE, "out of memory");
}

void error_place(bdtx_error *e, const char *file, long row, const char *column)
{
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->row = row;
    snprintf(e->column, sizeof e->column, "%s", column ? column : "");
}

void error_detail(bdtx_error *e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
}

void error_hint(bdtx_error *e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(e->hint, sizeof e->hint, fmt, ap);
    va_end(ap);
}

void error_write_text(const char *s, FILE *out)
{
    const unsigned char *p;

    for (p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\r')
            fputs("\\r", out);
        else if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

void error_print(const bdtx_error *e, FILE *out)
{
    fputs("bdtx: ", out);
    if (e->file[0]) {
        error_write_text(e->file, out);
        if (e->row > 0)
            fprintf(out, ":%ld", e->row);
        if (e->column[0])
            fprintf(out, ":%s", e->column);
        fputs(": ", out);
    }
    error_write_text(e->message[0] ? e->message : "unknown error", out);
    fputc('\n', out);
    if (e->detail[0]) {
        fputs("DETAIL: ", out);
        error_write_text(e->detail, out);
        fputc('\n', out);
    }
    if (e->hint[0]) {
        fputs("HINT: ", out);
        error_write_text(e->hint, out);
        fputc('\n', out);
    }
}
