/* Legacy Vietnamese text in UTF-8 cells: TCVN3 (ABC) and VNI as Excel keeps
 * them (the font's bytes read as Windows-1252), converted to NFC; Unicode
 * Vietnamese, and ordinary punctuation, left alone. The legacy forms are
 * written byte by byte from the encodings' published layouts. */
#include "bdtx/encoding.h"
#include "test_util.h"

static void test_converted(void **state)
{
    static const struct {
        const char *legacy, *unicode;
        enum legacy_kind kind;
    } cases[] = {
        /* TCVN3: ư 0xAD, ờ 0xEA; à 0xB5, ộ 0xE9; Ư 0xA6 in the capitals. */
        {"Tr\xc2\xad\xc3\xaang THCS", "Trường THCS", LEGACY_TCVN3},
        {"H\xc2\xb5 N\xc3\xa9i", "Hà Nội", LEGACY_TCVN3},
        {"Ho\xc2\xb5n th\xc2\xb5nh", "Hoàn thành", LEGACY_TCVN3},
        {"\xc2\xa7\xc2\xb9t", "Đạt", LEGACY_TCVN3},
        /* VNI: base letter then the diacritics byte; ư ö, ơ ô, đ ñ, ị ò. */
        {"Tr\xc3\xb6\xc3\xb4\xc3\xb8ng THCS", "Trường THCS", LEGACY_VNI},
        {"Nguye\xc3\xa3n Th\xc3\xb2 Ha\xc3\xb8", "Nguyễn Thị Hà", LEGACY_VNI},
        {"\xc3\x91" "a\xc3\xaf t", "Đạ t", LEGACY_VNI},
        {"Ho\xc3\xa0n th\xc3\xa0nh", "Hoàn thành", LEGACY_NONE},   /* plain Unicode */
        {"TR\xc3\x96\xc3\x94\xc3\x98NG", "TRƯỜNG", LEGACY_VNI},
        {"Ch\xc3\xb6" "a hoa\xc3\xb8n tha\xc3\xb8nh", "Chưa hoàn thành", LEGACY_VNI},
        {"Ba\xc3\xaf\xc3\xa9" "c", NULL, LEGACY_TCVN3},   /* not VNI (two marks): TCVN3 */
        /* Bytes 0x80..0x9F, read as Windows-1252 letters and signs whose
         * UTF-8 starts with C5 (Š), C6 (ƒ), CB (ˆ) and E2 (€). */
        {"B\xc5\xa0", NULL, LEGACY_TCVN3},
        {"B\xc6\x92", NULL, LEGACY_TCVN3},
        {"B\xcb\x86", NULL, LEGACY_TCVN3},
        {"\xc5\xa0\xe2\x82\xac", NULL, LEGACY_TCVN3},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        char *out = NULL;
        enum legacy_kind kind = legacy_convert(cases[i].legacy, strlen(cases[i].legacy), &out);

        if (kind != cases[i].kind)
            fail_msg("'%s': kind %d, expected %d", cases[i].legacy, kind, cases[i].kind);
        if (kind == LEGACY_NONE) {
            assert_null(out);
            continue;
        }
        assert_non_null(out);
        if (cases[i].unicode)
            assert_string_equal(out, cases[i].unicode);
        free(out);
    }
}

static void test_left_alone(void **state)
{
    static const char *const cells[] = {
        "Trường THCS Kim Đồng", "Tô Hà", "Lê Văn Tám", "Nguyễn Thị Hà", "205125370",
        "Café", "Hà \xe2\x80\x93 Nội", "\xe2\x80\x9cĐạt\xe2\x80\x9d", "a\xc2\xa0" "b", "",
        "Mầm non Hoa Sen", "Tổng cộng: 45 lượt",
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cells); i++) {
        char *out = NULL;

        if (legacy_convert(cells[i], strlen(cells[i]), &out) != LEGACY_NONE)
            fail_msg("'%s' converted to '%s'", cells[i], out);
        assert_null(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_converted),
        cmocka_unit_test(test_left_alone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
