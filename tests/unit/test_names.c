/* Units found by name: prefix variants, case, NFD, blanks, aliases, the
 * parent that tells two same-named schools apart, and the candidates an
 * ambiguous name reports. The registry is written here, so every expected
 * code is known without asking the code under test. */
#include "bdtx/names.h"
#include "test_util.h"

static const char registry_csv[] =
    "code,name,kind,parent_code,aliases\n"
    "46,Sở GDĐT Sông Mây,province,,\n"
    "P1,Phòng GDĐT Bắc Hà,phong,46,\n"
    "X1,UBND xã Tân Lập,xa,46,\n"
    "X2,UBND phường Cam Đường,xa,46,Phường Cam Đường cũ|P. Cam Đường\n"
    "S1,Trường THCS Kim Đồng,school,X1,\n"
    "S2,Trường Mầm non Hoa Sen,school,X1,\n"
    "S3,Trường Mầm non Hoa Sen,school,X2,\n"
    "S4,Trường Tiểu học và THCS Lê Lợi,school,P1,TH&THCS Lê Lợi cơ sở 2\n"
    "D1,Trường THPT Chuyên Sông Mây,direct,46,\n";

static struct registry reg;
static struct name_index idx;
static char *path;

static long code_index(const char *code)
{
    return registry_find(&reg, code);
}

static int setup(void **state)
{
    bdtx_error err;

    (void)state;
    path = temp_file(".csv", registry_csv);
    error_clear(&err);
    if (registry_read_file(path, &reg, &err) != 0 || names_build(&reg, &idx, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    int rc;

    (void)state;
    names_release(&idx);
    registry_release(&reg);
    rc = unlink(path);
    free(path);
    return rc;
}

static void test_variants(void **state)
{
    static const struct {
        const char *text, *code;
    } cases[] = {
        {"Trường THCS Kim Đồng", "S1"},
        {"THCS Kim Đồng", "S1"},
        {"  trường   thcs  KIM ĐỒNG ", "S1"},
        {"Tru\xcc\x9bo\xcc\x9b\xcc\x80ng THCS Kim \xc4\x90o\xcc\x82\xcc\x80ng", "S1"},  /* NFD */
        {"Trường Trung học cơ sở Kim Đồng", "S1"},
        {"UBND xã Tân Lập", "X1"},
        {"Xã Tân Lập", "X1"},
        {"xã tân lập", "X1"},
        {"Ủy ban nhân dân xã Tân Lập", "X1"},
        {"Phường Cam Đường", "X2"},
        {"P. Cam Đường", "X2"},                 /* alias */
        {"UBND Phường Cam Đường cũ", "X2"},     /* alias with a prefix */
        {"Phòng Giáo dục và Đào tạo Bắc Hà", "P1"},
        {"Phòng GD&ĐT Bắc Hà", "P1"},
        {"TH&THCS Lê Lợi", "S4"},
        {"Tiểu học và THCS Lê Lợi", "S4"},
        {"TH&THCS Lê Lợi cơ sở 2", "S4"},
        {"THPT Chuyên Sông Mây", "D1"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        long unit = -1;
        char cand[200];

        if (names_find(&idx, cases[i].text, -1, &unit, cand, sizeof cand) != NAMES_FOUND)
            fail_msg("'%s' not found", cases[i].text);
        assert_int_equal(unit, code_index(cases[i].code));
    }
}

static void test_parent_and_candidates(void **state)
{
    long unit = -1;
    char cand[300];

    (void)state;
    /* Two kindergartens of one name, under two communes. */
    assert_int_equal(names_find(&idx, "MN Hoa Sen", -1, &unit, cand, sizeof cand),
                     NAMES_AMBIGUOUS);
    assert_non_null(strstr(cand, "S2 Trường Mầm non Hoa Sen (under X1)"));
    assert_non_null(strstr(cand, "S3 Trường Mầm non Hoa Sen (under X2)"));
    assert_int_equal(names_find(&idx, "MN Hoa Sen", code_index("X1"), &unit, cand, sizeof cand),
                     NAMES_FOUND);
    assert_int_equal(unit, code_index("S2"));
    assert_int_equal(names_find(&idx, "Trường Mầm non Hoa Sen", code_index("X2"), &unit, cand,
                                sizeof cand), NAMES_FOUND);
    assert_int_equal(unit, code_index("S3"));
    /* Known name, wrong parent; unknown name; the province itself. */
    assert_int_equal(names_find(&idx, "THCS Kim Đồng", code_index("X2"), &unit, cand,
                                sizeof cand), NAMES_UNKNOWN);
    assert_int_equal(names_find(&idx, "THCS Kim Giang", -1, &unit, cand, sizeof cand),
                     NAMES_UNKNOWN);
    assert_int_equal(names_find(&idx, "Sở GDĐT Sông Mây", -1, &unit, cand, sizeof cand),
                     NAMES_UNKNOWN);
    /* "Trường" alone is a name, not a prefix of nothing. */
    assert_int_equal(names_find(&idx, "Trường", -1, &unit, cand, sizeof cand), NAMES_UNKNOWN);
    assert_int_equal(names_find(&idx, "\xff\xfe", -1, &unit, cand, sizeof cand),
                     NAMES_BAD_TEXT);
    /* A short buffer is cut, never overrun. */
    assert_int_equal(names_find(&idx, "MN Hoa Sen", -1, &unit, cand, 10), NAMES_AMBIGUOUS);
    assert_true(strlen(cand) < 10);
}

static void test_keys(void **state)
{
    static const struct {
        const char *name, *key;
    } cases[] = {
        {"Trường Mầm non Hoa Sen", "mn hoa sen"},
        {"UBND xã Tân Lập", "xã tân lập"},
        {"Trường", "trường"},
        {"Trường Tiểu học Kim Đồng", "th kim đồng"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        char *k = names_key(cases[i].name);

        assert_non_null(k);
        assert_string_equal(k, cases[i].key);
        free(k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_parent_and_candidates),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
