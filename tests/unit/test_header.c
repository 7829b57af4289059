/* Recognising exports: the field each header names, in every variant the
 * fixture exports use (canonical, NFD with other names, TEMIS sentences
 * with a trailing space), the header row among title and data rows, the
 * status, result and role vocabularies, source kinds, and the vocabulary
 * configuration extends. Text written here as UTF-8 is precomposed (NFC);
 * decomposed (NFD) text is written byte by byte, as the week-03 export has it. */
#include "bdtx/header.h"
#include "bdtx/sheet.h"
#include "test_util.h"

#define MAX_CELLS 20

static struct vocab builtin;

static int group_setup(void **state)
{
    bdtx_error err;

    (void)state;
    error_clear(&err);
    return vocab_init(&builtin, NULL, &err);
}

static int group_teardown(void **state)
{
    (void)state;
    vocab_release(&builtin);
    return 0;
}

struct field_case {
    const char *text;
    int field;
};

/* Every header cell of the fixture exports, as written there. */
static const struct field_case fixture_fields[] = {
    /* week-01 CSV, and the XLSX of weeks 02 and 04 (row 6). */
    {"STT", F_SEQ},
    {"Họ và tên", F_FULL_NAME},
    {"Tài khoản", F_ACCOUNT},
    {"Mã định danh", F_MOET_ID},
    {"Ngày sinh", F_BIRTH_DATE},
    {"Đối tượng", F_ROLE},
    {"Cấp học", F_LEVEL},
    {"Đơn vị", F_UNIT_NAME},
    {"Mã đơn vị", F_UNIT_CODE},
    {"Phòng GD&ĐT", F_PARENT},
    {"Mô đun", F_MODULE},
    {"Tiến độ (%)", F_PROGRESS},
    {"Điểm", F_SCORE},
    {"Trạng thái", F_STATUS},
    {"Kết quả", F_RESULT},
    {"Ngày hoàn thành", F_COMPLETION_DATE},
    /* week-03 CSV: other names, decomposed. */
    {"TT", F_SEQ},
    {"Ho\xcc\xa3 te\xcc\x82n", F_FULL_NAME},
    {"Te\xcc\x82n \xc4\x91" "a\xcc\x86ng nha\xcc\xa3\xcc\x82p", F_ACCOUNT},
    {"Ma\xcc\x83 GV", F_MOET_ID},
    {"Nga\xcc\x80y tha\xcc\x81ng na\xcc\x86m sinh", F_BIRTH_DATE},
    {"Chu\xcc\x9b\xcc\x81" "c danh", F_ROLE},
    {"Ca\xcc\x82\xcc\x81p", F_LEVEL},
    {"Tru\xcc\x9bo\xcc\x9b\xcc\x80ng", F_UNIT_NAME},
    {"Ma\xcc\x83 tru\xcc\x9bo\xcc\x9b\xcc\x80ng", F_UNIT_CODE},
    {"Pho\xcc\x80ng GD", F_PARENT},
    {"Te\xcc\x82n mo\xcc\x82 \xc4\x91un", F_MODULE},
    {"Tie\xcc\x82\xcc\x81n \xc4\x91o\xcc\xa3\xcc\x82", F_PROGRESS},
    {"\xc4\x90ie\xcc\x82\xcc\x89m TB", F_SCORE},
    {"Ti\xcc\x80nh tra\xcc\xa3ng", F_STATUS},
    {"Ke\xcc\x82\xcc\x81t qua\xcc\x89", F_RESULT},
    {"Nga\xcc\x80y HT", F_COMPLETION_DATE},
    /* The same names precomposed. */
    {"Họ tên", F_FULL_NAME},
    {"Tên đăng nhập", F_ACCOUNT},
    {"Mã GV", F_MOET_ID},
    {"Ngày tháng năm sinh", F_BIRTH_DATE},
    {"Chức danh", F_ROLE},
    {"Cấp", F_LEVEL},
    {"Trường", F_UNIT_NAME},
    {"Mã trường", F_UNIT_CODE},
    {"Phòng GD", F_PARENT},
    {"Tên mô đun", F_MODULE},
    {"Tiến độ", F_PROGRESS},
    {"Điểm TB", F_SCORE},
    {"Tình trạng", F_STATUS},
    {"Ngày HT", F_COMPLETION_DATE},
    /* TEMIS per-unit files of every week (row 6); the CBQL file also
     * heads its total "Tổng số giáo viên". */
    {"Tên đơn vị", F_UNIT_NAME},
    {"Tổng số giáo viên", F_TOTAL},
    {"Tổng số giáo viên hoàn thành tự đánh giá ", F_SELF_ASSESSED},
    {"Tổng số giáo viên được thủ trưởng đánh giá", F_HEAD_ASSESSED},
    {"Tổng số CBQL hoàn thành tự đánh giá ", F_SELF_ASSESSED},
    {"Tổng số CBQL được thủ trưởng đánh giá", F_HEAD_ASSESSED},
};

