/* Unicode text: NFC normalisation of precomposed and combining Vietnamese,
 * the comparison keys built from it, and the validity and blank checks.
 * Text written here as UTF-8 is precomposed (NFC); decomposed (NFD) text
 * is written byte by byte, as the week-03 fixture export has it. */
#include <utf8proc.h>

#include "bdtx/text.h"
#include "test_util.h"

/* The same words decomposed (as the NFD exports write them), precomposed,
 * and their comparison key. */
static const struct {
    const char *nfd, *nfc, *key;
} forms[] = {
    {"Hoa\xcc\x80n tha\xcc\x80nh", "Hoàn thành", "hoàn thành"},
    {"HOA\xcc\x80N THA\xcc\x80NH", "HOÀN THÀNH", "hoàn thành"},
    {"\xc4\x90" "a\xcc\x83 hoa\xcc\x80n tha\xcc\x80nh", "Đã hoàn thành", "đã hoàn thành"},
    {"Chu\xcc\x9b" "a hoa\xcc\x80n tha\xcc\x80nh", "Chưa hoàn thành", "chưa hoàn thành"},
    {"\xc4\x90" "ang ho\xcc\xa3" "c", "Đang học", "đang học"},
    {"Chu\xcc\x9b" "a ho\xcc\xa3" "c", "Chưa học", "chưa học"},
    {"Chu\xcc\x9b" "a ba\xcc\x86\xcc\x81t \xc4\x91" "a\xcc\x82\xcc\x80u", "Chưa bắt đầu",
     "chưa bắt đầu"},
    {"Chu\xcc\x9b" "a \xc4\x91" "a\xcc\xa3t", "Chưa đạt", "chưa đạt"},
    {"\xc4\x90" "a\xcc\xa3t", "Đạt", "đạt"},
    {"\xc4\x90" "A\xcc\xa3T", "ĐẠT", "đạt"},
    {"Te\xcc\x82n \xc4\x91" "a\xcc\x86ng nha\xcc\xa3\xcc\x82p", "Tên đăng nhập", "tên đăng nhập"},
    {"Nga\xcc\x80y tha\xcc\x81ng na\xcc\x86m sinh", "Ngày tháng năm sinh", "ngày tháng năm sinh"},
    {"Tru\xcc\x9bo\xcc\x9b\xcc\x80ng", "Trường", "trường"},
    {"Tie\xcc\x82\xcc\x81n \xc4\x91o\xcc\xa3\xcc\x82", "Tiến độ", "tiến độ"},
    {"\xc4\x90ie\xcc\x82\xcc\x89m TB", "Điểm TB", "điểm tb"},
    {"Ke\xcc\x82\xcc\x81t qua\xcc\x89", "Kết quả", "kết quả"},
    {"To\xcc\x82\xcc\x89ng so\xcc\x82\xcc\x81 gia\xcc\x81o vie\xcc\x82n hoa\xcc\x80n tha\xcc\x80nh "
     "tu\xcc\x9b\xcc\xa3 \xc4\x91" "a\xcc\x81nh gia\xcc\x81",
     "Tổng số giáo viên hoàn thành tự đánh giá",
     "tổng số giáo viên hoàn thành tự đánh giá"},
    {"Hu\xcc\x9bo\xcc\x9b\xcc\x81ng da\xcc\x82\xcc\x83n thu\xcc\x9b\xcc\xa3" "c "
     "hie\xcc\xa3\xcc\x82n "
     "Chu\xcc\x9bo\xcc\x9bng tri\xcc\x80nh gia\xcc\x81o du\xcc\xa3" "c "
     "pho\xcc\x82\xcc\x89 tho\xcc\x82ng 2018",
     "Hướng dẫn thực hiện Chương trình giáo dục phổ thông 2018",
     "hướng dẫn thực hiện chương trình giáo dục phổ thông 2018"},
    {"Nguye\xcc\x82\xcc\x83n Thi\xcc\xa3 Ngo\xcc\xa3" "c A\xcc\x81nh", "Nguyễn Thị Ngọc Ánh",
     "nguyễn thị ngọc ánh"},
};

/* One input and its expected output; want NULL: the input is rejected. */
struct text_case {
    const char *in, *want;
};

