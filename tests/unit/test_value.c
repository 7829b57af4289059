/* Locale-free values: the civil calendar and ISO weeks, dates as officers
 * write them and as spreadsheets store them, whole and decimal numbers,
 * thresholds, accounts kept as numbers, and doubles printed back.
 * Every expected day number and week was computed apart from this code
 * (Python's datetime), never by running it. */
#include <inttypes.h>

#include "bdtx/value.h"
#include "test_util.h"

struct ymd {
    int y, m, d;
};

/* Days since 1970-01-01 and ISO weekday and week of known dates. */
static const struct {
    struct ymd date;
    bdtx_date day;
    int weekday;
    int iso_year, week;
} calendar[] = {
    {{1970, 1, 1}, 0, 4, 1970, 1},
    {{1969, 12, 31}, -1, 3, 1970, 1},
    {{1900, 1, 1}, -25567, 1, 1900, 1},
    {{1900, 3, 1}, -25508, 4, 1900, 9},
    {{2000, 2, 29}, 11016, 2, 2000, 9},
    {{2000, 3, 1}, 11017, 3, 2000, 9},
    {{2020, 2, 29}, 18321, 6, 2020, 9},
    {{2024, 2, 29}, 19782, 4, 2024, 9},
    {{2100, 2, 28}, 47540, 7, 2100, 8},
    {{2100, 3, 1}, 47541, 1, 2100, 9},
    {{2020, 10, 4}, 18539, 7, 2020, 40},
    {{2021, 1, 3}, 18630, 7, 2020, 53},
    {{2024, 12, 30}, 20087, 1, 2025, 1},
    {{9999, 12, 31}, 2932896, 5, 9999, 52},
};

static void test_calendar(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N(calendar); i++) {
        const struct ymd *c = &calendar[i].date;
        int y, m, d, iso_year, week;
        bdtx_date day = date_from_ymd(c->y, c->m, c->d);

        if (day != calendar[i].day)
            fail_msg("%04d-%02d-%02d: day %" PRId32 ", expected %" PRId32, c->y, c->m, c->d,
                     day, calendar[i].day);
        date_to_ymd(calendar[i].day, &y, &m, &d);
        if (y != c->y || m != c->m || d != c->d)
            fail_msg("day %" PRId32 ": %04d-%02d-%02d, expected %04d-%02d-%02d",
                     calendar[i].day, y, m, d, c->y, c->m, c->d);
        if (date_weekday(day) != calendar[i].weekday)
            fail_msg("%04d-%02d-%02d: weekday %d, expected %d", c->y, c->m, c->d,
                     date_weekday(day), calendar[i].weekday);
        date_iso_week(day, &iso_year, &week);
        if (iso_year != calendar[i].iso_year || week != calendar[i].week)
            fail_msg("%04d-%02d-%02d: %d-W%02d, expected %d-W%02d", c->y, c->m, c->d,
                     iso_year, week, calendar[i].iso_year, calendar[i].week);
    }
}

/* Every day of four centuries goes to a date and back to the same day. */
static void test_calendar_round_trip(void **state)
{
    bdtx_date day, first = date_from_ymd(1900, 1, 1), last = date_from_ymd(2300, 12, 31);
    int y, m, d;

    (void)state;
    assert_int_equal(last - first + 1, 146097 + 365);
    for (day = first; day <= last; day++) {
        date_to_ymd(day, &y, &m, &d);
        if (!date_valid_ymd(y, m, d) || date_from_ymd(y, m, d) != day)
            fail_msg("day %" PRId32 " -> %04d-%02d-%02d does not come back", day, y, m, d);
        if (date_weekday(day) != date_weekday(day - 7))
            fail_msg("day %" PRId32 ": weekday differs from a week before", day);
    }
}

