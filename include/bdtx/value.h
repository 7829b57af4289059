/* Locale-free parsing and printing of the values found in exports:
 * integers, decimals with a comma or a point, dates, ISO weeks. */
#ifndef BDTX_VALUE_H
#define BDTX_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A calendar date as days since 1970-01-01 (proleptic Gregorian). */
typedef int32_t bdtx_date;

bdtx_date date_from_ymd(int y, int m, int d);
/* The calendar day of the instant t in the time zone zone ("Asia/Ho_Chi_Minh";
 * NULL or "": the process's own). */
bdtx_date date_of_time(time_t t, const char *zone);
/* Seconds east of UTC of the time zone zone at the instant t (Asia/Ho_Chi_Minh:
 * 25200; NULL or "": the process's own zone). Both set the process's TZ for
 * the call: not to be called while other threads read the clock's zone. */
long time_zone_offset(time_t t, const char *zone);
void date_to_ymd(bdtx_date day, int *y, int *m, int *d);
bool date_valid_ymd(int y, int m, int d);
/* 1 = Monday ... 7 = Sunday */
int date_weekday(bdtx_date day);
/* ISO 8601 week of a date: year and week number. */
void date_iso_week(bdtx_date day, int *iso_year, int *week);
/* The Sunday ending ISO week (year, week); false when week does not exist. */
bool date_week_sunday(int iso_year, int week, bdtx_date *out);
/* "yyyy-mm-dd" into buf (at least 11 bytes). */
void date_format_iso(bdtx_date day, char *buf);
/* "dd/mm/yyyy" into buf (at least 11 bytes). */
void date_format_vn(bdtx_date day, char *buf);

/* Parse a whole string (surrounding blanks allowed) as a date:
 * dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or yyyy-mm-dd. */
bool value_parse_date(const char *s, bdtx_date *out);
/* A spreadsheet serial day number (1900 date system) as text, e.g. "44115". */
bool value_parse_serial_date(const char *s, bdtx_date *out);
/* "YYYY-Www" */
bool value_parse_week(const char *s, int *iso_year, int *week);

/* A non-negative or negative whole number; "12.0" and "12,0" are accepted. */
bool value_parse_int(const char *s, int64_t *out);
/* A count: a whole number, not negative, as value_parse_int reads it or
 * with a thousands separator ('.', ',', a blank or a no-break space, the
 * same throughout) between groups of exactly three digits ("1.242" is
 * 1242). A fraction, or groups of another size, is not a count. */
bool value_parse_count(const char *s, int64_t *out);
/* A decimal number with a point or a comma as the decimal separator
 * (no thousands separators), parsed without the C locale. */
bool value_parse_decimal(const char *s, double *out);
/* A percentage threshold with at most two decimals, as hundredths: "80" -> 8000. */
bool value_parse_centi(const char *s, int32_t *out);

/* An account or code that a spreadsheet may have stored as a number:
 * "205125370.0" -> "205125370". Writes at most cap bytes; returns false if it
 * does not fit. Text that is not such a number is copied unchanged. */
bool value_account_text(const char *s, char *buf, size_t cap);

/* A percentage in hundredths as the shortest decimal: 8000 -> "80", 8050 -> "80.5". */
void value_format_centi(int32_t centi, char *buf, size_t cap);

/* Shortest "%.*g" text that reads back as the same double, in the C locale. */
void value_format_double(double v, char *buf, size_t cap);

#endif