/* Variants of spelling, and what is not a header at all. */
static const struct field_case other_fields[] = {
    {"TÀI KHOẢN", F_ACCOUNT},
    {"tài khoản", F_ACCOUNT},
    {"  Tài   khoản  ", F_ACCOUNT},
    {"Mã\xc2\xa0đơn vị", F_UNIT_CODE},
    {"Trạng thái\t", F_STATUS},
    {"MÃ TRƯỜNG", F_UNIT_CODE},
    {"Tổng số CBQL", F_TOTAL},
    {"TỔNG SỐ GIÁO VIÊN HOÀN THÀNH TỰ ĐÁNH GIÁ", F_SELF_ASSESSED},
    {"To\xcc\x82\xcc\x89ng so\xcc\x82\xcc\x81 gia\xcc\x81o vie\xcc\x82n hoa\xcc\x80n tha\xcc\x80nh "
     "tu\xcc\x9b\xcc\xa3 \xc4\x91" "a\xcc\x81nh gia\xcc\x81 ", F_SELF_ASSESSED},
    /* lms-units aggregates. */
    {"Tổng số tham gia bồi dưỡng", F_ASSIGNED},
    {"Tổng số hoàn thành mô đun", F_PASSED},
    {"Tỷ lệ % hoàn thành", F_PERCENT},
    {"Tổng số giáo viên phải học", F_ASSIGNED},
    {"Tổng số CBQL hoàn thành", F_PASSED},
    {"Số phải học", F_ASSIGNED},
    {"Số hoàn thành", F_PASSED},
    /* Whole names only, never a part of one. */
    {"Tài khoản học viên", -1},
    {"Mã", -1},
    {"Trạng", -1},
    {"Tổng cộng", -1},
    {"Tổng", -1},
    {"Tổng sốgiáo viên", -1},
    {"Ghi chú", -1},
    {"UBND TỈNH LẠNG SƠN", -1},
    {"Tính đến ngày 04/10/2020", -1},
    {"1", -1},
    {"", -1},
    {"   ", -1},
    {"\xc2\xa0", -1},
    {"\xff", -1},
    {"T\xc3", -1},
};

static void check_fields(const struct field_case *cases, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        int f = header_field(&builtin, cases[i].text);

        if (f != cases[i].field)
            fail_msg("\"%s\": field %d (%s), expected %d (%s)", cases[i].text, f,
                     f >= 0 ? field_name((enum field)f) : "none", cases[i].field,
                     cases[i].field >= 0 ? field_name((enum field)cases[i].field) : "none");
    }
}

static void test_fixture_fields(void **state)
{
    (void)state;
    check_fields(fixture_fields, N(fixture_fields));
}

static void test_other_fields(void **state)
{
    (void)state;
    check_fields(other_fields, N(other_fields));
}

/* A header row to offer header_match: its cells, the field expected of
 * each column (-1: none, or not the first column of that field) and the
 * source kind it makes. */
struct header_case {
    const char *name;
    long number;
    size_t ncells;
    const char *cells[MAX_CELLS];
    int fields[MAX_CELLS];
    enum source_kind kind;
};

#define LMS_FIELDS                                                                     \
    {F_SEQ, F_FULL_NAME, F_ACCOUNT, F_MOET_ID, F_BIRTH_DATE, F_ROLE, F_LEVEL,          \
     F_UNIT_NAME, F_UNIT_CODE, F_PARENT, F_MODULE, F_PROGRESS, F_SCORE, F_STATUS,      \
     F_RESULT, F_COMPLETION_DATE}
#define TEMIS_FIELDS {F_SEQ, F_UNIT_CODE, F_UNIT_NAME, F_TOTAL, F_SELF_ASSESSED, F_HEAD_ASSESSED}

