#include "bdtx/value.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Days from civil date, after H. Hinnant's public-domain algorithm. */
bdtx_date date_from_ymd(int y, int m, int d)
{
    long yy = y - (m <= 2);
    long era = (yy >= 0 ? yy : yy - 399) / 400;
    long yoe = yy - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return (bdtx_date)(era * 146097 + doe - 719468);
}

void date_to_ymd(bdtx_date day, int *y, int *m, int *d)
{
    long z = (long)day + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long dd = doy - (153 * mp + 2) / 5 + 1;
    long mm = mp + (mp < 10 ? 3 : -9);

    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool date_valid_ymd(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
        return false;
    return d <= mdays[m - 1] + (m == 2 && leap(y));
}

int date_weekday(bdtx_date day)
{
    /* 1970-01-01 was a Thursday (4). */
    long w = ((long)day + 3) % 7;

    if (w < 0)
        w += 7;
    return (int)w + 1;
}

void date_iso_week(bdtx_date day, int *iso_year, int *week)
{
    bdtx_date thursday = day - date_weekday(day) + 4;
    int y, m, d;

    date_to_ymd(thursday, &y, &m, &d);
    *iso_year = y;
    *week = (thursday - date_from_ymd(y, 1, 1)) / 7 + 1;
}

bool date_week_sunday(int iso_year, int week, bdtx_date *out)
{
    bdtx_date jan4, monday;
    int y, w;

    if (week < 1 || week > 53 || iso_year < 1900 || iso_year > 9999)
        return false;
    jan4 = date_from_ymd(iso_year, 1, 4);
    monday = jan4 - (date_weekday(jan4) - 1) + (week - 1) * 7;
    date_iso_week(monday, &y, &w);
    if (y != iso_year || w != week)
        return false;
    *out = monday + 6;
    return true;
}

void date_format_iso(bdtx_date day, char *buf)
{
    int y, m, d;

    date_to_ymd(day, &y, &m, &d);
    snprintf(buf, 11, "%04d-%02d-%02d", y, m, d);
}

void date_format_vn(bdtx_date day, char *buf)
{
    int y, m, d;

    date_to_ymd(day, &y, &m, &d);
    snprintf(buf, 11, "%02d/%02d/%04d", d, m, y);
}

static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return s;
}

