/* Detection of the wide learners layout (one status column per module) and
 * of the per-person TEMIS header, against a configuration written here with
 * two school years whose modules differ. */
#include "bdtx/config.h"
#include "bdtx/header.h"
#include "bdtx/wide.h"
#include "test_util.h"

static struct config_module m20[] = {
    {.code = "M1", .name = "Hướng dẫn thực hiện Chương trình giáo dục phổ thông 2018"},
    {.code = "M2", .name = "Sử dụng phương pháp dạy học"},
};
static char *a25_1[] = {"Mô đun 1"}, *a25_2[] = {"Mô đun 2"};
static struct config_module m25[] = {
    {.code = "BD1", .name = "Chuyển đổi số trong dạy học", .aliases = {a25_1, 1}},
    {.code = "BD2", .name = "Giáo dục kỹ năng sống cho học sinh", .aliases = {a25_2, 1}},
};
static struct config_year years[2];
static struct config cfg;
static struct vocab vocab;

static int setup(void **state)
{
    bdtx_error err;

    (void)state;
    years[0].id = "2020-2021";
    years[0].modules = m20;
    years[0].nmodules = 2;
    years[1].id = "2025-2026";
    years[1].modules = m25;
    years[1].nmodules = 2;
    cfg.years = years;
    cfg.nyears = 2;
    return vocab_init(&vocab, NULL, &err);
}

static int teardown(void **state)
{
    (void)state;
    vocab_release(&vocab);
    return 0;
}

static void test_wide_header(void **state)
{
    static const char *const texts[] = {
        "STT", "Họ và tên", "Tài khoản", "Mã trường", "Chuyển đổi số trong dạy học",
        "  MÔ ĐUN 2 ", "Ghi chú",
    };
    struct sheet_cell cells[7];
    struct sheet_row row;
    struct header_map map;
    struct wide_map w;
    bdtx_error err;

    (void)state;
    row_of_texts(&row, cells, 5, texts, 7, 0);
    assert_false(header_match(&vocab, &row, &map));
    assert_true(wide_match(&cfg, &row, &map, &w));
    assert_int_equal(map.kind, SOURCE_LMS_LEARNERS);
    assert_int_equal(w.count, 2);
    assert_int_equal(w.cols[0].col, 4);
    assert_int_equal(w.cols[1].col, 5);
    assert_int_equal(wide_resolve(&w, &years[1], &err), 0);
    assert_string_equal(w.cols[0].module, "BD1");
    assert_string_equal(w.cols[1].module, "BD2");
    /* The same header in a year without those modules: a clear error. */
    assert_int_equal(wide_resolve(&w, &years[0], &err), -1);
    assert_non_null(strstr(err.message, "does not have"));
    wide_release(&w);
}

static void test_not_wide(void **state)
{
    /* A long layout (module and status columns) is not wide; nor is a
     * header without an account. */
    static const char *const long_texts[] = {"Tài khoản", "Mã trường", "Mô đun", "Trạng thái"};
    static const char *const no_account[] = {"Họ và tên", "Mã trường", "M1", "M2"};
    struct sheet_cell cells[4];
    struct sheet_row row;
    struct header_map map;
    struct wide_map w;

    (void)state;
    row_of_texts(&row, cells, 5, long_texts, 4, 0);
    assert_true(header_match(&vocab, &row, &map));
    assert_false(wide_match(&cfg, &row, &map, &w));
    row_of_texts(&row, cells, 5, no_account, 4, 0);
    header_match(&vocab, &row, &map);
    assert_false(wide_match(&cfg, &row, &map, &w));
}

static void test_temis_people_header(void **state)
{
    static const char *const texts[] = {
        "STT", "Họ và tên", "Mã định danh", "Tên trường", "Trạng thái tự đánh giá", "Xếp loại",
        "Cấp trên đánh giá",
    };
    struct sheet_cell cells[7];
    struct sheet_row row;
    struct header_map map;

    (void)state;
    row_of_texts(&row, cells, 5, texts, 7, 0);
    assert_true(header_match(&vocab, &row, &map));
    assert_int_equal(map.kind, SOURCE_TEMIS_PEOPLE);
    assert_int_equal(map.col[F_SELF_STATUS], 4);
    assert_int_equal(map.col[F_RATING], 5);
    assert_int_equal(map.col[F_HEAD_STATUS], 6);
    assert_int_equal(vocab_assessed("Đã đánh giá"), 1);
    assert_int_equal(vocab_assessed("Chưa đạt"), 1);      /* a rating: assessed */
    assert_int_equal(vocab_assessed("chưa đánh giá"), 0);
    assert_int_equal(vocab_assessed(""), 0);
    assert_int_equal(vocab_assessed("Xong"), -1);
    assert_int_equal(vocab_rating("KHÁ"), 2);
    assert_int_equal(vocab_rating("Xuất sắc"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wide_header),
        cmocka_unit_test(test_not_wide),
        cmocka_unit_test(test_temis_people_header),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