static const struct header_case header_cases[] = {
    {"lms-learners, canonical (week-02 XLSX row 6)", 6, 16,
     {"STT", "Họ và tên", "Tài khoản", "Mã định danh", "Ngày sinh", "Đối tượng", "Cấp học",
      "Đơn vị", "Mã đơn vị", "Phòng GD&ĐT", "Mô đun", "Tiến độ (%)", "Điểm", "Trạng thái",
      "Kết quả", "Ngày hoàn thành"},
     LMS_FIELDS, SOURCE_LMS_LEARNERS},
    {"lms-learners, NFD (week-03 CSV line 1)", 1, 16,
     {"TT", "Ho\xcc\xa3 te\xcc\x82n", "Te\xcc\x82n \xc4\x91" "a\xcc\x86ng nha\xcc\xa3\xcc\x82p",
      "Ma\xcc\x83 GV", "Nga\xcc\x80y tha\xcc\x81ng na\xcc\x86m sinh",
      "Chu\xcc\x9b\xcc\x81" "c danh", "Ca\xcc\x82\xcc\x81p", "Tru\xcc\x9bo\xcc\x9b\xcc\x80ng",
      "Ma\xcc\x83 tru\xcc\x9bo\xcc\x9b\xcc\x80ng", "Pho\xcc\x80ng GD",
      "Te\xcc\x82n mo\xcc\x82 \xc4\x91un", "Tie\xcc\x82\xcc\x81n \xc4\x91o\xcc\xa3\xcc\x82",
      "\xc4\x90ie\xcc\x82\xcc\x89m TB", "Ti\xcc\x80nh tra\xcc\xa3ng",
      "Ke\xcc\x82\xcc\x81t qua\xcc\x89", "Nga\xcc\x80y HT"},
     LMS_FIELDS, SOURCE_LMS_LEARNERS},
    {"lms-learners, the least it needs: a result instead of a status", 3, 5,
     {"Tên đăng nhập", "Ghi chú", "Module", "Kết quả", "Trường"},
     {F_ACCOUNT, -1, F_MODULE, F_RESULT, F_UNIT_NAME}, SOURCE_LMS_LEARNERS},
    {"lms-learners, a repeated header keeps its first column", 2, 6,
     {"Tài khoản", "Đơn vị", "Mô đun", "Trạng thái", "Đơn vị", "Trạng thái"},
     {F_ACCOUNT, F_UNIT_NAME, F_MODULE, F_STATUS, -1, -1}, SOURCE_LMS_LEARNERS},
    {"temis-units, GV (row 6)", 6, 6,
     {"STT", "Mã đơn vị", "Tên đơn vị", "Tổng số giáo viên",
      "Tổng số giáo viên hoàn thành tự đánh giá ", "Tổng số giáo viên được thủ trưởng đánh giá"},
     TEMIS_FIELDS, SOURCE_TEMIS_UNITS},
    {"temis-units, CBQL (row 6)", 6, 6,
     {"STT", "Mã đơn vị", "Tên đơn vị", "Tổng số giáo viên",
      "Tổng số CBQL hoàn thành tự đánh giá ", "Tổng số CBQL được thủ trưởng đánh giá"},
     TEMIS_FIELDS, SOURCE_TEMIS_UNITS},
    {"lms-units", 5, 6,
     {"STT", "Mã đơn vị", "Đơn vị", "Tổng số tham gia bồi dưỡng", "Tổng số hoàn thành mô đun",
      "Tỷ lệ % hoàn thành"},
     {F_SEQ, F_UNIT_CODE, F_UNIT_NAME, F_ASSIGNED, F_PASSED, F_PERCENT}, SOURCE_LMS_UNITS},
};