static void test_date_valid(void **state)
{
    static const struct {
        struct ymd date;
        bool valid;
    } cases[] = {
        {{2020, 2, 29}, true},  {{2000, 2, 29}, true},  {{2100, 2, 28}, true},
        {{1900, 1, 1}, true},   {{9999, 12, 31}, true}, {{2020, 12, 31}, true},
        {{2020, 4, 30}, true},
        {{2100, 2, 29}, false}, {{1900, 2, 29}, false}, {{2021, 2, 29}, false},
        {{2020, 2, 30}, false}, {{2020, 4, 31}, false}, {{2020, 0, 1}, false},
        {{2020, 13, 1}, false}, {{2020, 1, 0}, false},  {{2020, 1, 32}, false},
        {{1899, 12, 31}, false}, {{10000, 1, 1}, false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        const struct ymd *c = &cases[i].date;

        if (date_valid_ymd(c->y, c->m, c->d) != cases[i].valid)
            fail_msg("%04d-%02d-%02d: expected %s", c->y, c->m, c->d,
                     cases[i].valid ? "valid" : "invalid");
    }
}

static void test_week_sunday(void **state)
{
    static const struct {
        int iso_year, week;
        bool exists;
        struct ymd sunday;
    } cases[] = {
        {2020, 40, true, {2020, 10, 4}},
        {2020, 53, true, {2021, 1, 3}},
        {2020, 1, true, {2020, 1, 5}},
        {2015, 53, true, {2016, 1, 3}},
        {2025, 1, true, {2025, 1, 5}},
        {2026, 53, true, {2027, 1, 3}},
        {2021, 53, false, {0, 0, 0}},
        {2019, 53, false, {0, 0, 0}},
        {2022, 53, false, {0, 0, 0}},
        {2020, 0, false, {0, 0, 0}},
        {2020, 54, false, {0, 0, 0}},
        {2020, -1, false, {0, 0, 0}},
        {1899, 10, false, {0, 0, 0}},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        bdtx_date out = -12345;
        bool ok = date_week_sunday(cases[i].iso_year, cases[i].week, &out);

        if (ok != cases[i].exists)
            fail_msg("%d-W%02d: expected %s", cases[i].iso_year, cases[i].week,
                     cases[i].exists ? "a Sunday" : "no such week");
        if (!ok) {
            assert_int_equal(out, -12345);
            continue;
        }
        if (out != date_from_ymd(cases[i].sunday.y, cases[i].sunday.m, cases[i].sunday.d))
            fail_msg("%d-W%02d: Sunday is day %" PRId32 ", expected %04d-%02d-%02d",
                     cases[i].iso_year, cases[i].week, out, cases[i].sunday.y,
                     cases[i].sunday.m, cases[i].sunday.d);
        assert_int_equal(date_weekday(out), 7);
    }
}

static void test_format(void **state)
{
    char iso[11], vn[11];

    (void)state;
    date_format_iso(date_from_ymd(2020, 10, 4), iso);
    date_format_vn(date_from_ymd(2020, 10, 4), vn);
    assert_string_equal(iso, "2020-10-04");
    assert_string_equal(vn, "04/10/2020");
    date_format_iso(0, iso);
    date_format_vn(0, vn);
    assert_string_equal(iso, "1970-01-01");
    assert_string_equal(vn, "01/01/1970");
    date_format_iso(date_from_ymd(9999, 12, 31), iso);
    assert_string_equal(iso, "9999-12-31");
}

struct date_case {
    const char *text;
    bool ok;
    struct ymd date;
};

static const struct date_case date_cases[] = {
    {"04/10/2020", true, {2020, 10, 4}},
    {"4/10/2020", true, {2020, 10, 4}},
    {"4/1/2021", true, {2021, 1, 4}},
    {"2020-10-04", true, {2020, 10, 4}},
    {"04-10-2020", true, {2020, 10, 4}},
    {"04.10.2020", true, {2020, 10, 4}},
    {"29/02/2020", true, {2020, 2, 29}},
    {"29/02/2000", true, {2000, 2, 29}},
    {"28/02/2100", true, {2100, 2, 28}},
    {"25/10/2020 08:30", true, {2020, 10, 25}},
    {"25/10/2020 08:30:15", true, {2020, 10, 25}},
    {"2020-10-25T08:30:00", true, {2020, 10, 25}},
    {"25/10/2020 08:xx", false, {0, 0, 0}},
    {"25/10/2020 25:00", false, {0, 0, 0}},
    {"  04/10/2020  ", true, {2020, 10, 4}},
    {"\t04/10/2020\r\n", true, {2020, 10, 4}},
    {"31/02/2020", false, {0, 0, 0}},
    {"29/02/2021", false, {0, 0, 0}},
    {"29/02/2100", false, {0, 0, 0}},
    {"32/01/2020", false, {0, 0, 0}},
    {"01/13/2020", false, {0, 0, 0}},
    {"00/10/2020", false, {0, 0, 0}},
    {"2020/10/04", false, {0, 0, 0}},
    {"2020.10.04", false, {0, 0, 0}},
    {"04/10-2020", false, {0, 0, 0}},
    {"04/10/2020x", false, {0, 0, 0}},
    {"04/10/2020 abc", false, {0, 0, 0}},
    {"04/10", false, {0, 0, 0}},
    {"04/10/", false, {0, 0, 0}},
    {"04/10/20201", false, {0, 0, 0}},
    {"1/1/20", false, {0, 0, 0}},
    {"01/01/1899", false, {0, 0, 0}},
    {"abc", false, {0, 0, 0}},
    {"", false, {0, 0, 0}},
    {"   ", false, {0, 0, 0}},
    {"44115", false, {0, 0, 0}},
};

static void test_parse_date(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N(date_cases); i++) {
        const struct date_case *c = &date_cases[i];
        bdtx_date out = -12345;
        bool ok = value_parse_date(c->text, &out);

        if (ok != c->ok)
            fail_msg("\"%s\": expected %s", c->text, c->ok ? "a date" : "a rejection");
        if (!ok) {
            assert_int_equal(out, -12345);
        } else if (out != date_from_ymd(c->date.y, c->date.m, c->date.d)) {
            char got[11];

            date_format_iso(out, got);
            fail_msg("\"%s\": %s, expected %04d-%02d-%02d", c->text, got, c->date.y,
                     c->date.m, c->date.d);
        }
    }
}

