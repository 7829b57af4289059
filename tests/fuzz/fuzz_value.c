/* Value parsing: numbers, dates, weeks, thresholds and accounts, with the
 * round trips that must hold for what was accepted. */
#include <stdlib.h>
#include <string.h>

#include "bdtx/text.h"
#include "bdtx/value.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    char buf[64], small[8];
    bdtx_date d, d2;
    int64_t i64;
    int32_t centi, centi2;
    double dbl;
    int y, w, y2, w2, yy, mm, dd;

    if (value_parse_date(s, &d)) {
        date_to_ymd(d, &yy, &mm, &dd);
        if (!date_valid_ymd(yy, mm, dd) || date_from_ymd(yy, mm, dd) != d)
            abort();
        date_format_iso(d, buf);
        if (!value_parse_date(buf, &d2) || d2 != d)
            abort();
        date_format_vn(d, buf);
        if (!value_parse_date(buf, &d2) || d2 != d)
            abort();
        date_iso_week(d, &y, &w);
        if (!date_week_sunday(y, w, &d2) || d2 < d || d2 - d > 6 || date_weekday(d2) != 7)
            abort();
    }
    if (value_parse_serial_date(s, &d)) {
        date_format_iso(d, buf);
        if (!value_parse_date(buf, &d2) || d2 != d)
            abort();
    }
    if (value_parse_week(s, &y, &w)) {
        if (date_week_sunday(y, w, &d)) {
            date_iso_week(d, &y2, &w2);
            if (y2 != y || w2 != w)
                abort();
        }
    }
    (void)value_parse_int(s, &i64);
    if (value_parse_decimal(s, &dbl)) {
        /* Printed for JSON, where an exponent is fine: read back with strtod. */
        value_format_double(dbl, buf, sizeof buf);
        if (strtod(buf, NULL) != dbl)
            abort();
    }
    if (value_parse_centi(s, &centi)) {
        value_format_centi(centi, buf, sizeof buf);
        if (!value_parse_centi(buf, &centi2) || centi2 != centi)
            abort();
    }
    if (value_account_text(s, small, sizeof small) && strlen(small) >= sizeof small)
        abort();
    if (value_account_text(s, buf, sizeof buf) && strlen(buf) >= sizeof buf)
        abort();
    free(text_key(s));
    free(text_nfc(s));
    (void)text_valid_utf8(s, size);
    free(s);
    return 0;
}