/* Rows that are not a header. Bit i of numeric makes cells[i] an XLSX number. */
static const struct {
    const char *name;
    size_t ncells;
    const char *cells[MAX_CELLS];
    uint32_t numeric;
} other_rows[] = {
    {"title: authority", 1, {"UBND TỈNH LẠNG SƠN"}, 0},
    {"title: report name", 1, {"BÁO CÁO ĐÁNH GIÁ CHUẨN NGHỀ GIÁO VIÊN"}, 0},
    {"title: as-of date", 1, {"Tính đến ngày 04/10/2020"}, 0},
    {"title merged across the header's columns", 6,
     {"DANH SÁCH KẾT QUẢ BỒI DƯỠNG THƯỜNG XUYÊN", "", "", "", "", ""}, 0},
    {"empty row", 0, {NULL}, 0},
    /* A data row holds "Hoàn thành", which also names the passed column. */
    {"data row (week-03 line 2)", 16,
     {"1", "Trần Anh Cúc", "204281275", "3699165765", "03/12/1982", "CBQL đại trà", "Tiểu học",
      "Trường Tiểu học Hưng Vũ", "20178001", "Phòng GDĐT Thành phố Lạng Sơn",
      "Hướng dẫn thực hiện Chương trình giáo dục phổ thông 2018", "100", "7,6", "Hoàn thành",
      "Đạt", "15/10/2020"},
     0},
    {"TEMIS data row", 6, {"1", "20178", "Phòng GDĐT Thành phố Lạng Sơn", "83", "10", "7"}, 0x3b},
    {"totals row", 6, {"Tổng cộng", "", "", "5807", "1200", "900"}, 0x38},
    /* Header names in number cells are not read as headers. */
    {"number cells", 4, {"Tài khoản", "Mô đun", "Trạng thái", "Đơn vị"}, 0xf},
    {"known fields, no kind: no unit", 4, {"STT", "Tài khoản", "Mô đun", "Trạng thái"}, 0},
    {"known fields, no kind: neither status nor result", 3, {"Tài khoản", "Mô đun", "Đơn vị"}, 0},
    {"known fields, no kind: no module", 4, {"Tài khoản", "Đơn vị", "Trạng thái", "Kết quả"}, 0},
    {"known fields, no kind: TEMIS without self-assessed", 4,
     {"Mã đơn vị", "Tên đơn vị", "Tổng số giáo viên", "Tổng số giáo viên được thủ trưởng đánh giá"},
     0},
    {"known fields, no kind: TEMIS without a unit", 2,
     {"Tổng số giáo viên", "Tổng số giáo viên hoàn thành tự đánh giá"}, 0},
    {"known fields, no kind: units without passed", 3,
     {"Mã đơn vị", "Tổng số tham gia bồi dưỡng", "Tỷ lệ"}, 0},
};

static void test_match(void **state)
{
    size_t i, j;

    (void)state;
    for (i = 0; i < N(header_cases); i++) {
        const struct header_case *c = &header_cases[i];
        struct sheet_cell cells[MAX_CELLS];
        struct sheet_row row;
        struct header_map map;
        long want[F_COUNT];

        for (j = 0; j < F_COUNT; j++)
            want[j] = -1;
        for (j = 0; j < c->ncells; j++)
            if (c->fields[j] >= 0)
                want[c->fields[j]] = (long)j;
        row_of_texts(&row, cells, c->number, c->cells, c->ncells, 0);
        memset(&map, 0x5a, sizeof map);

        if (!header_match(&builtin, &row, &map))
            fail_msg("%s: not recognised as a header", c->name);
        if (map.kind != c->kind)
            fail_msg("%s: kind %s, expected %s", c->name, source_kind_name(map.kind),
                     source_kind_name(c->kind));
        if (map.row_number != c->number)
            fail_msg("%s: row %ld, expected %ld", c->name, map.row_number, c->number);
        for (j = 0; j < F_COUNT; j++)
            if (map.col[j] != want[j])
                fail_msg("%s: %s in column %ld, expected %ld", c->name,
                         field_name((enum field)j), map.col[j], want[j]);
    }
}

static void test_no_match(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N(other_rows); i++) {
        struct sheet_cell cells[MAX_CELLS];
        struct sheet_row row;
        struct header_map map;

        row_of_texts(&row, cells, (long)i + 1, other_rows[i].cells, other_rows[i].ncells,
                 other_rows[i].numeric);
        if (header_match(&builtin, &row, &map))
            fail_msg("%s: taken for a %s header", other_rows[i].name, source_kind_name(map.kind));
    }
}

/* The header of every layout of the fixture, found the way an import looks
 * for it: the first row within HEADER_SEARCH_ROWS that matches. */