static void check_cases(char *(*fn)(const char *), const struct text_case *cases, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char *out = fn(cases[i].in);

        if (!cases[i].want && out)
            fail_msg("case %zu: invalid UTF-8 gave \"%s\"", i, out);
        if (cases[i].want && !str_same(out, cases[i].want))
            fail_msg("case %zu: \"%s\", expected \"%s\"", i, str_shown(out), cases[i].want);
        free(out);
    }
}

static void test_nfc_forms(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N(forms); i++) {
        char *from_nfd = text_nfc(forms[i].nfd), *from_nfc = text_nfc(forms[i].nfc);

        if (!str_same(from_nfd, forms[i].nfc))
            fail_msg("NFD of \"%s\" composes to \"%s\"", forms[i].nfc, str_shown(from_nfd));
        if (!str_same(from_nfc, forms[i].nfc))
            fail_msg("\"%s\" (already NFC) came out as \"%s\"", forms[i].nfc,
                     str_shown(from_nfc));
        free(from_nfd);
        free(from_nfc);
    }
}

static void test_nfc(void **state)
{
    static const struct text_case cases[] = {
        {"", ""},
        {"STT", "STT"},
        /* A combining mark joins the letter before it: o + grave is ò. */
        {"Ho\xcc\x80" "an", "H\xc3\xb2" "an"},
        /* Dot below and circumflex in either order are the same ệ. */
        {"e\xcc\xa3\xcc\x82", "\xe1\xbb\x87"},
        {"e\xcc\x82\xcc\xa3", "\xe1\xbb\x87"},
        /* NFC is not NFKC: a ligature and a no-break space stay. */
        {"\xef\xac\x81", "\xef\xac\x81"},
        {"a\xc2\xa0" "b", "a\xc2\xa0" "b"},
        /* Case and blanks are left as they are. */
        {"  Ho\xcc\x80  ", "  H\xc3\xb2  "},
        {"\xff", NULL},
        {"Ho\xff" "an", NULL},
        {"\xc3", NULL},
        {"\xc0\xaf", NULL},
        {"\xed\xa0\x80", NULL},
        {"\x80", NULL},
    };
    (void)state;
    check_cases(text_nfc, cases, N(cases));
}

/* text_nfc skips utf8proc for text it can tell is NFC already: for every
 * code point of those ranges, alone and between two letters, and with a
 * combining mark after it (which must still compose), the answer is
 * utf8proc's own NFC. */
static void test_nfc_fast_path(void **state)
{
    static const utf8proc_int32_t ranges[][2] = {{0x20, 0x2FF}, {0x1E00, 0x1EFF}};
    size_t r;
    (void)state;

    for (r = 0; r < N(ranges); r++) {
        utf8proc_int32_t cp;

        for (cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
            utf8proc_uint8_t ch[8];
            utf8proc_ssize_t n = utf8proc_encode_char(cp, ch);
            char text[3][32];
            int k;

            ch[n] = '\0';
            snprintf(text[0], sizeof text[0], "%s", (char *)ch);
            snprintf(text[1], sizeof text[1], "a%sb", (char *)ch);
            snprintf(text[2], sizeof text[2], "%s\xcc\x81", (char *)ch);
            for (k = 0; k < 3; k++) {
                char *want = (char *)utf8proc_NFC((const utf8proc_uint8_t *)text[k]);
                char *got = text_nfc(text[k]);

                if (!want || !str_same(want, got))
                    fail_msg("U+%04X: text_nfc gave \"%s\", utf8proc NFC \"%s\"", (unsigned)cp,
                             str_shown(got), str_shown(want));
                free(want);
                free(got);
            }
        }
    }
}

static void test_key(void **state)
{
    static const struct text_case cases[] = {
        {"HOÀN THÀNH", "hoàn thành"},
        {"Hoàn thành", "hoàn thành"},
        {"HOA\xcc\x80N THA\xcc\x80NH", "hoàn thành"},
        {"Đạt", "đạt"},
        {"ĐẠT", "đạt"},
        {"\xc4\x90" "A\xcc\xa3T", "đạt"},
        {"  Hoàn   thành  ", "hoàn thành"},
        {"Hoàn\tthành", "hoàn thành"},
        {"Hoàn\r\nthành\n", "hoàn thành"},
        {"Hoàn\xc2\xa0thành", "hoàn thành"},
        {"\xc2\xa0 Hoàn \xc2\xa0\t thành\xc2\xa0", "hoàn thành"},
        {"Tổng số giáo viên hoàn thành tự đánh giá ", "tổng số giáo viên hoàn thành tự đánh giá"},
        {"Tổng số CBQL được thủ trưởng đánh giá", "tổng số cbql được thủ trưởng đánh giá"},
        {"Phòng GD&ĐT", "phòng gd&đt"},
        {"Tiến độ (%)", "tiến độ (%)"},
        {"Mô đun 1", "mô đun 1"},
        {"", ""},
        {"   ", ""},
        {"\t\xc2\xa0\r\n", ""},
        {"\xff", NULL},
        {"Ho\xff", NULL},
        {"  \xc3", NULL},
    };
    (void)state;
    check_cases(text_key, cases, N(cases));
}

