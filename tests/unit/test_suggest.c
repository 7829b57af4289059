/* The closest known word to a mistyped one: distances by hand, then the
 * words an operator mistypes (commands, options, configuration keys) and
 * words too far from anything to suggest. */
#include "bdtx/suggest.h"
#include "test_util.h"

static void test_distance(void **state)
{
    static const struct {
        const char *a, *b;
        size_t d;
    } cases[] = {
        {"", "", 0},
        {"import", "import", 0},
        {"", "run", 3},
        {"improt", "import", 1},     /* two neighbours swapped */
        {"imprt", "import", 1},      /* one left out */
        {"importt", "import", 1},    /* one too many */
        {"rport", "report", 1},
        {"kitten", "sitting", 3},
        {"ca", "abc", 3},            /* a swap is not followed by an insertion */
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        assert_int_equal(suggest_distance(cases[i].a, cases[i].b), cases[i].d);
        assert_int_equal(suggest_distance(cases[i].b, cases[i].a), cases[i].d);
    }
}

static void test_closest(void **state)
{
    static const char *const commands[] = {"config", "db", "units", "import", "report",
                                           "run", "help"};
    static const char *const keys[] = {"language", "file_name", "include_people",
                                       "highlight", "units"};
    static const char *const options[] = {"source", "as-of", "module", "target", "strict",
                                          "force", "sheet", "help"};
    static const struct {
        const char *const *words;
        size_t n;
        const char *typed, *want;
    } cases[] = {
        {commands, N(commands), "improt", "import"},
        {commands, N(commands), "imoprt", "import"},
        {commands, N(commands), "reprot", "report"},
        {commands, N(commands), "rnu", "run"},
        {commands, N(commands), "hlep", "help"},
        {commands, N(commands), "frobnicate", NULL},
        {commands, N(commands), "x", NULL},
        {keys, N(keys), "include_peple", "include_people"},
        {keys, N(keys), "include", "include_people"},
        {keys, N(keys), "filename", "file_name"},
        {keys, N(keys), "colour", NULL},
        {options, N(options), "asof", "as-of"},
        {options, N(options), "as_of", "as-of"},
        {options, N(options), "froce", "force"},
        {options, N(options), "bogus", NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        const char *got = suggest_closest(cases[i].typed, cases[i].words, cases[i].n);

        if (!cases[i].want)
            assert_null(got);
        else
            assert_non_null(got);
        if (got)
            assert_string_equal(got, cases[i].want);
    }
}

static void test_long_words(void **state)
{
    char lng[SUGGEST_MAX_LEN + 2];
    static const char *const words[] = {"run"};

    (void)state;
    memset(lng, 'r', sizeof lng - 1);
    lng[sizeof lng - 1] = '\0';
    assert_int_equal(suggest_distance(lng, "run"), (size_t)-1);
    assert_null(suggest_closest(lng, words, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_closest),
        cmocka_unit_test(test_long_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