/* Reads 1..maxdigits decimal digits; returns the count read, 0 if none. */
static int read_digits(const char **p, int maxdigits, int *value)
{
    int n = 0, v = 0;

    while (n < maxdigits && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *value = v;
    return n;
}

static bool at_end(const char *p)
{
    return *skip_blanks(p) == '\0';
}

bool value_parse_date(const char *s, bdtx_date *out)
{
    const char *p = skip_blanks(s);
    int a, b, c, na, nb, nc;
    char sep;

    na = read_digits(&p, 4, &a);
    if (na == 0)
        return false;
    sep = *p;
    if (sep != '/' && sep != '-' && sep != '.')
        return false;
    p++;
    nb = read_digits(&p, 2, &b);
    if (nb == 0 || *p != sep)
        return false;
    p++;
    nc = read_digits(&p, 4, &c);
    if (nc == 0)
        return false;
    /* A time of day after a date (an export's "dd/mm/yyyy hh:mm") is ignored. */
    if (*p == ' ' || *p == 'T') {
        const char *q = p + 1;
        int h;

        int mi, sec;

        /* hh:mm or hh:mm:ss, nothing else */
        if (read_digits(&q, 2, &h) > 0 && *q == ':') {
            q++;
            if (read_digits(&q, 2, &mi) == 2 && h < 24 && mi < 60) {
                if (*q == ':') {
                    q++;
                    if (read_digits(&q, 2, &sec) == 2 && sec < 60)
                        p = q;
                } else {
                    p = q;
                }
            }
        }
    }
    if (!at_end(p))
        return false;
    if (na == 4 && sep == '-' && nc <= 2) {
        if (!date_valid_ymd(a, b, c))
            return false;
        *out = date_from_ymd(a, b, c);
        return true;
    }
    if (na <= 2 && nc == 4) {
        if (!date_valid_ymd(c, b, a))
            return false;
        *out = date_from_ymd(c, b, a);
        return true;
    }
    return false;
}

bool value_parse_serial_date(const char *s, bdtx_date *out)
{
    double v;

    if (!value_parse_decimal(s, &v) || v < 1 || v > 2958465)
        return false;
    /* Serial 60 is the 1900 leap day that never was; serials from 61 on are
     * counted from 1899-12-30, which the epoch arithmetic below uses. */
    if (v < 61)
        v += 1;
    *out = date_from_ymd(1899, 12, 30) + (bdtx_date)floor(v);
    return true;
}

bool value_parse_week(const char *s, int *iso_year, int *week)
{
    const char *p = s;
    int y, w;
    bdtx_date sunday;

    if (read_digits(&p, 4, &y) != 4 || *p++ != '-' || (*p != 'W' && *p != 'w'))
        return false;
    p++;
    if (read_digits(&p, 2, &w) != 2 || *p != '\0')
        return false;
    if (!date_week_sunday(y, w, &sunday))
        return false;
    *iso_year = y;
    *week = w;
    return true;
}

/* Copies the number in s into buf with '.' as the decimal separator and
 * without surrounding blanks; false when it is not a plain decimal. */
static bool normalise_number(const char *s, char *buf, size_t cap)
{
    const char *p = skip_blanks(s);
    size_t n = 0;
    bool digits = false, sep = false;

    if (*p == '-' || *p == '+') {
        if (n + 1 >= cap)
            return false;
        buf[n++] = *p++;
    }
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            digits = true;
        } else if ((*p == '.' || *p == ',') && !sep) {
            sep = true;
        } else {
            break;
        }
        if (n + 1 >= cap)
            return false;
        buf[n++] = *p == ',' ? '.' : *p;
    }
    if (!digits || !at_end(p))
        return false;
    buf[n] = '\0';
    return true;
}