/* Decomposed, precomposed, differently spaced and differently cased forms
 * of the same words give one key, and a key is its own key. */
static void test_key_forms(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N(forms); i++) {
        char spaced[256];
        const char *inputs[4];
        size_t j;

        snprintf(spaced, sizeof spaced, "\t %s \xc2\xa0", forms[i].nfd);
        inputs[0] = forms[i].nfd;
        inputs[1] = forms[i].nfc;
        inputs[2] = spaced;
        inputs[3] = forms[i].key;
        for (j = 0; j < N(inputs); j++) {
            char *key = text_key(inputs[j]);

            if (!str_same(key, forms[i].key))
                fail_msg("\"%s\", form %zu: key \"%s\", expected \"%s\"", forms[i].nfc, j,
                         str_shown(key), forms[i].key);
            free(key);
        }
    }
}

static void test_valid_utf8(void **state)
{
    static const struct {
        const char *s;
        size_t len;
        bool valid;
    } cases[] = {
        {"", 0, true},
        {"abc", 3, true},
        {"Hoàn", 5, true},
        {"\xe1\xbb\x87", 3, true},
        {"\xf0\x9f\x98\x80", 4, true},
        {"Hoa\xcc\x80n", 6, true},
        /* len bounds the check: only "Ho" is looked at. */
        {"Ho\xff", 2, true},
        {"Ho\xff", 3, false},
        {"\xff", 1, false},
        {"\x80", 1, false},
        {"\xc3\xa0", 1, false},
        {"Ho\xc3", 3, false},
        {"\xc0\xaf", 2, false},
        {"\xed\xa0\x80", 3, false},
        {"\xf4\x90\x80\x80", 4, false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++)
        if (text_valid_utf8(cases[i].s, cases[i].len) != cases[i].valid)
            fail_msg("case %zu (%zu bytes): expected %s", i, cases[i].len,
                     cases[i].valid ? "valid" : "invalid");
}

static void test_blank(void **state)
{
    static const struct {
        const char *s;
        bool blank;
    } cases[] = {
        {"", true},
        {" ", true},
        {" \t\r\n", true},
        {"a", false},
        {"  a  ", false},
        {"0", false},
        /* Byte by byte: a no-break space is not one of the blanks. */
        {"\xc2\xa0", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++)
        if (text_blank(cases[i].s) != cases[i].blank)
            fail_msg("\"%s\": expected %s", cases[i].s, cases[i].blank ? "blank" : "not blank");
}

/* The characters a workbook cannot hold, counted: C0 controls but tab,
 * line feed and carriage return, and U+FFFE, U+FFFF (EF BF BE, EF BF BF);
 * a byte order mark (EF BB BF), a toned letter and an EF cut short are not. */
static void test_xml_invalid(void **state)
{
    static const struct {
        const char *s;
        size_t n;
    } cases[] = {
        {"Nguyen Van An", 0}, {"a\x01" "b", 1}, {"\x1F", 1}, {"\t\n\r", 0},
        {"\xEF\xBF\xBE", 1}, {"\xEF\xBF\xBF" "x\x1F", 2}, {"\xEF\xBB\xBF" "a", 0},
        {"Nguy\xE1\xBB\x85n\xEF\xBF\xBE", 1}, {"ab\xEF\xBF", 0}, {"\x7F", 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        size_t got = text_xml_invalid(cases[i].s, strlen(cases[i].s));

        if (got != cases[i].n)
            fail_msg("case %zu: %zu characters, expected %zu", i, got, cases[i].n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nfc_forms),
        cmocka_unit_test(test_nfc),
        cmocka_unit_test(test_nfc_fast_path),
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_key_forms),
        cmocka_unit_test(test_valid_utf8),
        cmocka_unit_test(test_blank),
        cmocka_unit_test(test_xml_invalid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