static void test_fixture_files(void **state)
{
    static const struct {
        const char *file;
        long row;
        enum source_kind kind;
        int fields[MAX_CELLS];
        size_t nfields;
    } cases[] = {
        {"week-01/lms-hoc-vien-20201004.csv", 1, SOURCE_LMS_LEARNERS, LMS_FIELDS, 16},
        {"week-02/ket-qua-boi-duong-phong.xlsx", 6, SOURCE_LMS_LEARNERS, LMS_FIELDS, 16},
        {"week-02/ket-qua-boi-duong-truc-thuoc.xlsx", 6, SOURCE_LMS_LEARNERS, LMS_FIELDS, 16},
        {"week-03/export_lms_tuan03.csv", 1, SOURCE_LMS_LEARNERS, LMS_FIELDS, 16},
        {"week-04/lms_25102020.xlsx", 6, SOURCE_LMS_LEARNERS, LMS_FIELDS, 16},
        {"week-01/temis-gv.xlsx", 6, SOURCE_TEMIS_UNITS, TEMIS_FIELDS, 6},
        {"week-01/temis-cbql.xlsx", 6, SOURCE_TEMIS_UNITS, TEMIS_FIELDS, 6},
        {"week-08/temis-cbql.xlsx", 6, SOURCE_TEMIS_UNITS, TEMIS_FIELDS, 6},
    };
    size_t i, j;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        struct sheet_reader *r = NULL;
        struct sheet_row row;
        struct header_map map;
        bdtx_error err;
        char path[512];
        int rc = 0, seen = 0;
        bool found = false;

        snprintf(path, sizeof path, "%s/%s", FIXTURE_DIR, cases[i].file);
        error_clear(&err);
        require_ok(sheet_open(path, NULL, &r, &err), &err, cases[i].file);
        while (!found && seen < HEADER_SEARCH_ROWS && (rc = sheet_next(r, &row, &err)) == 1) {
            seen++;
            found = header_match(&builtin, &row, &map);
        }
        sheet_close(r);
        if (rc < 0)
            fail_msg("%s: %s", cases[i].file, err.message);
        if (!found)
            fail_msg("%s: no header in the first %d rows", cases[i].file, HEADER_SEARCH_ROWS);
        if (map.row_number != cases[i].row || map.kind != cases[i].kind)
            fail_msg("%s: %s header on row %ld, expected %s on row %ld", cases[i].file,
                     source_kind_name(map.kind), map.row_number,
                     source_kind_name(cases[i].kind), cases[i].row);
        for (j = 0; j < cases[i].nfields; j++)
            if (map.col[cases[i].fields[j]] != (long)j)
                fail_msg("%s: %s in column %ld, expected %zu", cases[i].file,
                         field_name((enum field)cases[i].fields[j]),
                         map.col[cases[i].fields[j]], j);
    }
}

static void test_status(void **state)
{
    static const struct {
        const char *text;
        int state;
    } cases[] = {
        {"Hoàn thành", STATE_PASSED},
        {"Đã hoàn thành", STATE_PASSED},
        {"Đạt", STATE_PASSED},
        {"HOÀN THÀNH", STATE_PASSED},
        {"hoàn thành", STATE_PASSED},
        {"  Hoàn\xc2\xa0 thành ", STATE_PASSED},
        {"Hoa\xcc\x80n tha\xcc\x80nh", STATE_PASSED},
        {"HOA\xcc\x80N THA\xcc\x80NH", STATE_PASSED},
        {"\xc4\x90" "a\xcc\x83 hoa\xcc\x80n tha\xcc\x80nh", STATE_PASSED},
        {"\xc4\x90" "a\xcc\xa3t", STATE_PASSED},
        {"ĐẠT", STATE_PASSED},
        {"Chưa hoàn thành", STATE_STARTED},
        {"Đang học", STATE_STARTED},
        {"Chưa đạt", STATE_STARTED},
        {"CHƯA HOÀN THÀNH", STATE_STARTED},
        {"Chu\xcc\x9b" "a hoa\xcc\x80n tha\xcc\x80nh", STATE_STARTED},
        {"\xc4\x90" "ang ho\xcc\xa3" "c", STATE_STARTED},
        {"Chu\xcc\x9b" "a \xc4\x91" "a\xcc\xa3t", STATE_STARTED},
        {"Chưa học", STATE_NOT_STARTED},
        {"Chưa bắt đầu", STATE_NOT_STARTED},
        {"Chưa tham gia", STATE_NOT_STARTED},
        {"Chu\xcc\x9b" "a ho\xcc\xa3" "c", STATE_NOT_STARTED},
        {"Chu\xcc\x9b" "a ba\xcc\x86\xcc\x81t \xc4\x91" "a\xcc\x82\xcc\x80u", STATE_NOT_STARTED},
        {"CHƯA BẮT ĐẦU", STATE_NOT_STARTED},
        {"", STATE_NOT_STARTED},
        {"   ", STATE_NOT_STARTED},
        {"\xc2\xa0", STATE_NOT_STARTED},
        /* Whole statuses only: anything else is unknown and rejects the row. */
        {"Đã xoá", -1},
        {"Đã xóa", -1},
        {"Hoàn", -1},
        {"thành", -1},
        {"Hoàn thành một phần", -1},
        {"Chưa", -1},
        {"Đạt yêu cầu", -1},
        {"Hoan thanh", -1},
        {"Hoàn thành.", -1},
        {"Passed", -1},
        {"100", -1},
        {"\xff", -1},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        int s = vocab_status(&builtin, cases[i].text);

        if (s != cases[i].state)
            fail_msg("\"%s\": state %d, expected %d", cases[i].text, s, cases[i].state);
    }
}

