/* The text COPY is sent: every field escaped so that no cell, whatever it
 * holds, can end a field, a row or the data early, or be read as NULL. */

#include "bdtx/db.h"
#include "test_util.h"

struct copy_case {
    const char *in;
    const char *out;
};

static void test_escape(void **state)
{
    static const struct copy_case cases[] = {
        {"", ""},
        {"Trường Tiểu học Hưng Vũ", "Trường Tiểu học Hưng Vũ"},
        {"a\tb", "a\\tb"},
        {"line 1\nline 2", "line 1\\nline 2"},
        {"crlf\r\n", "crlf\\r\\n"},
        {"C:\\temp", "C:\\\\temp"},
        /* The text of a NULL and the end-of-data marker stay text. */
        {"\\N", "\\\\N"},
        {"\\.", "\\\\."},
        {"\\\\", "\\\\\\\\"},
        /* Other control characters go as they are: COPY's text format
         * gives them no meaning. */
        {"bell\x07 esc\x1b del\x7f", "bell\x07 esc\x1b del\x7f"},
        {"\t\t", "\\t\\t"},
    };
    char out[128];
    size_t i, n;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        n = db_copy_escape(cases[i].in, strlen(cases[i].in), out);
        assert_int_equal(n, strlen(cases[i].out));
        out[n] = '\0';
        assert_string_equal(out, cases[i].out);
    }
}

/* A field is a C string: db_copy_row escapes strlen(field) bytes, so a
 * NUL ends it and never reaches the server. Given a length, the escaper
 * itself copies every byte. */
static void test_nul(void **state)
{
    static const char text[] = "ab\0\tc";
    char out[16];
    size_t n;

    (void)state;
    n = db_copy_escape(text, strlen(text), out);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "ab", 2);
    n = db_copy_escape(text, sizeof text - 1, out);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "ab\0\\tc", 6);
}

/* The worst case doubles: out needs 2 * len bytes and no more. */
static void test_worst_case(void **state)
{
    char in[64], out[128];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof in; i++)
        in[i] = "\\\t\n\r"[i % 4];
    assert_int_equal(db_copy_escape(in, sizeof in, out), 2 * sizeof in);
    for (i = 0; i < sizeof in; i++) {
        assert_int_equal(out[2 * i], '\\');
        assert_int_equal(out[2 * i + 1], "\\tnr"[i % 4]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_worst_case),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