bool value_parse_decimal(const char *s, double *out)
{
    char buf[64], *end;
    double v;

    if (!normalise_number(s, buf, sizeof buf))
        return false;
    /* strtod follows LC_NUMERIC; bdtx never calls setlocale, so it is "C". */
    errno = 0;
    v = strtod(buf, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool value_parse_int(const char *s, int64_t *out)
{
    char buf[64], *dot;
    char *end;
    long long v;
    size_t i;

    if (!normalise_number(s, buf, sizeof buf))
        return false;
    dot = strchr(buf, '.');
    if (dot) {
        /* "1.000" or "1,000" is one thousand to a Vietnamese reader and 1 to
         * a program: refuse it rather than guess. */
        if (strlen(dot + 1) == 3)
            return false;
        for (i = 1; dot[i]; i++)
            if (dot[i] != '0')
                return false;
        *dot = '\0';
    }
    if (buf[0] == '\0' || strcmp(buf, "-") == 0 || strcmp(buf, "+") == 0)
        return false;
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* The thousands separator at p ('.', ',', a blank, a no-break space or
 * a narrow no-break space): its length in bytes, 0 when none. */
static size_t thousands_separator(const char *p)
{
    if (*p == '.' || *p == ',' || *p == ' ')
        return 1;
    if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0)
        return 2;
    if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0xAF)
        return 3;
    return 0;
}

bool value_parse_count(const char *s, int64_t *out)
{
    const char *p = skip_blanks(s), *sep = NULL;
    size_t seplen = 0, lead = 0, k;
    int64_t v = 0;

    if (value_parse_int(s, &v)) {
        if (v < 0)
            return false;
        *out = v;
        return true;
    }
    /* Digits in groups of exactly three after a first group of one to
     * three, every separator the same: "1.242", "1,242", "1 242 000". */
    while (p[lead] >= '0' && p[lead] <= '9')
        lead++;
    if (lead == 0 || lead > 3 || p[0] == '0')
        return false;
    for (k = 0; k < lead; k++)
        v = v * 10 + (p[k] - '0');
    p += lead;
    while (*p && !at_end(p)) {
        size_t n = thousands_separator(p);

        if (n == 0 || (sep && (n != seplen || memcmp(p, sep, n) != 0)))
            return false;
        sep = p;
        seplen = n;
        p += n;
        for (k = 0; k < 3; k++) {
            if (p[k] < '0' || p[k] > '9')
                return false;
            if (v > (INT64_MAX - 9) / 10)
                return false;
            v = v * 10 + (p[k] - '0');
        }
        p += 3;
    }
    if (!sep)
        return false;
    *out = v;
    return true;
}

bool value_parse_centi(const char *s, int32_t *out)
{
    char buf[64], *dot;
    int64_t whole = 0;
    int frac = 0;
    const char *p;

    if (!normalise_number(s, buf, sizeof buf) || buf[0] == '-' || buf[0] == '+')
        return false;
    dot = strchr(buf, '.');
    if (dot) {
        size_t fl;

        *dot = '\0';
        p = dot + 1;
        fl = strlen(p);
        if (fl > 2)
            return false;
        if (fl >= 1)
            frac = (p[0] - '0') * 10;
        if (fl == 2)
            frac += p[1] - '0';
    }
    if (buf[0] == '\0')
        return false;
    for (p = buf; *p; p++) {
        whole = whole * 10 + (*p - '0');
        if (whole > 100)
            return false;
    }
    if (whole * 100 + frac > 10000)
        return false;
    *out = (int32_t)(whole * 100 + frac);
    return true;
}

bool value_account_text(const char *s, char *buf, size_t cap)
{
    const char *p = skip_blanks(s), *dot, *q;
    size_t len = strlen(p);

    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r' ||
                       p[len - 1] == '\n'))
        len--;
    /* "205125370.0" (a number a spreadsheet kept) is the account "205125370". */
    dot = memchr(p, '.', len);
    if (dot && dot > p) {
        bool numeric = true;

        for (q = p; q < dot; q++)
            if (*q < '0' || *q > '9')
                numeric = false;
        for (q = dot + 1; q < p + len; q++)
            if (*q != '0')
                numeric = false;
        if (numeric)
            len = (size_t)(dot - p);
    }
    if (len + 1 > cap)
        return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return true;
}

void value_format_double(double v, char *buf, size_t cap)
{
    int prec;

    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void value_format_centi(int32_t centi, char *buf, size_t cap)
{
    int whole = centi / 100, frac = centi % 100;

    if (frac == 0)
        snprintf(buf, cap, "%d", whole);
    else if (frac % 10 == 0)
        snprintf(buf, cap, "%d.%d", whole, frac / 10);
    else
        snprintf(buf, cap, "%d.%02d", whole, frac);
}

/* The calendar fields of t in zone (see date_of_time); false when the C
 * library cannot give them. */
static bool local_fields(time_t t, const char *zone, struct tm *tm)
{
    const char *was = getenv("TZ");
    char *saved = was ? strdup(was) : NULL;
    bool ok;

    if (zone && zone[0])
        setenv("TZ", zone, 1);
    tzset();
    ok = localtime_r(&t, tm) != NULL;
    if (saved)
        setenv("TZ", saved, 1);
    else if (zone && zone[0])
        unsetenv("TZ");
    tzset();
    free(saved);
    return ok;
}

bdtx_date date_of_time(time_t t, const char *zone)
{
    struct tm tm;

    if (!local_fields(t, zone, &tm))
        return (bdtx_date)(t / 86400);
    return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

long time_zone_offset(time_t t, const char *zone)
{
    struct tm tm;
    long long local;

    if (!local_fields(t, zone, &tm))
        return 0;
    /* The local fields read as if they were UTC, less the instant. */
    local = (long long)date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
            tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return (long)(local - (long long)t);
}