static void test_result(void **state)
{
    static const struct {
        const char *text;
        int result;
    } cases[] = {
        {"Đạt", 1},
        {"ĐẠT", 1},
        {" đạt ", 1},
        {"\xc4\x90" "a\xcc\xa3t", 1},
        {"", 0},
        {"  ", 0},
        {"Chưa đạt", 0},
        {"Không đạt", 0},
        {"KHÔNG ĐẠT", 0},
        {"Chu\xcc\x9b" "a \xc4\x91" "a\xcc\xa3t", 0},
        {"Đạt yêu cầu", -1},
        {"Hoàn thành", -1},
        {"Giỏi", -1},
        {"Dat", -1},
        {"\xff", -1},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        int r = vocab_result(cases[i].text);

        if (r != cases[i].result)
            fail_msg("\"%s\": %d, expected %d", cases[i].text, r, cases[i].result);
    }
}

static void test_role(void **state)
{
    static const struct {
        const char *text;
        enum role role;
    } cases[] = {
        {"GV đại trà", ROLE_GV},
        {"GV cốt cán", ROLE_GV},
        {"GV", ROLE_GV},
        {"gv", ROLE_GV},
        {" GV  đại trà ", ROLE_GV},
        {"Giáo viên", ROLE_GV},
        {"Giáo viên cốt cán", ROLE_GV},
        {"GIÁO VIÊN ĐẠI TRÀ", ROLE_GV},
        {"Gia\xcc\x81o vie\xcc\x82n co\xcc\x82\xcc\x81t ca\xcc\x81n", ROLE_GV},
        {"CBQL đại trà", ROLE_CBQL},
        {"CBQL cốt cán", ROLE_CBQL},
        {"CBQL", ROLE_CBQL},
        {"cbql", ROLE_CBQL},
        {"Cán bộ quản lý", ROLE_CBQL},
        {"Cán bộ quản lý cốt cán", ROLE_CBQL},
        {"CÁN BỘ QUẢN LÝ", ROLE_CBQL},
        {"Ca\xcc\x81n bo\xcc\xa3\xcc\x82 qua\xcc\x89n ly\xcc\x81", ROLE_CBQL},
        {"Nhân viên", ROLE_UNKNOWN},
        /* The abbreviation must be a whole word. */
        {"GVCN", ROLE_UNKNOWN},
        {"CBQLGD", ROLE_UNKNOWN},
        {"Giáo", ROLE_UNKNOWN},
        {"Cán bộ", ROLE_UNKNOWN},
        {"", ROLE_UNKNOWN},
        {"\xff", ROLE_UNKNOWN},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        enum role r = vocab_role(cases[i].text);

        if (r != cases[i].role)
            fail_msg("\"%s\": role %d, expected %d", cases[i].text, (int)r, (int)cases[i].role);
    }
}

static void test_source_kinds(void **state)
{
    static const struct {
        const char *name;
        enum source_kind kind;
    } kinds[] = {
        {"lms-learners", SOURCE_LMS_LEARNERS},
        {"lms-units", SOURCE_LMS_UNITS},
        {"temis-units", SOURCE_TEMIS_UNITS},
        {"temis-people", SOURCE_TEMIS_PEOPLE},
    };
    static const char *const rejected[] = {
        "unknown", "", "lms", "LMS-LEARNERS", "lms_learners", "lms-learners ", "temis",
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(kinds); i++) {
        enum source_kind k = SOURCE_UNKNOWN;

        if (!source_kind_parse(kinds[i].name, &k) || k != kinds[i].kind)
            fail_msg("\"%s\": kind %d, expected %d", kinds[i].name, (int)k, (int)kinds[i].kind);
        assert_string_equal(source_kind_name(k), kinds[i].name);
    }
    assert_string_equal(source_kind_name(SOURCE_UNKNOWN), "unknown");
    for (i = 0; i < N(rejected); i++) {
        enum source_kind k = SOURCE_TEMIS_PEOPLE;

        if (source_kind_parse(rejected[i], &k))
            fail_msg("\"%s\": accepted as a source kind", rejected[i]);
        assert_int_equal(k, SOURCE_TEMIS_PEOPLE);
    }
}

