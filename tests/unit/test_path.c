/* File name parts, and absolute paths made clean lexically. */
#include "bdtx/path.h"
#include "test_util.h"

static void test_clean(void **state)
{
    static const struct {
        const char *path, *want;
    } cases[] = {
        {"/a/b/c", "/a/b/c"},
        {"/a/b/../c", "/a/c"},
        {"/a/./b/", "/a/b"},
        {"//a//b", "/a/b"},
        {"/a/b/../../..", "/"},
        {"/..", "/"},
        {"/", "/"},
        {"/a/..b/c", "/a/..b/c"},
        {"/a/.b", "/a/.b"},
        {"/srv/bdtx/config/../var/inbox", "/srv/bdtx/var/inbox"},
        {"rel/../x", "rel/../x"},     /* relative: left as it is */
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        char *got = path_clean(cases[i].path);

        assert_non_null(got);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

static void test_join(void **state)
{
    char *p;

    (void)state;
    p = path_join("/etc/bdtx", "units.csv");
    assert_string_equal(p, "/etc/bdtx/units.csv");
    free(p);
    p = path_join("/etc/bdtx", "/srv/units.csv");
    assert_string_equal(p, "/srv/units.csv");
    free(p);
}

/* Links resolved as far as the path exists; the rest made clean. */
static void test_resolve(void **state)
{
    char dir[128], link[160], want[512], *real, *got;

    (void)state;
    temp_dir_make(dir, sizeof dir, "path");
    real = realpath(dir, NULL);
    assert_non_null(real);
    snprintf(link, sizeof link, "%s/link", dir);
    assert_int_equal(symlink("/usr/share", link), 0);
    /* Through a link, ".." is the parent of where it leads, as the kernel
     * takes it: lexically it would be the link's own folder. */
    snprintf(want, sizeof want, "%s/link/../x/y", dir);
    got = path_resolve(want);
    assert_string_equal(got, "/usr/x/y");
    free(got);
    snprintf(want, sizeof want, "%s/not/yet/../there", dir);
    got = path_resolve(want);
    snprintf(want, sizeof want, "%s/not/there", real);
    assert_string_equal(got, want);
    free(got);
    got = path_resolve("relative/x");
    assert_string_equal(got, "relative/x");
    free(got);
    assert_int_equal(unlink(link), 0);
    free(real);
    assert_int_equal(temp_dir_remove(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_resolve),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