/* Spreadsheet serials count 1900-01-01 as 1 and keep Lotus's 29 February
 * 1900 as 60, so 59 and 61 are the days either side of the gap. */
static void test_parse_serial_date(void **state)
{
    static const struct date_case cases[] = {
        {"44115", true, {2020, 10, 11}},
        {"44120", true, {2020, 10, 16}},
        {"30288", true, {1982, 12, 3}},
        {"44115.75", true, {2020, 10, 11}},
        {"44115,5", true, {2020, 10, 11}},
        {" 44115 ", true, {2020, 10, 11}},
        {"1", true, {1900, 1, 1}},
        {"59", true, {1900, 2, 28}},
        {"61", true, {1900, 3, 1}},
        {"62", true, {1900, 3, 2}},
        {"2958465", true, {9999, 12, 31}},
        {"0", false, {0, 0, 0}},
        {"0.5", false, {0, 0, 0}},
        {"-1", false, {0, 0, 0}},
        {"2958466", false, {0, 0, 0}},
        {"04/10/2020", false, {0, 0, 0}},
        {"abc", false, {0, 0, 0}},
        {"", false, {0, 0, 0}},
    };
    bdtx_date out;
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        const struct date_case *c = &cases[i];
        bool ok;

        out = -12345;
        ok = value_parse_serial_date(c->text, &out);
        if (ok != c->ok)
            fail_msg("serial \"%s\": expected %s", c->text, c->ok ? "a date" : "a rejection");
        if (!ok) {
            assert_int_equal(out, -12345);
        } else if (out != date_from_ymd(c->date.y, c->date.m, c->date.d)) {
            char got[11];

            date_format_iso(out, got);
            fail_msg("serial \"%s\": %s, expected %04d-%02d-%02d", c->text, got, c->date.y,
                     c->date.m, c->date.d);
        }
    }
    /* 60 names a day that never was: it may only land beside the gap. */
    assert_true(value_parse_serial_date("60", &out));
    assert_true(out == date_from_ymd(1900, 2, 28) || out == date_from_ymd(1900, 3, 1));
}