static void test_field_names(void **state)
{
    static const struct {
        enum field field;
        const char *name;
    } cases[] = {
        {F_SEQ, "seq"},
        {F_FULL_NAME, "full_name"},
        {F_ACCOUNT, "account"},
        {F_UNIT_NAME, "unit_name"},
        {F_UNIT_CODE, "unit_code"},
        {F_COMPLETION_DATE, "completion_date"},
        {F_SELF_ASSESSED, "self_assessed"},
        {F_HEAD_ASSESSED, "head_assessed"},
        {F_PERCENT, "percent"},
        {F_COUNT, "?"},
    };
    size_t i, j;

    (void)state;
    for (i = 0; i < N(cases); i++)
        assert_string_equal(field_name(cases[i].field), cases[i].name);
    for (i = 0; i < F_COUNT; i++)
        for (j = i + 1; j < F_COUNT; j++)
            if (strcmp(field_name((enum field)i), field_name((enum field)j)) == 0)
                fail_msg("fields %zu and %zu are both called %s", i, j, field_name((enum field)i));
}

/* A configuration built by hand: sources.aliases and sources.status. */
struct alias_spec {
    const char *field;
    const char *names[3];
};

static char *str_dup(const char *s)
{
    char *d = strdup(s);

    assert_non_null(d);
    return d;
}

static void strings_fill(struct config_strings *to, const char *const *items)
{
    size_t n = 0;

    while (items && items[n])
        n++;
    to->count = n;
    to->items = n ? calloc(n, sizeof *to->items) : NULL;
    for (n = 0; n < to->count; n++)
        to->items[n] = str_dup(items[n]);
}

static void strings_free(struct config_strings *s)
{
    size_t i;

    for (i = 0; i < s->count; i++)
        free(s->items[i]);
    free(s->items);
}

/* vocab_init from a struct config holding the aliases (written at line 40 + i,
 * column 5) and statuses given; the config is freed before returning. */
static int vocab_from(struct vocab *v, const struct alias_spec *aliases, size_t naliases,
                      const char *const *passed, const char *const *not_passed,
                      bdtx_error *err)
{
    struct config cfg;
    size_t i;
    int rc;

    memset(&cfg, 0, sizeof cfg);
    cfg.path = str_dup("/srv/bdtx/bdtx.yaml");
    cfg.aliases = naliases ? calloc(naliases, sizeof *cfg.aliases) : NULL;
    cfg.naliases = naliases;
    for (i = 0; i < naliases; i++) {
        cfg.aliases[i].field = str_dup(aliases[i].field);
        strings_fill(&cfg.aliases[i].names, aliases[i].names);
        cfg.aliases[i].line = 40 + (long)i;
        cfg.aliases[i].column = 5;
    }
    strings_fill(&cfg.status_passed, passed);
    strings_fill(&cfg.status_not_passed, not_passed);

    error_clear(err);
    rc = vocab_init(v, &cfg, err);

    for (i = 0; i < naliases; i++) {
        free(cfg.aliases[i].field);
        strings_free(&cfg.aliases[i].names);
    }
    free(cfg.aliases);
    strings_free(&cfg.status_passed);
    strings_free(&cfg.status_not_passed);
    free(cfg.path);
    return rc;
}

static void test_config_vocab(void **state)
{
    static const struct alias_spec aliases[] = {
        {"account", {"Mã học viên", NULL}},
        {"unit", {"Tên cơ sở", NULL}},
        {"name", {"Học viên", NULL}},
        {"self_assessed", {"Đã tự đánh giá", "TĐG", NULL}},
        /* Configuration comes last, so it can redirect a built-in name. */
        {"unit_code", {"Đơn vị", NULL}},
    };
    static const char *const passed[] = {"Xong", NULL};
    static const char *const not_passed[] = {"Chưa xong", NULL};
    static const struct field_case fields[] = {
        {"Mã học viên", F_ACCOUNT},
        {"MÃ HỌC VIÊN ", F_ACCOUNT},
        {"Ma\xcc\x83 ho\xcc\xa3" "c vie\xcc\x82n", F_ACCOUNT},
        {"Tên cơ sở", F_UNIT_NAME},
        {"Học viên", F_FULL_NAME},
        {"Đã tự đánh giá", F_SELF_ASSESSED},
        {"tđg", F_SELF_ASSESSED},
        {"Đơn vị", F_UNIT_CODE},
        {"Tài khoản", F_ACCOUNT},
        {"Trường", F_UNIT_NAME},
        {"Mã học", -1},
    };
    static const struct {
        const char *text;
        int state;
    } statuses[] = {
        {"Xong", STATE_PASSED},
        {"XONG", STATE_PASSED},
        {"Chưa xong", STATE_STARTED},
        {"Hoàn thành", STATE_PASSED},
        {"Chưa học", STATE_NOT_STARTED},
        {"Xong rồi", -1},
    };
    struct vocab v;
    bdtx_error err;
    size_t i;

    (void)state;
    require_ok(vocab_from(&v, aliases, N(aliases), passed, not_passed, &err), &err, "vocab_init");
    assert_int_equal(err.code, 0);
    for (i = 0; i < N(fields); i++) {
        int f = header_field(&v, fields[i].text);

        if (f != fields[i].field)
            fail_msg("\"%s\": field %d, expected %d", fields[i].text, f, fields[i].field);
    }
    for (i = 0; i < N(statuses); i++) {
        int s = vocab_status(&v, statuses[i].text);

        if (s != statuses[i].state)
            fail_msg("\"%s\": state %d, expected %d", statuses[i].text, s, statuses[i].state);
    }
    vocab_release(&v);
    assert_null(v.headers);
    assert_int_equal(v.nheaders, 0);
    assert_null(v.statuses);
    assert_int_equal(v.nstatuses, 0);

    /* The built-in vocabulary is not changed by configuring another. */
    assert_int_equal(header_field(&builtin, "Mã học viên"), -1);
    assert_int_equal(header_field(&builtin, "Đơn vị"), F_UNIT_NAME);
    assert_int_equal(vocab_status(&builtin, "Xong"), -1);
}

/* Every field can be named in sources.aliases by its field_name(). */
static void test_config_every_field(void **state)
{
    struct alias_spec aliases[F_COUNT];
    char names[F_COUNT][32];
    struct vocab v;
    bdtx_error err;
    size_t i;

    (void)state;
    memset(aliases, 0, sizeof aliases);
    for (i = 0; i < F_COUNT; i++) {
        snprintf(names[i], sizeof names[i], "Cột số %zu", i);
        aliases[i].field = field_name((enum field)i);
        aliases[i].names[0] = names[i];
    }
    require_ok(vocab_from(&v, aliases, F_COUNT, NULL, NULL, &err), &err, "vocab_init");
    for (i = 0; i < F_COUNT; i++)
        if (header_field(&v, names[i]) != (int)i)
            fail_msg("\"%s\" (%s): field %d", names[i], field_name((enum field)i),
                     header_field(&v, names[i]));
    vocab_release(&v);
}

static void test_config_errors(void **state)
{
    static const struct alias_spec unknown[] = {
        {"account", {"Mã học viên", NULL}},
        {"colour", {"Màu", NULL}},
    };
    static const struct alias_spec bad_name[] = {
        {"account", {"M\xff", NULL}},
    };
    static const char *const bad_status[] = {"Xong", "X\xc3", NULL};
    struct vocab v;
    bdtx_error err;

    (void)state;
    assert_int_equal(vocab_from(&v, unknown, N(unknown), NULL, NULL, &err), -1);
    assert_int_equal(err.code, BDTX_CONFIG);
    assert_string_equal(err.message, "sources.aliases: unknown field 'colour'");
    /* Where the unknown field was written, like every configuration error. */
    assert_string_equal(err.file, "/srv/bdtx/bdtx.yaml");
    assert_int_equal(err.row, 41);
    assert_string_equal(err.column, "5");
    /* Nothing is left to release, and releasing again is harmless. */
    assert_null(v.headers);
    assert_int_equal(v.nheaders, 0);
    assert_null(v.statuses);
    vocab_release(&v);

    assert_int_equal(vocab_from(&v, bad_name, N(bad_name), NULL, NULL, &err), -1);
    assert_int_equal(err.code, BDTX_CONFIG);
    assert_non_null(strstr(err.message, "is not valid UTF-8"));
    assert_null(v.headers);

    assert_int_equal(vocab_from(&v, NULL, 0, bad_status, NULL, &err), -1);
    assert_int_equal(err.code, BDTX_CONFIG);
    assert_non_null(strstr(err.message, "is not valid UTF-8"));
    assert_null(v.statuses);

    assert_int_equal(vocab_from(&v, NULL, 0, NULL, bad_status, &err), -1);
    assert_int_equal(err.code, BDTX_CONFIG);
    assert_non_null(strstr(err.message, "is not valid UTF-8"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_fields),
        cmocka_unit_test(test_other_fields),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_no_match),
        cmocka_unit_test(test_fixture_files),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_result),
        cmocka_unit_test(test_role),
        cmocka_unit_test(test_source_kinds),
        cmocka_unit_test(test_field_names),
        cmocka_unit_test(test_config_vocab),
        cmocka_unit_test(test_config_every_field),
        cmocka_unit_test(test_config_errors),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