static void test_parse_week(void **state)
{
    static const struct {
        const char *text;
        bool ok;
        int iso_year, week;
    } cases[] = {
        {"2020-W40", true, 2020, 40},
        {"2020-w40", true, 2020, 40},
        {"2020-W01", true, 2020, 1},
        {"2020-W53", true, 2020, 53},
        {"2025-W01", true, 2025, 1},
        {"2021-W53", false, 0, 0},
        {"2020-W00", false, 0, 0},
        {"2020-W54", false, 0, 0},
        {"2020-W99", false, 0, 0},
        {"2020-W4", false, 0, 0},
        {"2020-W400", false, 0, 0},
        {"2020W40", false, 0, 0},
        {"2020-40", false, 0, 0},
        {"20-W40", false, 0, 0},
        {"2020-W40 x", false, 0, 0},
        {"", false, 0, 0},
        {"abc", false, 0, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        int y = -1, w = -1;
        bool ok = value_parse_week(cases[i].text, &y, &w);

        if (ok != cases[i].ok)
            fail_msg("\"%s\": expected %s", cases[i].text, cases[i].ok ? "a week" : "a rejection");
        if (ok && (y != cases[i].iso_year || w != cases[i].week))
            fail_msg("\"%s\": %d-W%02d, expected %d-W%02d", cases[i].text, y, w,
                     cases[i].iso_year, cases[i].week);
        if (!ok && (y != -1 || w != -1))
            fail_msg("\"%s\": rejected but wrote its outputs", cases[i].text);
    }
}

static void test_parse_int(void **state)
{
    static const struct {
        const char *text;
        bool ok;
        int64_t value;
    } cases[] = {
        {"12", true, 12},
        {"12.0", true, 12},
        {"12,0", true, 12},
        {" 7 ", true, 7},
        {"\t7\r\n", true, 7},
        {"-3", true, -3},
        {"+5", true, 5},
        {"0", true, 0},
        {"007", true, 7},
        {"205125370", true, 205125370},
        {"205125370.0", true, 205125370},
        {"9223372036854775807", true, INT64_MAX},
        {"-9223372036854775808", true, INT64_MIN},
        {"12.5", false, 0},
        /* a thousands separator, not a decimal part: refused, not read as 1 */
        {"1.000", false, 0},
        {"1,000", false, 0},
        {"12,05", false, 0},
        {"1e3", false, 0},
        {"1 000", false, 0},
        {"1.000.000", false, 0},
        {"", false, 0},
        {"   ", false, 0},
        {"-", false, 0},
        {".0", false, 0},
        {"abc", false, 0},
        {"12abc", false, 0},
        {"0x10", false, 0},
        {"9223372036854775808", false, 0},
        {"9999999999999999999999", false, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        int64_t out = -12345;
        bool ok = value_parse_int(cases[i].text, &out);

        if (ok != cases[i].ok)
            fail_msg("\"%s\": expected %s", cases[i].text,
                     cases[i].ok ? "a number" : "a rejection");
        if (ok && out != cases[i].value)
            fail_msg("\"%s\": %" PRId64 ", expected %" PRId64, cases[i].text, out,
                     cases[i].value);
        if (!ok && out != -12345)
            fail_msg("\"%s\": rejected but wrote %" PRId64, cases[i].text, out);
    }
}

/* Counts as officers write them: thousands separators between groups of
 * exactly three digits; fractions and other groupings refused. */
static void test_parse_count(void **state)
{
    static const struct {
        const char *text;
        bool ok;
        int64_t value;
    } cases[] = {
        {"1242", true, 1242},
        {"1242.0", true, 1242},
        {"1.242", true, 1242},
        {"1,242", true, 1242},
        {"1 242", true, 1242},
        {"1\xc2\xa0" "242", true, 1242},
        {"1\xe2\x80\xaf" "242", true, 1242},
        {" 12.345.678 ", true, 12345678},
        {"1,000,000", true, 1000000},
        {"999", true, 999},
        {"0", true, 0},
        {"1.000", true, 1000},
        {"1,5", false, 0},
        {"1.24", false, 0},
        {"1.2420", false, 0},
        {"12.34.567", false, 0},
        {"1.242,5", false, 0},
        {"1.242 000", false, 0},
        {"1,242.000", false, 0},
        {"1234.567", false, 0},
        {"0.242", false, 0},
        {".242", false, 0},
        {"-1.242", false, 0},
        {"-3", false, 0},
        {"1\xc2\xa0" "24", false, 0},
        {"9.223.372.036.854.775.808", false, 0},
        {"84,9%", false, 0},
        {"", false, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        int64_t out = -12345;
        bool ok = value_parse_count(cases[i].text, &out);

        if (ok != cases[i].ok)
            fail_msg("\"%s\": expected %s", cases[i].text,
                     cases[i].ok ? "a count" : "a rejection");
        if (ok && out != cases[i].value)
            fail_msg("\"%s\": %" PRId64 ", expected %" PRId64, cases[i].text, out,
                     cases[i].value);
        if (!ok && out != -12345)
            fail_msg("\"%s\": rejected but wrote %" PRId64, cases[i].text, out);
    }
}

static void test_parse_decimal(void **state)
{
    static const struct {
        const char *text;
        bool ok;
        double value;
    } cases[] = {
        {"7,6", true, 7.6},
        {"7.6", true, 7.6},
        {"7,5", true, 7.5},
        {" 0,25 ", true, 0.25},
        {"-1,25", true, -1.25},
        {"10", true, 10.0},
        {"100", true, 100.0},
        {"0", true, 0.0},
        {"44115.75", true, 44115.75},
        {"1,2,3", false, 0},
        {"1.2.3", false, 0},
        {"1.000,5", false, 0},
        {"1 000", false, 0},
        {"1e3", false, 0},
        {"nan", false, 0},
        {"inf", false, 0},
        {",", false, 0},
        {"-", false, 0},
        {"", false, 0},
        {"abc", false, 0},
        {"7,6%", false, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        double out = -12345.0;
        bool ok = value_parse_decimal(cases[i].text, &out);

        if (ok != cases[i].ok)
            fail_msg("\"%s\": expected %s", cases[i].text,
                     cases[i].ok ? "a number" : "a rejection");
        /* The same text with a point, read by the C library, is the same double. */
        if (ok && out != cases[i].value)
            fail_msg("\"%s\": %.17g, expected %.17g", cases[i].text, out, cases[i].value);
        if (!ok && out != -12345.0)
            fail_msg("\"%s\": rejected but wrote %.17g", cases[i].text, out);
    }
}

static void test_parse_centi(void **state)
{
    static const struct {
        const char *text;
        bool ok;
        int32_t value;
    } cases[] = {
        {"80", true, 8000},
        {"80.5", true, 8050},
        {"80,5", true, 8050},
        {"50,25", true, 5025},
        {"50.25", true, 5025},
        {"0", true, 0},
        {"0.01", true, 1},
        {"99.99", true, 9999},
        {"100", true, 10000},
        {"100.0", true, 10000},
        {"100,00", true, 10000},
        {" 75 ", true, 7500},
        {"100.01", false, 0},
        {"101", false, 0},
        {"1000", false, 0},
        {"80.123", false, 0},
        {"80,125", false, 0},
        {"-1", false, 0},
        {"-0.5", false, 0},
        {"abc", false, 0},
        {"80%", false, 0},
        {"", false, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        int32_t out = -12345;
        bool ok = value_parse_centi(cases[i].text, &out);

        if (ok != cases[i].ok)
            fail_msg("\"%s\": expected %s", cases[i].text,
                     cases[i].ok ? "a threshold" : "a rejection");
        if (ok && out != cases[i].value)
            fail_msg("\"%s\": %" PRId32 ", expected %" PRId32, cases[i].text, out,
                     cases[i].value);
        if (!ok && out != -12345)
            fail_msg("\"%s\": rejected but wrote %" PRId32, cases[i].text, out);
    }
}

static void test_account_text(void **state)
{
    static const struct {
        const char *text;
        size_t cap;
        bool ok;
        const char *want;
    } cases[] = {
        {"205125370.0", 32, true, "205125370"},
        {"205125370.00", 32, true, "205125370"},
        {"205125370", 32, true, "205125370"},
        {" bad62767 ", 32, true, "bad62767"},
        {"bad62767\r\n", 32, true, "bad62767"},
        {"\t205125370.0\r", 32, true, "205125370"},
        {"1.5", 32, true, "1.5"},
        {"205125370.01", 32, true, "205125370.01"},
        {"abc.0", 32, true, "abc.0"},
        {".0", 32, true, ".0"},
        {"Nguyễn Văn A", 32, true, "Nguyễn Văn A"},
        {"", 32, true, ""},
        {"   ", 32, true, ""},
        /* The copy and its NUL must fit: "205125370" needs 10 bytes. */
        {"205125370.0", 10, true, "205125370"},
        {"205125370.0", 9, false, NULL},
        {"bad62767", 9, true, "bad62767"},
        {"bad62767", 8, false, NULL},
        {"", 1, true, ""},
        {"x", 1, false, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        char buf[32];
        bool ok;

        assert_true(cases[i].cap <= sizeof buf);
        memset(buf, '#', sizeof buf);
        ok = value_account_text(cases[i].text, buf, cases[i].cap);
        if (ok != cases[i].ok)
            fail_msg("\"%s\" in %zu bytes: expected %s", cases[i].text, cases[i].cap,
                     cases[i].ok ? "success" : "false");
        if (ok && strcmp(buf, cases[i].want) != 0)
            fail_msg("\"%s\": \"%s\", expected \"%s\"", cases[i].text, buf, cases[i].want);
        /* Nothing is written past cap. */
        if (cases[i].cap < sizeof buf && buf[cases[i].cap] != '#')
            fail_msg("\"%s\": wrote past %zu bytes", cases[i].text, cases[i].cap);
    }
}

static void test_format_double(void **state)
{
    static const struct {
        double value;
        const char *want;
    } cases[] = {
        {0.8125, "0.8125"},
        {0.0, "0"},
        {1.0, "1"},
        {-2.5, "-2.5"},
        {0.1, "0.1"},
        {100.0, "100"},
        {7.6, "7.6"},
        {1.0 / 3.0, "0.3333333333333333"},
        {2.0 / 3.0, "0.6666666666666666"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1e21, "1e+21"},
        {1e-7, "1e-07"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        char buf[64];

        value_format_double(cases[i].value, buf, sizeof buf);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%.17g: \"%s\", expected \"%s\"", cases[i].value, buf, cases[i].want);
        if (strtod(buf, NULL) != cases[i].value)
            fail_msg("%.17g: \"%s\" does not read back", cases[i].value, buf);
    }
}

/* The clock in a province's zone: the day and the offset of fixed instants
 * (seconds since the epoch), each known from the zone database's rules;
 * the process's own TZ is left as it was. */
static void test_time_zone(void **state)
{
    static const struct {
        int64_t t;
        const char *zone;
        struct ymd day;
        long offset;
    } cases[] = {
        /* 2020-10-11 17:30:00 UTC: already the 12th in Hà Nội (UTC+7). */
        {1602437400, "Asia/Ho_Chi_Minh", {2020, 10, 12}, 25200},
        {1602437400, "UTC", {2020, 10, 11}, 0},
        /* 2021-07-01 12:00:00 UTC: New York in summer time (UTC-4). */
        {1625140800, "America/New_York", {2021, 7, 1}, -14400},
        /* 2021-01-01 03:00:00 UTC: still the 31st in New York (UTC-5). */
        {1609470000, "America/New_York", {2020, 12, 31}, -18000},
        /* Kathmandu's offset is not whole hours: UTC+5:45. */
        {1609470000, "Asia/Kathmandu", {2021, 1, 1}, 20700},
    };
    const char *was = getenv("TZ");
    char *saved = was ? strdup(was) : NULL;
    size_t i;

    (void)state;
    setenv("TZ", "Europe/Paris", 1);
    for (i = 0; i < N(cases); i++) {
        bdtx_date day = date_of_time((time_t)cases[i].t, cases[i].zone);
        long off = time_zone_offset((time_t)cases[i].t, cases[i].zone);
        int y, m, d;

        date_to_ymd(day, &y, &m, &d);
        if (y != cases[i].day.y || m != cases[i].day.m || d != cases[i].day.d)
            fail_msg("%" PRId64 " in %s: %04d-%02d-%02d, expected %04d-%02d-%02d", cases[i].t,
                     cases[i].zone, y, m, d, cases[i].day.y, cases[i].day.m, cases[i].day.d);
        if (off != cases[i].offset)
            fail_msg("%" PRId64 " in %s: offset %ld, expected %ld", cases[i].t, cases[i].zone,
                     off, cases[i].offset);
        assert_string_equal(getenv("TZ"), "Europe/Paris");
    }
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    free(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_calendar_round_trip),
        cmocka_unit_test(test_date_valid),
        cmocka_unit_test(test_week_sunday),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_parse_serial_date),
        cmocka_unit_test(test_parse_week),
        cmocka_unit_test(test_parse_int),
        cmocka_unit_test(test_parse_count),
        cmocka_unit_test(test_parse_decimal),
        cmocka_unit_test(test_parse_centi),
        cmocka_unit_test(test_account_text),
        cmocka_unit_test(test_format_double),
        cmocka_unit_test(test_time_zone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
